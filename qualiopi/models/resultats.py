"""The administrative and quality evidence store (domain rule 15) and its retention schedule.

The result indicators (rule 29) need no table: they are computed from the data
(``qualiopi.selectors.resultats``). The evidence store is an index of the rows that prove the
organisation's compliance (signed conventions and contracts, attendance signatures, attestations
and certificates, payments, answered surveys, administrative files), each with its kind and the
day until which it is kept under the organisation's schedule. The index holds no bilan content:
kind, source, dossier number and dates only (never a title, a note or a text); the evidence
itself stays where it was recorded and is destroyed by the daily purge when its day has passed
(``qualiopi.services.conservation``). Bilan work documents are not evidence: they go at closure
(R6313-7, ``syntheses.services.retention``).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.core.models import TenantOwned


class NaturePreuve(models.TextChoices):
    CONTRATS = "contrats", _("Conventions et contrats signés")
    PAIEMENTS = "paiements", _("Paiements et pièces comptables")
    EMARGEMENTS = "emargements", _("Preuves de présence (émargements)")
    ATTESTATIONS = "attestations", _("Attestations et certificats de réalisation")
    PIECES_ADMINISTRATIVES = "pieces_administratives", _("Pièces administratives du dossier")
    ENQUETES = "enquetes", _("Enquêtes de satisfaction")
    REGISTRES = "registres", _("Réclamations et registres qualité")


class PointDepart(models.TextChoices):
    DATE_PIECE = "date_piece", _("date de la pièce")
    FIN_BILAN = "fin_bilan", _("fin du bilan")
    FIN_ANNEE_DERNIER_PAIEMENT = (
        "fin_annee_dernier_paiement",
        _("fin de l'année du dernier paiement du bilan"),
    )


class RegleConservation(TenantOwned):
    """How long the organisation keeps one kind of evidence, from which day. Without a row the
    default of ``qualiopi.conservation.REGLES_DEFAUT`` applies (domain.md §4.1)."""

    nature = models.CharField(_("nature"), max_length=30, choices=NaturePreuve.choices)
    duree_ans = models.PositiveSmallIntegerField(
        _("durée de conservation (années)"),
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    point_depart = models.CharField(_("à compter de"), max_length=30, choices=PointDepart.choices)
    modifiee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("règle de conservation")
        verbose_name_plural = _("règles de conservation")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "nature"],
                name="regle_conservation_une_par_nature",
                violation_error_message=_("Cette nature de pièce a déjà sa règle."),
            ),
            models.CheckConstraint(
                condition=models.Q(duree_ans__gte=1, duree_ans__lte=30),
                name="regle_conservation_duree_1_a_30",
                violation_error_message=_("La durée de conservation va de 1 à 30 ans."),
            ),
        ]


class PiecePreuve(TenantOwned):
    """One piece of evidence in the store: what it is, where it lives (``source`` and
    ``source_id``), the dossier it proves, its date and the day until which it is kept. No
    title, no text: the index never holds bilan content. ``purgee_le`` set: the piece was
    destroyed on that day (the row stays as the purge log, with ``purge_motif``)."""

    class Source(models.TextChoices):
        DOCUMENT_SIGNE = "document_signe", _("Document signé")
        EMARGEMENT = "emargement", _("Émargement")
        PAIEMENT = "paiement", _("Paiement")
        ENQUETE = "enquete", _("Réponse à une enquête")
        DOCUMENT = "document", _("Pièce déposée")
        RECLAMATION = "reclamation", _("Réclamation close")

    nature = models.CharField(_("nature"), max_length=30, choices=NaturePreuve.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_id = models.BigIntegerField(_("identifiant de la source"))
    bilan = models.ForeignKey(
        "beneficiaires.Bilan", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    bilan_numero = models.CharField(_("dossier"), max_length=20, blank=True)
    date_piece = models.DateField(_("date de la pièce"))
    conserver_jusqu_au = models.DateField(
        _("conservée jusqu'au"),
        null=True,
        blank=True,
        help_text=_("Vide tant que le bilan n'est pas terminé."),
    )
    purgee_le = models.DateTimeField(_("détruite le"), null=True, blank=True)
    purge_motif = models.CharField(_("motif de la destruction"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("pièce du registre de preuves")
        verbose_name_plural = _("registre des preuves")
        ordering = ["nature", "date_piece", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source", "source_id"],
                name="piece_preuve_une_par_source",
                violation_error_message=_("Cette pièce est déjà dans le registre des preuves."),
            ),
            models.CheckConstraint(
                condition=models.Q(purgee_le__isnull=True) | ~models.Q(purge_motif=""),
                name="piece_preuve_purge_motivee",
                violation_error_message=_("Une destruction de pièce dit pourquoi."),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "purgee_le", "conserver_jusqu_au"])]
