"""Writes for beneficiaries."""

import hashlib
from dataclasses import asdict, dataclass, replace

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from beneficiaires.models import Beneficiaire, Document
from beneficiaires.selectors import beneficiaire_email_existe
from bilan.core.models import Invitation, Organisation, User
from bilan.core.services import invitation_creer


@dataclass(frozen=True, kw_only=True)
class FicheBeneficiaire:
    """Everything the staff records about a beneficiary's identity and situation. Every field
    is named: a form that forgets one, or sends an unknown one, fails loudly instead of losing
    it (the situation, employer and job feed the R6313-5 check and the tripartite convention)."""

    civilite: str
    prenom: str
    nom: str
    email: str
    telephone: str
    statut: str
    statut_precision: str
    employeur_nom: str
    employeur_siret: str
    poste: str
    consultant: User | None


def _check_consultant(*, organisation: Organisation, consultant: User | None) -> None:
    if (
        consultant is not None
        and not consultant.memberships.filter(organisation=organisation, is_active=True).exists()
    ):
        raise ValidationError(
            {"consultant": _("Ce ou cette consultant·e n'est pas de l'organisme.")}
        )


def _email_deja_pris() -> ValidationError:
    return ValidationError(
        {"email": _("Un·e bénéficiaire de l'organisme utilise déjà cette adresse.")}
    )


def beneficiaire_creer(*, organisation: Organisation, fiche: FicheBeneficiaire) -> Beneficiaire:
    """Create a beneficiary; an email already known in the organisation is refused."""
    fiche = replace(fiche, email=fiche.email.strip().lower())
    _check_consultant(organisation=organisation, consultant=fiche.consultant)
    if beneficiaire_email_existe(email=fiche.email):
        raise _email_deja_pris()
    try:
        with transaction.atomic():
            return Beneficiaire.objects.create(organisation=organisation, **asdict(fiche))
    except IntegrityError:
        # Two simultaneous creations with the same address: the database decides.
        raise _email_deja_pris() from None


def beneficiaire_modifier(*, beneficiaire: Beneficiaire, fiche: FicheBeneficiaire) -> Beneficiaire:
    """Replace the beneficiary's identity and situation with ``fiche``."""
    fiche = replace(fiche, email=fiche.email.strip().lower())
    if beneficiaire_email_existe(email=fiche.email, exclude_pk=beneficiaire.pk):
        raise _email_deja_pris()
    _check_consultant(organisation=beneficiaire.organisation, consultant=fiche.consultant)
    champs = asdict(fiche)
    for field, value in champs.items():
        setattr(beneficiaire, field, value)
    beneficiaire.save(update_fields=[*champs, "updated_at"])
    return beneficiaire


def beneficiaire_inviter_au_portail(*, beneficiaire: Beneficiaire, par: User) -> Invitation:
    """Send the beneficiary an invitation to the portal (login by emailed code afterwards)."""
    invitation, _token = invitation_creer(
        organisation=beneficiaire.organisation,
        email=beneficiaire.email,
        beneficiaire=beneficiaire,
        invited_by=par,
    )
    return invitation


def document_deposer(
    *,
    beneficiaire: Beneficiaire,
    titre: str,
    fichier: UploadedFile,
    type_mime: str,
    par: User,
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
        nom_original=(fichier.name or "")[:255],
        type_mime=type_mime,
        taille=fichier.size,
        sha256=digest.hexdigest(),
        depose_par=par,
    )
