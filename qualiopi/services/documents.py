"""Organisation documents: each upload is a new dated version (never overwritten), and the
beneficiary's acknowledgement of a version from the portal."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.documents import validate_document
from beneficiaires.models import Beneficiaire
from bilan.core.models import Organisation, User
from qualiopi.models.documents import AccuseLecture, DocumentVersion, KindDocument


def document_version_deposer(
    *,
    organisation: Organisation,
    kind: str,
    fichier: UploadedFile,
    en_vigueur_le: dt.date,
    commentaire: str,
    par: User,
) -> DocumentVersion:
    """Store ``fichier`` as the next version of the organisation's document ``kind``, in the
    private storage with its SHA-256; earlier versions stay as they were."""
    if kind not in KindDocument.values:
        raise ValidationError({"kind": _("Choisissez le document.")})
    try:
        type_mime = validate_document(fichier)
    except ValidationError as exc:
        raise ValidationError({"fichier": exc.messages}) from exc
    digest = hashlib.sha256()
    for chunk in fichier.chunks():
        digest.update(chunk)
    fichier.seek(0)
    with transaction.atomic():
        # Serialise the numbering of one organisation's versions of this kind.
        list(Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk"))
        dernier = DocumentVersion.objects.filter(kind=kind).aggregate(n=Max("numero"))["n"]
        version = DocumentVersion(
            organisation=organisation,
            kind=kind,
            numero=(dernier or 0) + 1,
            en_vigueur_le=en_vigueur_le,
            commentaire=commentaire.strip()[:300],
            fichier=fichier,
            nom_original=(fichier.name or "")[:255],
            type_mime=type_mime,
            taille=fichier.size or 0,
            sha256=digest.hexdigest(),
            depose_par=par,
        )
        version.full_clean()
        version.save()
        return version


def document_accuser_lecture(
    *, version: DocumentVersion, beneficiaire: Beneficiaire
) -> AccuseLecture:
    """Record that ``beneficiaire`` read ``version`` (idempotent: the first date is kept)."""
    if version.organisation_id != beneficiaire.organisation_id:
        raise ValidationError(_("Ce document n'est pas celui de votre organisme."))
    if version.kind not in KindDocument.pour_beneficiaires():
        raise ValidationError(_("Ce document n'est pas destiné aux bénéficiaires."))
    existant = AccuseLecture.objects.filter(version=version, beneficiaire=beneficiaire).first()
    if existant is not None:
        return existant
    try:
        with transaction.atomic():
            return AccuseLecture.objects.create(
                organisation_id=version.organisation_id,
                version=version,
                beneficiaire=beneficiaire,
                lu_le=timezone.now(),
            )
    except IntegrityError:
        # A second click in another tab recorded it first.
        return AccuseLecture.objects.get(version=version, beneficiaire=beneficiaire)
