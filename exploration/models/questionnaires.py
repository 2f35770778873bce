"""Questionnaire passations: an instrument (``exploration.instruments``) assigned to a
beneficiary's bilan, the answers, the computed result, its release to the beneficiary after
the debrief and the beneficiary's agreement to print it in the synthèse.

Answers and results are confidential bilan content (rule 11): read through
``beneficiaires.acces`` and journalled, destroyed with the bilan (R6313-7,
``syntheses.services.retention``). The instruments themselves are data files, not rows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Bilan
from bilan.core.models import TenantOwned
from exploration.instruments import IPIP_BF_50, IPIP_NEO_120, RIASEC_48, VALEURS
from seances.models import Seance


class Passation(TenantOwned):
    """One questionnaire given to a bilan's beneficiary, as a séance activity or as guided
    personal work (the séance it is linked to holds the time: the 24 hours stay with
    ``seances``)."""

    class Instrument(models.TextChoices):
        IPIP_NEO_120 = IPIP_NEO_120, _("Personnalité : IPIP-NEO-120 (120 questions)")
        RIASEC_48 = RIASEC_48, _("Intérêts professionnels : RIASEC (48 activités)")
        IPIP_BF_50 = IPIP_BF_50, _("Personnalité : Big Five IPIP (50 questions)")
        VALEURS = VALEURS, _("Valeurs : tri de cartes")

    class Modalite(models.TextChoices):
        SEANCE = "seance", _("Activité de séance")
        TRAVAIL = "travail", _("Travail personnel guidé")

    class Statut(models.TextChoices):
        A_FAIRE = "a_faire", _("À faire")
        EN_COURS = "en_cours", _("En cours")
        TERMINEE = "terminee", _("Terminé")

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="passations")
    seance = models.ForeignKey(
        # RESTRICT: a séance with a passation is not deleted alone, but goes with its bilan.
        Seance,
        on_delete=models.RESTRICT,
        related_name="passations",
        verbose_name=_("séance"),
    )
    instrument = models.CharField(_("questionnaire"), max_length=20, choices=Instrument.choices)
    modalite = models.CharField(_("modalité"), max_length=10, choices=Modalite.choices)
    statut = models.CharField(
        _("état"), max_length=10, choices=Statut.choices, default=Statut.A_FAIRE
    )
    assignee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Likert: {item_id: 1..5}; card sort: {"piles": {card_id: pile}, "top": [card_id, ...]}.
    reponses = models.JSONField(_("réponses"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("page atteinte"), default=0)
    terminee_le = models.DateTimeField(_("terminé le"), null=True, blank=True)
    resultat = models.JSONField(_("résultat"), null=True, blank=True)
    publiee_le = models.DateTimeField(_("résultats communiqués le"), null=True, blank=True)
    publiee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accord_synthese_le = models.DateTimeField(
        _("accord pour la synthèse le"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("passation de questionnaire")
        verbose_name_plural = _("passations de questionnaires")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="passation_org_id",
                violation_error_message=_("Cette passation existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "bilan", "instrument"],
                condition=~models.Q(statut="terminee"),
                name="passation_une_ouverte_par_instrument",
                violation_error_message=_(
                    "Ce questionnaire est déjà en cours pour ce bilan : attendez qu'il soit "
                    "terminé pour le proposer à nouveau."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(statut="terminee", terminee_le__isnull=False, resultat__isnull=False)
                    | (
                        ~models.Q(statut="terminee")
                        & models.Q(terminee_le__isnull=True, resultat__isnull=True)
                    )
                ),
                name="passation_resultat_si_terminee",
                violation_error_message=_(
                    "Un résultat n'existe que pour un questionnaire terminé."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(publiee_le__isnull=True)
                | models.Q(statut="terminee", publiee_par__isnull=False),
                name="passation_publiee_si_terminee",
                violation_error_message=_(
                    "Seuls les résultats d'un questionnaire terminé peuvent être communiqués."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(accord_synthese_le__isnull=True)
                | models.Q(publiee_le__isnull=False),
                name="passation_accord_apres_publication",
                violation_error_message=_(
                    "L'accord pour la synthèse suppose des résultats communiqués."
                ),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "bilan"])]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} — {self.bilan}"
