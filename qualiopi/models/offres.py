"""Public offer pages (RNQ ind. 1, rule 31): an organisation publishes a programme as an
``Offre``; every change is a new dated ``OffreVersion`` (history kept, never edited), and the
current version is the latest. A version carries every ind. 1 item (prerequisites optional for
bilans, accessibility and référent handicap contact mandatory) and a snapshot of the published
results taken at publication."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Programme
from bilan.core.models import TenantOwned

# Ind. 1 items a version cannot be published without (rule 31).
CHAMPS_OBLIGATOIRES = (
    "titre",
    "objectifs",
    "public_vise",
    "duree_repartition",
    "delai_acces",
    "tarif",
    "financements",
    "accessibilite",
    "referent_handicap_contact",
    "contacts",
    "methodes",
    "modalites_evaluation",
)
# Every item an administrator writes in a version, in the order of the form and of the CSV.
CHAMPS_CONTENU = (
    "titre",
    "objectifs",
    "public_vise",
    "prerequis",
    "duree_heures",
    "duree_repartition",
    "presentiel",
    "distance",
    "delai_acces",
    "tarif",
    "financements",
    "accessibilite",
    "referent_handicap_contact",
    "contacts",
    "methodes",
    "modalites_evaluation",
)


class Offre(TenantOwned):
    """A programme the organisation publishes; its public address carries ``public_id``."""

    programme = models.OneToOneField(
        Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    publiee = models.BooleanField(_("publiée"), default=True)

    class Meta:
        verbose_name = _("offre publiée")
        verbose_name_plural = _("offres publiées")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="offre_org_id",
                violation_error_message=_("Cette offre existe déjà."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.programme)


class OffreVersion(TenantOwned):
    """One dated, immutable version of an offer page."""

    offre = models.ForeignKey(Offre, on_delete=models.PROTECT, related_name="versions")
    numero = models.PositiveIntegerField(_("version"))
    publiee_le = models.DateTimeField(_("publiée le"))
    publiee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    titre = models.CharField(_("intitulé de l'offre"), max_length=200)
    objectifs = models.TextField(_("objectifs"))
    public_vise = models.TextField(_("public visé"))
    prerequis = models.TextField(
        _("prérequis"), blank=True, help_text=_("Facultatif pour un bilan de compétences.")
    )
    duree_heures = models.DecimalField(_("durée totale (heures)"), max_digits=5, decimal_places=1)
    duree_repartition = models.TextField(
        _("répartition de la durée par phase"),
        help_text=_("Phase préliminaire, d'investigation, de conclusion ; temps personnel."),
    )
    presentiel = models.BooleanField(_("en présentiel"), default=True)
    distance = models.BooleanField(_("à distance"), default=False)
    delai_acces = models.TextField(
        _("délai d'accès"),
        help_text=_(
            "Par exemple : 11 jours ouvrés au moins via le CPF, après l'entretien préalable."
        ),
    )
    tarif = models.TextField(_("tarif"))
    financements = models.TextField(_("financements possibles"))
    accessibilite = models.TextField(_("accessibilité aux personnes en situation de handicap"))
    referent_handicap_contact = models.CharField(
        _("contact du ou de la référent·e handicap"), max_length=300
    )
    contacts = models.TextField(_("contacts"))
    methodes = models.TextField(_("méthodes mobilisées"))
    modalites_evaluation = models.TextField(_("modalités d'évaluation"))
    resultats_debut = models.DateField(_("résultats : début de la période"))
    resultats_fin = models.DateField(_("résultats : fin de la période"))
    resultats = models.JSONField(_("résultats publiés"), default=dict)

    class Meta:
        verbose_name = _("version d'offre")
        verbose_name_plural = _("versions d'offre")
        ordering = ["offre", "-numero"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "offre", "numero"],
                name="offre_version_numero_unique",
                violation_error_message=_("Cette version de l'offre existe déjà."),
            ),
            models.CheckConstraint(
                condition=Q(presentiel=True) | Q(distance=True),
                name="offre_version_une_modalite",
                violation_error_message=_(
                    "Indiquez au moins une modalité : présentiel ou distance."
                ),
            ),
            models.CheckConstraint(
                condition=Q(duree_heures__gt=0),
                name="offre_version_duree_positive",
                violation_error_message=_("La durée doit être positive."),
            ),
            models.CheckConstraint(
                condition=Q(resultats_fin__gte=models.F("resultats_debut")),
                name="offre_version_periode_resultats",
                violation_error_message=_("La période des résultats finit après son début."),
            ),
            # Rule 31: every mandatory ind. 1 item is present, even through raw SQL.
            models.CheckConstraint(
                condition=~Q(titre__regex=r"^\s*$")
                & ~Q(objectifs__regex=r"^\s*$")
                & ~Q(public_vise__regex=r"^\s*$")
                & ~Q(duree_repartition__regex=r"^\s*$")
                & ~Q(delai_acces__regex=r"^\s*$")
                & ~Q(tarif__regex=r"^\s*$")
                & ~Q(financements__regex=r"^\s*$")
                & ~Q(accessibilite__regex=r"^\s*$")
                & ~Q(referent_handicap_contact__regex=r"^\s*$")
                & ~Q(contacts__regex=r"^\s*$")
                & ~Q(methodes__regex=r"^\s*$")
                & ~Q(modalites_evaluation__regex=r"^\s*$"),
                name="offre_version_mentions_obligatoires",
                violation_error_message=_(
                    "Une mention obligatoire de l'offre (indicateur 1) est vide."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.titre} v{self.numero}"
