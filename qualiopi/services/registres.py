"""Writes of the quality registers. Every write runs in the bound organisation, validates the
whole row (model and database constraints, French messages) and saves it in one transaction.

A complaint filed from the portal is recorded with the channel "portail" and the received date
of the day; the organisation's administrators are told by e-mail once the transaction commits
(the e-mail says that a complaint arrived, never its text)."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.documents import validate_document
from beneficiaires.models import Beneficiaire, Bilan
from bilan.core.emails import send_templated_email_on_commit
from bilan.core.models import Membership, Organisation, Role, User
from qualiopi.models.registres import (
    ActionAmelioration,
    AdaptationHandicap,
    CanalReclamation,
    Intervenant,
    NatureReclamation,
    ParametresQualite,
    PartenaireHandicap,
    PieceIntervenant,
    Reclamation,
    RetourPartiePrenante,
    VeilleEntree,
)

# The rows ``entree_enregistrer`` writes (staff record lines have their own service: a file).
MODELES_REGISTRES: tuple[type[Model], ...] = (
    Reclamation,
    ActionAmelioration,
    VeilleEntree,
    Intervenant,
    PartenaireHandicap,
    AdaptationHandicap,
    RetourPartiePrenante,
)


def _est_membre(*, organisation: Organisation, user: User | None) -> bool:
    return (
        user is not None
        and Membership.objects.filter(organisation=organisation, user=user, is_active=True).exists()
    )


def parametres_qualite_modifier(
    *, organisation: Organisation, delai_accuse_jours: int
) -> ParametresQualite:
    """Set the target acknowledgement delay of complaints (working days)."""
    with transaction.atomic():
        parametres = ParametresQualite.objects.filter(organisation=organisation).first()
        if parametres is None:
            parametres = ParametresQualite(organisation=organisation)
        parametres.delai_accuse_jours = delai_accuse_jours
        parametres.full_clean()
        parametres.save()
        return parametres


def entree_enregistrer[E: Model](*, entree: E, organisation: Organisation, par: User) -> E:
    """Create or update one register row of ``organisation`` after validating it whole.

    The row's links (dossier, bilan, complaint, feedback, partner) were chosen among the
    organisation's rows by the form; the composite foreign keys refuse any other. A person
    named on a row (action owner, staff member) must be an active member of the organisation.
    """
    with transaction.atomic():
        if not isinstance(entree, MODELES_REGISTRES):
            raise TypeError(type(entree).__name__)
        entree.organisation = organisation  # type: ignore[attr-defined]
        if isinstance(entree, ActionAmelioration) and not _est_membre(
            organisation=organisation, user=entree.responsable
        ):
            raise ValidationError({"responsable": _("Choisissez un membre actif de l'organisme.")})
        if (
            isinstance(entree, Intervenant)
            and entree.membre_id is not None
            and not _est_membre(organisation=organisation, user=entree.membre)
        ):
            raise ValidationError({"membre": _("Choisissez un membre actif de l'organisme.")})
        if isinstance(entree, Reclamation):
            _reclamation_verifier(reclamation=entree)
        if isinstance(entree, VeilleEntree) and entree.saisie_par_id is None:
            entree.saisie_par = par
        if isinstance(entree, Reclamation) and entree.pk is None and entree.deposee_par_id is None:
            entree.deposee_par = par
        entree.full_clean()
        entree.save()
        return entree


def _reclamation_verifier(*, reclamation: Reclamation) -> None:
    bilan = reclamation.bilan
    if bilan is None:
        return
    if reclamation.beneficiaire_id is None:
        reclamation.beneficiaire = bilan.beneficiaire
    elif bilan.beneficiaire_id != reclamation.beneficiaire_id:
        raise ValidationError({"bilan": _("Ce bilan n'est pas celui du bénéficiaire choisi.")})


def reclamation_deposer_portail(
    *,
    beneficiaire: Beneficiaire,
    nature: str,
    objet: str,
    description: str,
    par: User,
) -> Reclamation:
    """A complaint the beneficiary files from the portal (rule 30): received today through
    the portal, linked to their file (and to their current bilan, if any); the administrators
    are e-mailed after commit."""
    erreurs: dict[str, str] = {}
    if nature not in NatureReclamation.values or nature == NatureReclamation.INCIDENT:
        erreurs["nature"] = _("Choisissez le sujet de votre réclamation.")
    if not objet.strip():
        erreurs["objet"] = _("Indiquez l'objet de votre réclamation.")
    if not description.strip():
        erreurs["description"] = _("Décrivez votre réclamation.")
    if erreurs:
        raise ValidationError(erreurs)
    with transaction.atomic():
        organisation = beneficiaire.organisation
        bilan = Bilan.objects.filter(beneficiaire=beneficiaire).order_by("-created_at").first()
        reclamation = Reclamation(
            organisation=organisation,
            recue_le=timezone.localdate(),
            canal=CanalReclamation.PORTAIL,
            nature=nature,
            objet=objet.strip()[:200],
            description=description.strip(),
            auteur=_("Bénéficiaire (portail)"),
            beneficiaire=beneficiaire,
            bilan=bilan,
            deposee_par=par,
        )
        reclamation.full_clean()
        reclamation.save()
        admins = Membership.objects.filter(
            organisation=organisation, role=Role.ADMIN, is_active=True
        ).select_related("user")
        for membership in admins:
            send_templated_email_on_commit(
                template="reclamation-recue",
                to=membership.user.email,
                context={"organisation": organisation, "reclamation_id": reclamation.public_id},
            )
        return reclamation


def piece_intervenant_enregistrer(
    *,
    piece: PieceIntervenant,
    intervenant: Intervenant,
    fichier: UploadedFile | None,
) -> PieceIntervenant:
    """Add or update a line of a staff record; a new proof file replaces the line's file
    (the previous one stays on disk until the retention purge)."""
    with transaction.atomic():
        piece.organisation_id = intervenant.organisation_id
        piece.intervenant = intervenant
        if fichier is not None:
            try:
                type_mime = validate_document(fichier)
            except ValidationError as exc:
                raise ValidationError({"fichier": exc.messages}) from exc
            digest = hashlib.sha256()
            for chunk in fichier.chunks():
                digest.update(chunk)
            fichier.seek(0)
            piece.fichier = fichier
            piece.nom_original = (fichier.name or "")[:255]
            piece.type_mime = type_mime
            piece.sha256 = digest.hexdigest()
        piece.full_clean()
        piece.save()
        return piece
