"""Organisation documents with versions (RNQ ind. 1, 9, 17, 18): each upload is a dated
version, never overwritten; the current one of a kind is the latest. The portal shows the
current versions meant for beneficiaries and records each beneficiary's acknowledgement, per
version (a new version asks again)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from bilan.core.models import TenantOwned, private_storage


class KindDocument(models.TextChoices):
    LIVRET_ACCUEIL = "livret_accueil", _("Livret d'accueil")
    REGLEMENT_INTERIEUR = "reglement_interieur", _("Règlement intérieur")
    CGV = "cgv", _("Conditions générales de vente")
    ACCESSIBILITE = "accessibilite", _("Déclaration d'accessibilité")
    CONSIGNES_DISTANCE = "consignes_distance", _("Consignes des séances à distance")
    DEONTOLOGIE = "deontologie", _("Fiche déontologique")
    CADRE_LEGAL = "cadre_legal", _("Cadre légal et financements du bilan")
    LOCAUX = "locaux", _("Description des locaux et des outils")
    ORGANIGRAMME = "organigramme", _("Organigramme")

    @classmethod
    def pour_beneficiaires(cls) -> list[str]:
        """Kinds the portal shows (and asks the beneficiary to acknowledge)."""
        return [
            cls.LIVRET_ACCUEIL,
            cls.REGLEMENT_INTERIEUR,
            cls.CGV,
            cls.ACCESSIBILITE,
            cls.CONSIGNES_DISTANCE,
            cls.DEONTOLOGIE,
            cls.CADRE_LEGAL,
        ]


def document_organisation_path(instance: "DocumentVersion", filename: str) -> str:
    """org-<id>/qualite/documents/<kind>/<random>.<ext>."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    dossier = f"org-{instance.organisation_id}/qualite/documents/{instance.kind}"
    return f"{dossier}/{uuid.uuid4().hex}.{extension}"


class DocumentVersion(TenantOwned):
    """One dated version of an organisation document."""

    kind = models.CharField(_("document"), max_length=30, choices=KindDocument.choices)
    numero = models.PositiveIntegerField(_("version"))
    en_vigueur_le = models.DateField(_("en vigueur le"))
    commentaire = models.CharField(_("ce qui change"), max_length=300, blank=True)
    fichier = models.FileField(
        _("fichier"), upload_to=document_organisation_path, storage=private_storage
    )
    nom_original = models.CharField(_("nom du fichier"), max_length=255)
    type_mime = models.CharField(_("type"), max_length=100)
    taille = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("version de document de l'organisme")
        verbose_name_plural = _("versions des documents de l'organisme")
        ordering = ["kind", "-numero"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="document_version_org_id",
                violation_error_message=_("Cette version existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "numero"],
                name="document_version_numero_unique",
                violation_error_message=_("Cette version du document existe déjà."),
            ),
            models.CheckConstraint(
                condition=models.Q(numero__gte=1),
                name="document_version_numero_positif",
                violation_error_message=_("Les versions sont numérotées à partir de 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.numero}"


class AccuseLecture(TenantOwned):
    """A beneficiary's acknowledgement of one version of a document (portal)."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="accuses")
    beneficiaire = models.ForeignKey(Beneficiaire, on_delete=models.CASCADE, related_name="+")
    lu_le = models.DateTimeField(_("lu le"))

    class Meta:
        verbose_name = _("accusé de lecture")
        verbose_name_plural = _("accusés de lecture")
        ordering = ["-lu_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version", "beneficiaire"],
                name="accuse_lecture_unique",
                violation_error_message=_("Vous avez déjà pris connaissance de ce document."),
            ),
        ]
