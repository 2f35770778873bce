from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Bilan, Consentement
from bilan.core.models import SignedDocument, TenantOwned

# The sections practice expects (domain.md §5.1), in print order: (field, label).
SECTIONS = [
    ("circonstances", _("Circonstances du bilan")),
    ("competences", _("Compétences et aptitudes identifiées")),
    ("interets", _("Intérêts, valeurs et motivations")),
    ("projets", _("Projet(s) professionnel(s) et projet de formation")),
    ("scenarios", _("Scénarios étudiés")),
    ("facteurs", _("Facteurs favorables et freins")),
    ("etapes", _("Étapes de mise en œuvre")),
]


class Synthese(TenantOwned):
    """The document de synthèse of a bilan: it belongs to the beneficiary alone (L6313-4).

    ``revision`` increases with every save: an editor that saves with an older revision is
    told that newer text exists (second tab, lost connection) instead of overwriting it.
    """

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", _("Brouillon")
        PARTAGEE = "partagee", _("Partagée avec le ou la bénéficiaire")
        REVISEE = "revisee", _("Révisée")
        VALIDEE = "validee", _("Validée par les deux")
        SIGNEE = "signee", _("Signée")
        REMISE = "remise", _("Remise")

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="synthese")
    statut = models.CharField(
        _("statut"), max_length=20, choices=Statut.choices, default=Statut.BROUILLON
    )
    revision = models.PositiveIntegerField(_("révision"), default=0)
    # The editor page (a random token per opened page) that produced ``revision``: its next save
    # from the previous revision is its own autosave racing its button, not a conflict.
    edition_page = models.CharField(_("page d'édition"), max_length=64, blank=True)
    circonstances = models.TextField(_("Circonstances du bilan"), blank=True)
    competences = models.TextField(_("Compétences et aptitudes identifiées"), blank=True)
    interets = models.TextField(_("Intérêts, valeurs et motivations"), blank=True)
    projets = models.TextField(_("Projet(s) professionnel(s) et projet de formation"), blank=True)
    scenarios = models.TextField(_("Scénarios étudiés"), blank=True)
    facteurs = models.TextField(_("Facteurs favorables et freins"), blank=True)
    etapes = models.TextField(_("Étapes de mise en œuvre"), blank=True)
    modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    validee_beneficiaire_le = models.DateTimeField(null=True, blank=True)
    validee_consultant_le = models.DateTimeField(null=True, blank=True)
    document = models.ForeignKey(
        SignedDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    remise_le = models.DateTimeField(_("remise le"), null=True, blank=True)
    remise_mode = models.CharField(_("mode de remise"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("synthèse")
        verbose_name_plural = _("synthèses")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="synthese_org_id",
                violation_error_message=_("Cette synthèse existe déjà."),
            )
        ]

    def __str__(self) -> str:
        return f"Synthèse {self.bilan_id}"


class SyntheseVersion(TenantOwned):
    """A kept version of the synthèse (shared, revised, validated, signed): every version is
    kept and can be compared; ``contenu`` holds the sections and the structured parts."""

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="versions")
    numero = models.PositiveIntegerField(_("version"))
    contenu = models.JSONField(_("contenu"))
    motif = models.CharField(_("motif"), max_length=200)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        SignedDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("version de la synthèse")
        verbose_name_plural = _("versions de la synthèse")
        ordering = ["synthese", "numero"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "synthese", "numero"],
                name="synthese_version_unique",
                violation_error_message=_("Cette version de la synthèse existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="synthese_version_org_id",
                violation_error_message=_("Cette version de la synthèse existe déjà."),
            ),
        ]


class Commentaire(TenantOwned):
    """A comment on one section, by the beneficiary (shared reading) or the consultant."""

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="commentaires")
    version = models.ForeignKey(
        SyntheseVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    section = models.CharField(_("section"), max_length=30, choices=SECTIONS)
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    texte = models.TextField(_("commentaire"))
    traite = models.BooleanField(_("pris en compte"), default=False)

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at"]


class EtapePlanAction(TenantOwned):
    """A step of the action plan: deadline, owner, resources, status."""

    class Ressource(models.TextChoices):
        FORMATION = "formation", _("Formation")
        VAE = "vae", _("VAE")
        FINANCEMENT = "financement", _("Financement")
        CONTACT = "contact", _("Contact, réseau")
        AUTRE = "autre", _("Autre")

    class Statut(models.TextChoices):
        A_FAIRE = "a_faire", _("À faire")
        EN_COURS = "en_cours", _("En cours")
        FAIT = "fait", _("Fait")

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="plan_action")
    ordre = models.PositiveSmallIntegerField(_("ordre"))
    intitule = models.CharField(_("étape"), max_length=300)
    echeance = models.DateField(_("échéance"), null=True, blank=True)
    responsable = models.CharField(_("qui"), max_length=200, blank=True)
    ressource_type = models.CharField(
        _("type de ressource"), max_length=20, choices=Ressource.choices, blank=True
    )
    ressource = models.CharField(_("ressource"), max_length=300, blank=True)
    statut = models.CharField(
        _("statut"), max_length=20, choices=Statut.choices, default=Statut.A_FAIRE
    )

    class Meta:
        verbose_name = _("étape du plan d'action")
        verbose_name_plural = _("plan d'action")
        ordering = ["synthese", "ordre"]


class Critere(TenantOwned):
    """A weighted criterion of the scenario comparison."""

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="criteres")
    libelle = models.CharField(_("critère"), max_length=200)
    poids = models.PositiveSmallIntegerField(
        _("poids"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("critère")
        verbose_name_plural = _("critères")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="critere_org_id",
                violation_error_message=_("Ce critère existe déjà."),
            )
        ]


class Scenario(TenantOwned):
    """A scenario (A, B, C...) scored against the criteria; totals are computed."""

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="scenarios_list")
    lettre = models.CharField(_("scénario"), max_length=2)
    intitule = models.CharField(_("intitulé"), max_length=200)
    avantages = models.TextField(_("avantages"), blank=True)
    risques = models.TextField(_("risques"), blank=True)

    class Meta:
        verbose_name = _("scénario")
        verbose_name_plural = _("scénarios")
        ordering = ["lettre"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="scenario_org_id",
                violation_error_message=_("Ce scénario existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "synthese", "lettre"],
                name="scenario_lettre_unique",
                violation_error_message=_("Ce scénario (même lettre) existe déjà."),
            ),
        ]


class NoteScenario(TenantOwned):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="notes")
    critere = models.ForeignKey(Critere, on_delete=models.CASCADE, related_name="notes")
    note = models.PositiveSmallIntegerField(
        _("note"), validators=[MinValueValidator(0), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("note de scénario")
        verbose_name_plural = _("notes de scénario")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "scenario", "critere"],
                name="note_scenario_unique",
                violation_error_message=_("Ce scénario a déjà une note pour ce critère."),
            ),
        ]


class EcartCompetence(TenantOwned):
    """A line of the competency gap matrix: current level vs the level the target requires."""

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="ecarts")
    competence = models.CharField(_("compétence"), max_length=200)
    cible = models.CharField(_("métier ou projet visé"), max_length=200, blank=True)
    niveau_actuel = models.PositiveSmallIntegerField(
        _("niveau actuel"), validators=[MaxValueValidator(4)]
    )
    niveau_requis = models.PositiveSmallIntegerField(
        _("niveau requis"), validators=[MaxValueValidator(4)]
    )
    # The beneficiary's own rating (from their projet cible in the portal), next to the
    # consultant's ``niveau_actuel``; empty when they have not rated this line.
    niveau_beneficiaire = models.PositiveSmallIntegerField(
        _("niveau actuel selon le ou la bénéficiaire"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(4)],
    )

    class Meta:
        verbose_name = _("écart de compétence")
        verbose_name_plural = _("matrice des écarts")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(niveau_beneficiaire__isnull=True)
                | models.Q(niveau_beneficiaire__lte=4),
                name="ecart_niveau_beneficiaire_0_a_4",
                violation_error_message=_("Le niveau va de 0 (non acquis) à 4 (expert)."),
            )
        ]


class Partage(TenantOwned):
    """A sharing of the synthèse with a CEP operator or a third party, only under the
    beneficiary's recorded consent; revoking the consent ends it."""

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="partages")
    consentement = models.ForeignKey(Consentement, on_delete=models.PROTECT, related_name="+")
    destinataire = models.CharField(_("destinataire"), max_length=200)
    courriel = models.EmailField(_("courriel du destinataire"), blank=True)
    par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoque_le = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("partage de la synthèse")
        verbose_name_plural = _("partages de la synthèse")


class Purge(TenantOwned):
    """Journal of the retention purge (R6313-7): what was destroyed, when and why."""

    bilan = models.ForeignKey(Bilan, on_delete=models.PROTECT, related_name="purges")
    objet = models.CharField(_("objet détruit"), max_length=200)
    nombre = models.PositiveIntegerField(_("nombre"), default=1)
    raison = models.CharField(_("raison"), max_length=300)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("purge")
        verbose_name_plural = _("journal des purges")
        ordering = ["-created_at"]
