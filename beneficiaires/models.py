import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from bilan.core.models import Organisation, TenantOwned, private_storage


class Beneficiaire(TenantOwned):
    """A person who follows (or will follow) a bilan with the organisation.

    Only data with a direct link to the bilan is kept (L6313-4).
    """

    civilite = models.CharField(
        _("civilité"),
        max_length=10,
        blank=True,
        choices=[("mme", _("Madame")), ("m", _("Monsieur"))],
    )
    prenom = models.CharField(_("prénom"), max_length=150)
    nom = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("adresse électronique"))
    telephone = models.CharField(_("téléphone"), max_length=30, blank=True)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="beneficiaires_suivis",
        verbose_name=_("consultant·e référent·e"),
    )

    class Meta:
        verbose_name = _("bénéficiaire")
        verbose_name_plural = _("bénéficiaires")
        ordering = ["nom", "prenom"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("email"), name="beneficiaire_email_unique_per_org"
            ),
            # Target of the composite (organisation_id, beneficiaire_id) foreign keys.
            models.UniqueConstraint(fields=["organisation", "id"], name="beneficiaire_org_id"),
        ]

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom}"


def document_path(instance: "Document", filename: str) -> str:
    """org-<id>/beneficiaires/<public id>/<random>.<ext>: the organisation is in every path."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return (
        f"org-{instance.organisation_id}/beneficiaires/{instance.beneficiaire.public_id}/"
        f"{uuid.uuid4().hex}.{extension}"
    )


class Document(TenantOwned):
    """A file of the dossier (CV, signed convention, ...), stored privately and served only
    through a view that re-checks access and logs the download."""

    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="documents"
    )
    titre = models.CharField(_("titre"), max_length=200)
    fichier = models.FileField(_("fichier"), upload_to=document_path, storage=private_storage)
    nom_original = models.CharField(_("nom du fichier"), max_length=255)
    type_mime = models.CharField(_("type"), max_length=100)
    taille = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.titre


class PortalAccess(models.Model):
    """Links a user account to a beneficiary's dossier(s) in one organisation.

    Like ``Membership`` it is not tenant-owned: the portal middleware reads it to find which
    organisations a logged-in beneficiary may enter, before any organisation is bound.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_accesses"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="portal_accesses"
    )
    beneficiaire = models.OneToOneField(
        Beneficiaire, on_delete=models.CASCADE, related_name="portal_access"
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("accès au portail")
        verbose_name_plural = _("accès au portail")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="portal_access_one_per_user_and_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.beneficiaire_id}"
