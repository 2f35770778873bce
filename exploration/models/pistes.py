"""Pistes (fiches métier shortlisted on a bilan) and enquêtes métier (interviews with
professionals logged by the beneficiary): confidential bilan content, tenant-owned, purged with
the bilan (``syntheses.services.retention``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Bilan
from bilan.core.models import TenantOwned
from exploration.models.rome import Fiche


class Piste(TenantOwned):
    """A fiche kept as a lead on one bilan. Each side writes its own note; both notes are
    shown to both sides (the consultant's working notes stay in the séance notes).
    ``projet_cible``: the target the gap matrix of the synthèse starts from (one per bilan)."""

    class Auteur(models.TextChoices):
        BENEFICIAIRE = "beneficiaire", _("Le ou la bénéficiaire")
        CONSULTANT = "consultant", _("Le ou la consultant·e")

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="pistes")
    fiche = models.ForeignKey(Fiche, on_delete=models.PROTECT, related_name="+")
    ajoutee_par = models.CharField(_("ajoutée par"), max_length=20, choices=Auteur.choices)
    note_beneficiaire = models.TextField(_("note du ou de la bénéficiaire"), blank=True)
    note_consultant = models.TextField(_("note du ou de la consultant·e"), blank=True)
    projet_cible = models.BooleanField(_("projet cible"), default=False)
    # The beneficiary's own current level (0-4) on each core savoir-faire of the fiche, keyed
    # by the code OGR of the savoir-faire; copied into the gap matrix by its pre-fill.
    auto_evaluation = models.JSONField(
        _("auto-évaluation du ou de la bénéficiaire"), default=dict, blank=True
    )

    class Meta:
        verbose_name = _("piste métier")
        verbose_name_plural = _("pistes métier")
        ordering = ["-projet_cible", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="piste_org_id",
                violation_error_message=_("Cette piste existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["bilan", "fiche"],
                name="piste_une_par_fiche",
                violation_error_message=_("Ce métier est déjà dans les pistes du bilan."),
            ),
            models.UniqueConstraint(
                fields=["bilan"],
                condition=models.Q(projet_cible=True),
                name="piste_un_projet_cible",
                violation_error_message=_("Le bilan a déjà un projet cible."),
            ),
            models.CheckConstraint(
                condition=models.Q(ajoutee_par__in=["beneficiaire", "consultant"]),
                name="piste_auteur_valide",
                violation_error_message=_("Auteur de la piste inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.fiche_id)


class EnqueteMetier(TenantOwned):
    """An enquête métier: an interview the beneficiary had with a professional (not the
    questionnaire de satisfaction of the ``enquetes`` app). Written by the beneficiary from the
    portal, commented by the consultant; counted for Qualiopi (ind. 2) by nature only."""

    class TypeOrganisation(models.TextChoices):
        ENTREPRISE = "entreprise", _("Entreprise privée")
        PUBLIC = "public", _("Administration ou établissement public")
        ASSOCIATION = "association", _("Association ou économie sociale")
        INDEPENDANT = "independant", _("Indépendant·e ou profession libérale")
        AUTRE = "autre", _("Autre")

    class Modalite(models.TextChoices):
        RENCONTRE = "rencontre", _("Rencontre sur place")
        TELEPHONE = "telephone", _("Téléphone")
        VISIO = "visio", _("Visioconférence")
        IMMERSION = "immersion", _("Immersion ou observation")

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="enquetes_metier")
    piste = models.ForeignKey(
        Piste,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enquetes_metier",
        verbose_name=_("piste liée"),
    )
    interlocuteur = models.CharField(_("personne rencontrée"), max_length=200)
    fonction = models.CharField(_("métier ou fonction"), max_length=200)
    type_organisation = models.CharField(
        _("type d'organisation"), max_length=20, choices=TypeOrganisation.choices
    )
    modalite = models.CharField(
        _("modalité"), max_length=20, choices=Modalite.choices, default=Modalite.RENCONTRE
    )
    rencontre_le = models.DateField(_("date de l'échange"))
    questions = models.TextField(_("questions préparées"), blank=True)
    apprentissages = models.TextField(_("ce que j'ai appris"), blank=True)
    effet_projet = models.TextField(_("effet sur mon projet"), blank=True)
    commentaire_consultant = models.TextField(_("commentaire du ou de la consultant·e"), blank=True)
    commente_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    commente_le = models.DateTimeField(_("commenté le"), null=True, blank=True)

    class Meta:
        verbose_name = _("enquête métier")
        verbose_name_plural = _("enquêtes métier")
        ordering = ["-rencontre_le", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="enquete_metier_org_id",
                violation_error_message=_("Cette enquête métier existe déjà."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    type_organisation__in=[
                        "entreprise",
                        "public",
                        "association",
                        "independant",
                        "autre",
                    ]
                ),
                name="enquete_metier_type_organisation_valide",
                violation_error_message=_("Type d'organisation inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(modalite__in=["rencontre", "telephone", "visio", "immersion"]),
                name="enquete_metier_modalite_valide",
                violation_error_message=_("Modalité inconnue."),
            ),
        ]

    def __str__(self) -> str:
        return self.fonction
