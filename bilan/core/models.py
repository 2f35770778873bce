import hashlib
import uuid
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bilan.core import checks  # noqa: F401  (registers the system checks, see its docstring)
from bilan.core.tenant_scope import TenantOwned
from bilan.core.validators import COULEUR_HEX, validate_couleur_accent, validate_siret


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: staff of one or more organisations, a beneficiary, or both.

    ``is_staff`` keeps Django's meaning (may open the Django admin) and is only set for
    superusers; organisation roles live in ``Membership``.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("adresse électronique"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("accès à l'administration Django"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("utilisateur·rice")
        verbose_name_plural = _("utilisateur·rices")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message=_("Un compte existe déjà avec cette adresse électronique."),
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


def private_storage() -> Storage:
    return storages["private"]


def organisation_logo_path(instance: "Organisation", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"org-{instance.pk}/logo/{uuid.uuid4().hex}.{extension}"


class Organisation(models.Model):
    """A provider of bilans de compétences: the tenant."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    raison_sociale = models.CharField(_("raison sociale"), max_length=200)
    slug = models.SlugField(_("identifiant court"), max_length=60, unique=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    numero_declaration_activite = models.CharField(
        _("numéro de déclaration d'activité"),
        max_length=11,
        blank=True,
        validators=[
            RegexValidator(
                r"^\d{11}$",
                _("Le numéro de déclaration d'activité compte 11 chiffres."),
            )
        ],
        help_text=_("11 chiffres, attribué par la DREETS."),
    )
    qualiopi_numero_certificat = models.CharField(
        _("numéro du certificat Qualiopi"), max_length=60, blank=True
    )
    qualiopi_date_emission = models.DateField(
        _("date de délivrance du certificat Qualiopi"),
        null=True,
        blank=True,
        help_text=_("Point de départ de la fenêtre de l'audit de surveillance (14 à 22 mois)."),
    )
    qualiopi_date_expiration = models.DateField(
        _("date d'expiration du certificat Qualiopi"), null=True, blank=True
    )
    qualiopi_couvre_bilans = models.BooleanField(
        _("le certificat couvre les bilans de compétences"), default=False
    )
    referent_handicap_nom = models.CharField(
        _("nom du ou de la référent·e handicap"), max_length=150, blank=True
    )
    referent_handicap_contact = models.CharField(
        _("contact du ou de la référent·e handicap"),
        max_length=200,
        blank=True,
        help_text=_("Adresse électronique ou téléphone."),
    )
    delai_reflexion_jours = models.PositiveSmallIntegerField(
        _("délai de réflexion après l'entretien préalable (jours)"),
        default=10,
        help_text=_("Nombre de jours entre l'entretien préalable et la confirmation du bilan."),
    )
    seuil_accompagnement_heures = models.DecimalField(
        _("minimum d'heures d'accompagnement (avertissement)"),
        max_digits=4,
        decimal_places=1,
        default=13,
        help_text=_(
            "Seuil annoncé par décret en attente : un bilan clos en dessous déclenche "
            "un avertissement, jamais un blocage."
        ),
    )
    suivi_delai_mois = models.PositiveSmallIntegerField(
        _("entretien de suivi après la fin du bilan (mois)"),
        default=6,
        validators=[MinValueValidator(3), MaxValueValidator(9)],
    )
    abandon_alerte_semaines = models.PositiveSmallIntegerField(
        _("alerte de risque d'abandon après (semaines sans séance)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    rappel_seance_heures = models.PositiveSmallIntegerField(
        _("rappel des séances (heures avant)"), default=24
    )
    logo = models.ImageField(
        _("logo"), upload_to=organisation_logo_path, storage=private_storage, blank=True
    )
    couleur_accent = models.CharField(
        _("couleur d'accent"),
        max_length=7,
        default="#1f5f8b",
        validators=[validate_couleur_accent],
        help_text=_(
            "Couleur du portail et des courriels, au format #rrggbb ; elle doit contraster "
            "à 4,5:1 au moins avec le blanc."
        ),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("organisme")
        verbose_name_plural = _("organismes")
        ordering = ["raison_sociale"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(couleur_accent__regex=COULEUR_HEX),
                name="organisation_couleur_accent_hex",
                violation_error_message=_("Indiquez une couleur au format #rrggbb."),
            )
        ]

    def __str__(self) -> str:
        return self.raison_sociale


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur·rice")
    CONSULTANT = "consultant", _("Consultant·e")
    ASSISTANT = "assistant", _("Assistant·e")


class Membership(models.Model):
    """A staff member's role in one organisation.

    Not tenant-owned: it is how the tenant is found.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # Sub-contracting (rule 27, R6333-6-2 / L6323-9-2): a consultant who works for the
    # organisation under a written sub-contracting contract, with the decree's mentions.
    sous_traitant = models.BooleanField(_("intervient en sous-traitance"), default=False)
    st_reference = models.CharField(_("référence du contrat"), max_length=100, blank=True)
    st_debut = models.DateField(_("début du contrat"), null=True, blank=True)
    st_fin = models.DateField(_("fin du contrat"), null=True, blank=True)
    st_missions = models.TextField(_("missions confiées"), blank=True)
    st_contenu_sanction = models.TextField(
        _("contenu de la prestation et modalités de sanction"), blank=True
    )
    st_moyens = models.TextField(_("moyens mobilisés"), blank=True)
    st_conditions = models.TextField(_("conditions de réalisation et de suivi"), blank=True)
    st_prix = models.DecimalField(
        _("prix convenu (€ HT)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    st_communique_cdc_le = models.DateField(
        _("contrat communiqué à la Caisse des dépôts le"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                name="membership_unique_user_per_org",
                violation_error_message=_("Cette personne est déjà membre de l'organisme."),
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="membership_role_valid",
                violation_error_message=_("Rôle inconnu."),
            ),
            # R6333-6-2: a sub-contractor has a written contract carrying every mention.
            models.CheckConstraint(
                condition=models.Q(sous_traitant=False)
                | (
                    ~models.Q(st_reference="")
                    & models.Q(st_debut__isnull=False, st_fin__isnull=False)
                    & models.Q(st_fin__gte=models.F("st_debut"))
                    & ~models.Q(st_missions="")
                    & ~models.Q(st_contenu_sanction="")
                    & ~models.Q(st_moyens="")
                    & ~models.Q(st_conditions="")
                    & models.Q(st_prix__gt=0)
                ),
                name="membership_sous_traitance_contrat_complet",
                violation_error_message=_(
                    "Le contrat de sous-traitance doit porter toutes ses mentions (R6333-6-2)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.organisation})"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """The only way in: a single-use link sent by email, stored as a hash.

    Either a staff role (``role``) or a beneficiary's portal access (``beneficiaire``), never
    both. Not tenant-owned because it is looked up by token before anyone is logged in; every
    staff-side access filters on ``organisation``.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse électronique"))
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, blank=True)
    beneficiaire = models.ForeignKey(
        "beneficiaires.Beneficiaire",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=Role.values, beneficiaire__isnull=True)
                    | models.Q(role="", beneficiaire__isnull=False)
                ),
                name="invitation_role_xor_beneficiaire",
            ),
            # At most one pending invitation per address and organisation.
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.organisation})"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def status_label(self) -> str | Promise:
        if self.accepted_at:
            return _("acceptée")
        if self.revoked_at:
            return _("révoquée")
        if self.expires_at <= timezone.now():
            return _("expirée")
        return _("en attente")


class AuditEvent(TenantOwned):
    """One read of confidential content, or one export or download: who, when, what, from where.

    Append-only: the application role may insert and read, never update or delete (migration
    ``MakeAppendOnly``), and a trigger refuses rewrites for every role.
    """

    class Action(models.TextChoices):
        READ = "lecture", _("consultation")
        DOWNLOAD = "telechargement", _("téléchargement")
        EXPORT = "export", _("export")

    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("personne")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("type d'objet"), max_length=40)
    object_id = models.UUIDField(_("identifiant de l'objet"))
    object_label = models.CharField(_("objet"), max_length=200)
    beneficiaire = models.ForeignKey(
        "beneficiaires.Beneficiaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bénéficiaire"),
    )
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("accès journalisé")
        verbose_name_plural = _("journal des accès")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "beneficiaire", "-created_at"]),
            models.Index(fields=["organisation", "actor", "-created_at"]),
            # The unfiltered journal, newest first, a page at a time (issue 16).
            models.Index(fields=["organisation", "-created_at", "-id"], name="auditevent_recents"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_label}"


# --- Signed documents (bilan.core.signatures) --------------------------------------------------


def signed_document_path(instance: "SignedDocument", filename: str) -> str:
    """org-<id>/documents/<uuid>.pdf: the organisation is in every path, the name is random."""
    return f"org-{instance.organisation_id}/documents/{uuid.uuid4().hex}.pdf"


class SignatureRole(models.TextChoices):
    BENEFICIAIRE = "beneficiaire", _("bénéficiaire")
    CONSULTANT = "consultant", _("consultant·e")
    ORGANISME = "organisme", _("organisme prestataire")
    EMPLOYEUR = "employeur", _("employeur")


class SignedDocument(TenantOwned):
    """A generated PDF (convention, contract, synthesis, attestation...), stored once with its
    SHA-256, then signed by the required roles. Never changed after issue: a correction is a new
    version. Written only through ``bilan.core.signatures``."""

    class Status(models.TextChoices):
        BROUILLON = "brouillon", _("brouillon")
        EMIS = "emis", _("émis, en attente de signature")
        SIGNE = "signe", _("signé")
        ANNULE = "annule", _("annulé")

    kind = models.CharField(_("type de document"), max_length=40)
    title = models.CharField(_("titre"), max_length=200)
    subject_id = models.UUIDField(_("identifiant de l'objet concerné"))
    beneficiaire = models.ForeignKey(
        "beneficiaires.Beneficiaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bénéficiaire"),
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.BROUILLON
    )
    issued_pdf = models.FileField(
        _("document émis"), upload_to=signed_document_path, storage=private_storage, blank=True
    )
    issued_sha256 = models.CharField(_("empreinte SHA-256 du document émis"), max_length=64)
    issued_at = models.DateTimeField(_("émis le"), null=True, blank=True)
    signed_pdf = models.FileField(
        _("document signé"),
        upload_to=signed_document_path,
        storage=private_storage,
        blank=True,
        null=True,
    )
    signed_sha256 = models.CharField(
        _("empreinte SHA-256 du document signé"), max_length=64, blank=True
    )
    signed_at = models.DateTimeField(_("signé le"), null=True, blank=True)
    required_roles = models.JSONField(_("signataires requis"), default=list)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("créé par")
    )

    class Meta:
        verbose_name = _("document à signer")
        verbose_name_plural = _("documents à signer")
        ordering = ["kind", "subject_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "subject_id", "version"],
                name="signeddocument_unique_version",
                violation_error_message=_("Cette version du document existe déjà."),
            ),
            # Target of the composite (organisation_id, document_id) foreign keys.
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="signeddocument_org_id",
                violation_error_message=_("Ce document existe déjà."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["brouillon", "emis", "signe", "annule"]),
                name="signeddocument_status_valid",
                violation_error_message=_("Statut de document inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Signature(TenantOwned):
    """One simple electronic signature: who, in which capacity, when, from where, how they were
    authenticated, and the SHA-256 of the exact bytes they signed."""

    document = models.ForeignKey(
        SignedDocument, on_delete=models.CASCADE, related_name="signatures"
    )
    role = models.CharField(_("qualité"), max_length=20, choices=SignatureRole.choices)
    signer_name = models.CharField(_("nom du ou de la signataire"), max_length=200)
    signer_email = models.EmailField(_("adresse électronique du ou de la signataire"), blank=True)
    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte"),
    )
    signed_at = models.DateTimeField(_("signé le"))
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    document_sha256 = models.CharField(_("empreinte SHA-256 signée"), max_length=64)
    auth_method = models.CharField(_("mode d'authentification"), max_length=100)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "role"],
                name="signature_one_per_role",
                violation_error_message=_("Ce document est déjà signé en cette qualité."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} ({self.get_role_display()})"


class SigningLink(TenantOwned):
    """A single-use signing link for a signer without an account (e.g. the employer's
    signatory). The token is stored hashed; the URL also carries the organisation's public id,
    so the link can be looked up under row-level security once that organisation is bound."""

    document = models.ForeignKey(
        SignedDocument, on_delete=models.CASCADE, related_name="signing_links"
    )
    role = models.CharField(_("qualité"), max_length=20, choices=SignatureRole.choices)
    signer_name = models.CharField(_("nom du ou de la signataire"), max_length=200)
    signer_email = models.EmailField(_("adresse électronique du ou de la signataire"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expire le"))
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("lien de signature")
        verbose_name_plural = _("liens de signature")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.signer_name} ({self.get_role_display()})"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()
