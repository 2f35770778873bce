"""Writes for beneficiaries."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from beneficiaires.models import Beneficiaire, Document
from beneficiaires.selectors import beneficiaire_email_taken
from bilan.core.models import Invitation, Organisation, User
from bilan.core.services import invitation_creer

BENEFICIAIRE_FIELDS = ("civilite", "prenom", "nom", "email", "telephone", "consultant")


def _check_consultant(*, organisation: Organisation, consultant: User | None) -> None:
    if (
        consultant is not None
        and not consultant.memberships.filter(organisation=organisation, is_active=True).exists()
    ):
        raise ValidationError(
            {"consultant": _("Ce ou cette consultant·e n'est pas de l'organisme.")}
        )


def beneficiaire_create(*, organisation: Organisation, **data) -> Beneficiaire:
    """Create a beneficiary; an email already known in the organisation is refused."""
    data["email"] = data["email"].strip().lower()
    _check_consultant(organisation=organisation, consultant=data.get("consultant"))
    if beneficiaire_email_taken(email=data["email"]):
        raise ValidationError(
            {"email": _("Un·e bénéficiaire de l'organisme utilise déjà cette adresse.")}
        )
    try:
        with transaction.atomic():
            return Beneficiaire.objects.create(
                organisation=organisation,
                **{k: v for k, v in data.items() if k in BENEFICIAIRE_FIELDS},
            )
    except IntegrityError:
        # Two simultaneous creations with the same address: the database decides.
        raise ValidationError(
            {"email": _("Un·e bénéficiaire de l'organisme utilise déjà cette adresse.")}
        ) from None


def beneficiaire_update(*, beneficiaire: Beneficiaire, **data) -> Beneficiaire:
    if "email" in data:
        data["email"] = data["email"].strip().lower()
        if beneficiaire_email_taken(email=data["email"], exclude_pk=beneficiaire.pk):
            raise ValidationError(
                {"email": _("Un·e bénéficiaire de l'organisme utilise déjà cette adresse.")}
            )
    _check_consultant(organisation=beneficiaire.organisation, consultant=data.get("consultant"))
    for field, value in data.items():
        if field in BENEFICIAIRE_FIELDS:
            setattr(beneficiaire, field, value)
    beneficiaire.save()
    return beneficiaire


def beneficiaire_invite_to_portal(*, beneficiaire: Beneficiaire, invited_by: User) -> Invitation:
    """Send the beneficiary an invitation to the portal (login by emailed code afterwards)."""
    invitation, _token = invitation_creer(
        organisation=beneficiaire.organisation,
        email=beneficiaire.email,
        beneficiaire=beneficiaire,
        invited_by=invited_by,
    )
    return invitation


def document_deposer(
    *,
    beneficiaire: Beneficiaire,
    titre: str,
    fichier,
    type_mime: str,
    by: User,
    categorie: str = Document.Categorie.TRAVAIL,
) -> Document:
    """Store a file of the dossier privately, with its size and SHA-256 fingerprint."""
    digest = hashlib.sha256()
    for chunk in fichier.chunks():
        digest.update(chunk)
    fichier.seek(0)
    return Document.objects.create(
        organisation=beneficiaire.organisation,
        beneficiaire=beneficiaire,
        titre=titre,
        categorie=categorie,
        fichier=fichier,
        nom_original=fichier.name[:255],
        type_mime=type_mime,
        taille=fichier.size,
        sha256=digest.hexdigest(),
        depose_par=by,
    )
