from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Bilan, Phase, TypeSeance
from bilan.core.models import TenantOwned


class Seance(TenantOwned):
    """A séance of a bilan. Planned from a programme template or by hand."""

    class Statut(models.TextChoices):
        PLANIFIEE = "planifiee", _("Planifiée")
        REALISEE = "realisee", _("Réalisée")
        ANNULEE = "annulee", _("Annulée")
        ABSENCE_EXCUSEE = "absence_excusee", _("Absence excusée")
        ABSENCE_NON_EXCUSEE = "absence_non_excusee", _("Absence non excusée")

    class Modalite(models.TextChoices):
        PRESENTIEL = "presentiel", _("Présentiel")
        VISIO = "visio", _("Visioconférence")
        TELEPHONE = "telephone", _("Téléphone")

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="seances")
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    type = models.CharField(_("type"), max_length=30, choices=TypeSeance.choices)
    intitule = models.CharField(_("intitulé"), max_length=200)
    debut = models.DateTimeField(_("début prévu"))
    duree_minutes = models.PositiveSmallIntegerField(
        _("durée prévue (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    modalite = models.CharField(_("modalité"), max_length=20, choices=Modalite.choices)
    statut = models.CharField(
        _("statut"), max_length=30, choices=Statut.choices, default=Statut.PLANIFIEE
    )

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["debut"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="seance_org_id"),
            models.CheckConstraint(
                condition=models.Q(duree_minutes__gte=15, duree_minutes__lte=480),
                name="seance_duree_raisonnable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intitule} ({self.debut:%d/%m/%Y})"
