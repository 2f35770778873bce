"""The evidence export for a Qualiopi audit (issue 15): one row per requested archive, its
progress while the task builds it, and the file it produced until it expires."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.core.models import TenantOwned


class ExportQualiopi(TenantOwned):
    """One evidence archive: who asked for which window (and sample), how far its build went,
    where its ZIP lies in the private storage and when it expires. Written only through
    ``qualiopi.services.export``."""

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", _("En attente")
        EN_COURS = "en_cours", _("En cours de préparation")
        PRET = "pret", _("Prêt")
        ECHEC = "echec", _("Échec")
        EXPIRE = "expire", _("Expiré")

    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    debut = models.DateField(_("début de la période"))
    fin = models.DateField(_("fin de la période"))
    echantillon = models.PositiveIntegerField(_("taille de l'échantillon"), null=True, blank=True)
    graine = models.BigIntegerField(_("graine du tirage"), null=True, blank=True)
    statut = models.CharField(
        _("statut"), max_length=20, choices=Statut.choices, default=Statut.EN_ATTENTE
    )
    progression_faite = models.PositiveIntegerField(_("étapes faites"), default=0)
    progression_totale = models.PositiveIntegerField(_("étapes en tout"), default=0)
    etape = models.CharField(_("étape en cours"), max_length=200, blank=True)
    fichier = models.CharField(_("fichier (stockage privé)"), max_length=300, blank=True)
    taille = models.PositiveBigIntegerField(_("taille (octets)"), default=0)
    termine_le = models.DateTimeField(_("terminé le"), null=True, blank=True)
    expire_le = models.DateTimeField(_("expire le"), null=True, blank=True)
    erreur = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("export des preuves Qualiopi")
        verbose_name_plural = _("exports des preuves Qualiopi")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fin__gte=models.F("debut")),
                name="export_qualiopi_periode_ordonnee",
                violation_error_message=_("La fin de la période précède son début."),
            ),
            models.CheckConstraint(
                condition=models.Q(echantillon__isnull=True) | models.Q(echantillon__gte=1),
                name="export_qualiopi_echantillon_positif",
                violation_error_message=_("L'échantillon compte au moins un dossier."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    statut__in=["en_attente", "en_cours", "pret", "echec", "expire"]
                ),
                name="export_qualiopi_statut_valide",
                violation_error_message=_("Statut d'export inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(progression_faite__lte=models.F("progression_totale"))
                | models.Q(progression_totale=0),
                name="export_qualiopi_progression_bornee",
                violation_error_message=_("La progression dépasse le nombre d'étapes."),
            ),
            models.CheckConstraint(
                condition=~models.Q(statut="pret") | ~models.Q(fichier=""),
                name="export_qualiopi_pret_a_un_fichier",
                violation_error_message=_("Un export prêt a un fichier."),
            ),
        ]

    def __str__(self) -> str:
        return f"Export Qualiopi {self.debut} → {self.fin}"

    @property
    def pourcentage(self) -> int:
        if not self.progression_totale:
            return 0
        return round(100 * self.progression_faite / self.progression_totale)
