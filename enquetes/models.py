"""Satisfaction surveys (Qualiopi indicators 2 and 30): à chaud at the closure, à froid some
months later. Each organisation edits its questionnaires; one ``Reponse`` per bilan and kind
records the invitation (sent when) and the answer (answered when)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.core.models import TenantOwned

FROID_DELAI_MOIS_DEFAUT = 6


class KindEnquete(models.TextChoices):
    CHAUD = "chaud", _("À chaud (fin du bilan)")
    FROID = "froid", _("À froid (quelques mois après)")


class ParametresEnquete(TenantOwned):
    """Per-organisation survey settings (created with defaults on first use)."""

    froid_delai_mois = models.PositiveSmallIntegerField(
        _("enquête à froid après la fin du bilan (mois)"),
        default=FROID_DELAI_MOIS_DEFAUT,
        validators=[MinValueValidator(3), MaxValueValidator(6)],
    )
    rappel_jours = models.PositiveSmallIntegerField(
        _("rappel sans réponse après (jours)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )

    class Meta:
        verbose_name = _("réglages des enquêtes")
        verbose_name_plural = _("réglages des enquêtes")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                name="parametres_enquete_un_par_org",
                violation_error_message=_(
                    "Les réglages des questionnaires existent déjà pour l'organisme."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(froid_delai_mois__gte=3, froid_delai_mois__lte=6),
                name="parametres_enquete_froid_3_a_6_mois",
                violation_error_message=_(
                    "Le questionnaire à froid part entre 3 et 6 mois après la fin du bilan."
                ),
            ),
        ]


class Questionnaire(TenantOwned):
    kind = models.CharField(_("enquête"), max_length=10, choices=KindEnquete.choices)
    titre = models.CharField(_("titre"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind"],
                name="questionnaire_un_par_kind",
                violation_error_message=_("Ce questionnaire existe déjà pour l'organisme."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="questionnaire_org_id",
                violation_error_message=_("Ce questionnaire existe déjà."),
            ),
        ]

    def __str__(self) -> str:
        return self.titre


class Question(TenantOwned):
    class Type(models.TextChoices):
        NOTE = "note", _("Note de 1 à 5")
        CHOIX = "choix", _("Choix dans une liste")
        TEXTE = "texte", _("Texte libre")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    libelle = models.CharField(_("question"), max_length=300)
    type = models.CharField(_("type de réponse"), max_length=10, choices=Type.choices)
    options = models.JSONField(_("options (choix)"), default=list, blank=True)
    obligatoire = models.BooleanField(_("réponse obligatoire"), default=False)
    # Answered questions are never deleted (the answers keep pointing at them): withdrawn.
    active = models.BooleanField(_("posée"), default=True)
    # Note questions marked here feed the satisfaction rate (Qualiopi indicator 2).
    compte_satisfaction = models.BooleanField(
        _("compte dans le taux de satisfaction"), default=False
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["ordre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="question_org_id",
                violation_error_message=_("Cette question existe déjà."),
            ),
            models.CheckConstraint(
                condition=models.Q(type__in=["note", "choix", "texte"]),
                name="question_type_valide",
                violation_error_message=_("Type de question inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return self.libelle


class Reponse(TenantOwned):
    """The survey of one bilan (one per kind): invitation, then the answer."""

    bilan = models.ForeignKey(
        "beneficiaires.Bilan", on_delete=models.CASCADE, related_name="reponses_enquete"
    )
    kind = models.CharField(_("enquête"), max_length=10, choices=KindEnquete.choices)
    # SHA-256 of the emailed link's token: the link opens the survey without logging in.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    envoyee_le = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    repondu_le = models.DateTimeField(_("répondu le"), null=True, blank=True)
    par_lien = models.BooleanField(_("répondu par le lien du courriel"), default=False)

    class Meta:
        verbose_name = _("réponse à une enquête")
        verbose_name_plural = _("réponses aux enquêtes")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "bilan", "kind"],
                name="reponse_une_par_bilan_et_kind",
                violation_error_message=_("Ce questionnaire a déjà été préparé pour ce bilan."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="reponse_org_id",
                violation_error_message=_("Cette réponse existe déjà."),
            ),
        ]


class ReponseItem(TenantOwned):
    reponse = models.ForeignKey(Reponse, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    note = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    choix = models.CharField(max_length=200, blank=True)
    texte = models.TextField(blank=True)

    class Meta:
        verbose_name = _("réponse à une question")
        verbose_name_plural = _("réponses aux questions")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reponse", "question"],
                name="reponse_item_unique",
                violation_error_message=_("Cette question a déjà une réponse."),
            ),
            models.CheckConstraint(
                condition=models.Q(note__isnull=True) | models.Q(note__gte=1, note__lte=5),
                name="reponse_item_note_1_a_5",
                violation_error_message=_("La note va de 1 à 5."),
            ),
        ]
