import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaires.budget import est_compte
from beneficiaires.models import Bilan, Phase, TypeSeance
from bilan.core.models import Organisation, TenantOwned, private_storage


class Seance(TenantOwned):
    """A séance of a bilan: counted in the 24 hours (L6313-4) while planned or realised.

    Counted time = the larger of the planned and realised durations. The bilan's total is kept
    by a PostgreSQL trigger in ``Bilan.minutes_comptees``, which a CHECK caps at 24 hours: two
    simultaneous plans for the last hour cannot both pass.
    """

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
        # Guided personal work: done by the beneficiary alone, no place, link or attendance.
        AUTONOMIE = "autonomie", _("En autonomie (travail personnel)")

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="seances")
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="seances_animees",
        verbose_name=_("consultant·e"),
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    type = models.CharField(_("type"), max_length=30, choices=TypeSeance.choices)
    intitule = models.CharField(_("intitulé"), max_length=200)
    objectifs = models.TextField(_("objectifs de la séance"), blank=True)
    debut = models.DateTimeField(_("début prévu"))
    duree_minutes = models.PositiveSmallIntegerField(
        _("durée prévue (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    duree_realisee_minutes = models.PositiveSmallIntegerField(
        _("durée réalisée (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(480)],
    )
    modalite = models.CharField(_("modalité"), max_length=20, choices=Modalite.choices)
    lieu = models.CharField(_("lieu"), max_length=200, blank=True)
    lien_visio = models.URLField(_("lien de visioconférence"), blank=True)
    statut = models.CharField(
        _("statut"), max_length=30, choices=Statut.choices, default=Statut.PLANIFIEE
    )
    motif = models.TextField(_("motif (annulation, absence, report)"), blank=True)
    # iCalendar SEQUENCE: increased at each move, change or cancellation (RFC 5545), so that
    # calendars replace the event they hold.
    sequence = models.PositiveIntegerField(_("révision (iCalendar)"), default=0)
    # Confidential: the assigned consultant only, every read logged.
    notes = models.TextField(_("notes confidentielles"), blank=True)

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["debut"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="seance_org_id",
                violation_error_message=_("Cette séance existe déjà."),
            ),
            models.CheckConstraint(
                condition=models.Q(duree_minutes__gte=15, duree_minutes__lte=480),
                name="seance_duree_raisonnable",
                violation_error_message=_("La durée d'une séance va de 15 minutes à 8 heures."),
            ),
            # Guided personal work has no place, link or modality of its own, and only it.
            models.CheckConstraint(
                condition=(
                    models.Q(type="travail_personnel", modalite="autonomie", lieu="", lien_visio="")
                    | (~models.Q(type="travail_personnel") & ~models.Q(modalite="autonomie"))
                ),
                name="seance_travail_personnel_en_autonomie",
                violation_error_message=_(
                    "Le travail personnel se fait en autonomie, sans lieu ni lien de visio ; "
                    "seules les séances de travail personnel sont en autonomie."
                ),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "consultant", "debut"])]

    def __str__(self) -> str:
        return f"{self.intitule} ({self.debut:%d/%m/%Y})"

    @property
    def minutes_comptees(self) -> int:
        """Its time in the 24 hours (``beneficiaires.budget``): 0 unless counted."""
        if self.statut not in STATUTS_COMPTES or not est_compte(type_seance=self.type):
            return 0
        return max(self.duree_minutes, self.duree_realisee_minutes or 0)

    @property
    def est_accompagnement(self) -> bool:
        return self.type != TypeSeance.TRAVAIL_PERSONNEL


# Statuses whose time is spent or reserved in the 24 hours (a cancelled séance or an absence
# gives its time back). The database trigger ``seances_budget_24h`` counts the same ones.
STATUTS_COMPTES: tuple[str, ...] = (Seance.Statut.PLANIFIEE, Seance.Statut.REALISEE)


class NatureAnnulation(models.TextChoices):
    """Why a planned séance will not take place: cancelled, or the beneficiary was absent
    (excused or not; no-shows feed the dropout indicators). Not a field: the séance's status
    records it (``STATUT_PAR_NATURE``)."""

    ANNULEE = "annulee", _("Annulée")
    EXCUSEE = "excusee", _("Absence excusée")
    NON_EXCUSEE = "non_excusee", _("Absence non excusée")


STATUT_PAR_NATURE: dict[str, Seance.Statut] = {
    NatureAnnulation.ANNULEE: Seance.Statut.ANNULEE,
    NatureAnnulation.EXCUSEE: Seance.Statut.ABSENCE_EXCUSEE,
    NatureAnnulation.NON_EXCUSEE: Seance.Statut.ABSENCE_NON_EXCUSEE,
}


class Emargement(TenantOwned):
    """One attendance signature of a séance (the beneficiary's or the consultant's).

    Evidence: who, when, from where (IP, user agent), how, and the séance's details exactly as
    they were when signed (``details`` and its SHA-256).
    """

    class Role(models.TextChoices):
        BENEFICIAIRE = "beneficiaire", _("bénéficiaire")
        CONSULTANT = "consultant", _("consultant·e")

    class Methode(models.TextChoices):
        DESSIN = "dessin", _("Signature tracée sur l'appareil du ou de la consultant·e")
        CONFIRMATION = "confirmation", _("Confirmation depuis son espace, en séance")
        PORTAIL = "portail", _("Signature à distance dans le portail")
        LIEN = "lien", _("Signature à distance par lien reçu par courriel")
        SESSION = "session", _("Signature dans l'application (consultant·e)")

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="emargements")
    role = models.CharField(_("qualité"), max_length=20, choices=Role.choices)
    signataire = models.CharField(_("signataire"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    methode = models.CharField(_("méthode"), max_length=20, choices=Methode.choices)
    signe_le = models.DateTimeField(_("signé le"))
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    details = models.JSONField(_("séance telle que signée"))
    details_sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    trace = models.TextField(_("signature tracée (image PNG en data:)"), blank=True)

    class Meta:
        verbose_name = _("émargement")
        verbose_name_plural = _("émargements")
        ordering = ["signe_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "seance", "role"],
                name="emargement_un_par_role",
                violation_error_message=_("Cette personne a déjà émargé cette séance."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.signataire}"


class DemandeEmargement(TenantOwned):
    """A remote attendance request sent to the beneficiary: in the portal and by an emailed
    single-use link, valid for a limited time."""

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="demandes")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expire_le = models.DateTimeField(_("expire le"))
    utilisee_le = models.DateTimeField(_("utilisée le"), null=True, blank=True)
    revoquee_le = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande d'émargement")
        verbose_name_plural = _("demandes d'émargement")


class Consigne(TenantOwned):
    """Guided personal work: what the consultant asks, with resources, due date and time.

    Tied to a séance of type "travail personnel guidé", whose time counts in the 24 hours.
    """

    seance = models.OneToOneField(Seance, on_delete=models.CASCADE, related_name="consigne")
    titre = models.CharField(_("titre"), max_length=200)
    consignes = models.TextField(_("consignes"))
    ressources = models.TextField(_("ressources"), blank=True)
    echeance = models.DateField(_("à rendre pour le"), null=True, blank=True)
    temps_attendu_minutes = models.PositiveSmallIntegerField(
        _("temps attendu (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(480)]
    )

    class Meta:
        verbose_name = _("consigne")
        verbose_name_plural = _("consignes")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="consigne_org_id",
                violation_error_message=_("Cette consigne existe déjà."),
            )
        ]

    def __str__(self) -> str:
        return self.titre


class Rendu(TenantOwned):
    """The beneficiary's submission for a consigne, the time they declare, and the feedback."""

    consigne = models.OneToOneField(Consigne, on_delete=models.CASCADE, related_name="rendu")
    texte = models.TextField(_("réponse"), blank=True)
    temps_declare_minutes = models.PositiveSmallIntegerField(
        _("temps passé (minutes)"), validators=[MinValueValidator(0), MaxValueValidator(480)]
    )
    soumis_le = models.DateTimeField(_("rendu le"))
    retour = models.TextField(_("retour du ou de la consultant·e"), blank=True)
    retour_le = models.DateTimeField(_("retour le"), null=True, blank=True)
    retour_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("travail rendu")
        verbose_name_plural = _("travaux rendus")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="rendu_org_id",
                violation_error_message=_("Ce rendu existe déjà."),
            )
        ]


def rendu_fichier_path(instance: "RenduFichier", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"org-{instance.organisation_id}/rendus/{uuid.uuid4().hex}.{extension}"


class RenduFichier(TenantOwned):
    rendu = models.ForeignKey(Rendu, on_delete=models.CASCADE, related_name="fichiers")
    fichier = models.FileField(upload_to=rendu_fichier_path, storage=private_storage)
    nom_original = models.CharField(max_length=255)
    type_mime = models.CharField(max_length=100)
    taille = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("fichier rendu")
        verbose_name_plural = _("fichiers rendus")


class EntretienSuivi(TenantOwned):
    """The follow-up interview after the bilan's end: never counted in the 24 hours."""

    class Statut(models.TextChoices):
        PLANIFIE = "planifie", _("Planifié")
        REALISE = "realise", _("Réalisé")
        ANNULE = "annule", _("Annulé")

    class Resultat(models.TextChoices):
        EN_EMPLOI = "en_emploi_projet", _("En emploi dans le projet")
        EN_FORMATION = "en_formation", _("En formation")
        PROJET_MODIFIE = "projet_modifie", _("Projet modifié")
        EN_RECHERCHE = "en_recherche", _("En recherche")
        ABANDON = "abandon_projet", _("Abandon du projet")
        SANS_NOUVELLES = "sans_nouvelles", _("Sans nouvelles")

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="entretien_suivi")
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    date_prevue = models.DateTimeField(_("date prévue"))
    duree_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=60)
    modalite = models.CharField(
        _("modalité"), max_length=20, choices=Seance.Modalite.choices, default="visio"
    )
    statut = models.CharField(
        _("statut"), max_length=20, choices=Statut.choices, default=Statut.PLANIFIE
    )
    resultat = models.CharField(
        _("situation à l'issue du suivi"), max_length=30, choices=Resultat.choices, blank=True
    )
    commentaire = models.TextField(_("commentaire"), blank=True)
    realise_le = models.DateTimeField(_("réalisé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("entretien de suivi")
        verbose_name_plural = _("entretiens de suivi")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(statut="realise") | ~models.Q(resultat=""),
                name="suivi_realise_a_un_resultat",
                violation_error_message=_(
                    "Un entretien de suivi réalisé indique la situation de la personne."
                ),
            ),
        ]


class FluxAgenda(models.Model):
    """A consultant's private iCalendar feed: a secret, revocable token in the URL.

    Not tenant-owned: it is looked up by its token before any organisation is bound (like an
    invitation); the feed then binds the organisation it belongs to.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flux_agenda"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    cree_le = models.DateTimeField(auto_now_add=True)
    revoque_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("flux d'agenda")
        verbose_name_plural = _("flux d'agenda")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(revoque_le__isnull=True),
                name="flux_agenda_un_actif",
                violation_error_message=_(
                    "Un lien d'agenda est déjà actif : renouvelez-le plutôt que d'en créer "
                    "un second."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Flux d'agenda de {self.user}"
