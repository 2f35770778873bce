"""Writes for the core: invitations, memberships and organisation settings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bilan.core import selectors
from bilan.core.emails import send_templated_email_on_commit
from bilan.core.models import Invitation, Membership, Organisation, Role, User, hash_token
from bilan.core.tenancy import TenantOwned


def invitation_lien_construire(*, token: str) -> str:
    return f"{settings.SITE_URL}{reverse('invitation_accept', kwargs={'token': token})}"


@transaction.atomic
def invitation_creer(
    *,
    organisation: Organisation,
    email: str,
    invited_by: User,
    role: Role | str = "",
    beneficiaire: TenantOwned | None = None,
) -> tuple[Invitation, str]:
    """Create a single-use invitation and email its link after commit: to a staff ``role``, or
    to the portal of ``beneficiaire`` (a ``beneficiaires.Beneficiaire``), exactly one of them.

    Returns the invitation and the clear token (only ever sent by email, stored as a hash).
    A previous pending invitation for the same address is revoked, so the newest link wins.
    """
    email = email.strip().lower()
    if bool(role) == bool(beneficiaire):
        raise ValueError("Une invitation vise soit un rôle, soit un·e bénéficiaire.")
    if role and role not in Role.values:
        raise ValidationError({"role": _("Rôle inconnu.")})
    if (
        role
        and Membership.objects.filter(
            organisation=organisation, user__email__iexact=email, is_active=True
        ).exists()
    ):
        raise ValidationError({"email": _("Cette personne est déjà membre de l'organisme.")})
    if beneficiaire is not None:
        if beneficiaire.organisation_id != organisation.pk:
            raise ValidationError(_("Ce ou cette bénéficiaire n'appartient pas à l'organisme."))
        if hasattr(beneficiaire, "portal_access"):
            raise ValidationError(_("Ce ou cette bénéficiaire a déjà accès au portail."))

    now = timezone.now()
    Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=now)

    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        beneficiaire_id=beneficiaire.pk if beneficiaire is not None else None,
        token_hash=hash_token(token),
        invited_by=invited_by,
        expires_at=now + timedelta(days=settings.INVITATION_VALIDITY_DAYS),
    )
    send_templated_email_on_commit(
        template="invitation",
        to=email,
        context={
            "organisation": organisation,
            "invitation": invitation,
            "url": invitation_lien_construire(token=token),
            "invited_by": invited_by,
            "validity_days": settings.INVITATION_VALIDITY_DAYS,
        },
    )
    return invitation, token


@transaction.atomic
def invitation_accepter(*, invitation: Invitation, user: User) -> Invitation:
    """Consume an invitation for ``user``: grant the role or the portal access, once.

    The row is locked so that two tabs accepting the same link cannot both succeed.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("Cette invitation n'est plus valable."))
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(_("Cette invitation a été envoyée à une autre adresse électronique."))
    if invitation.role:
        Membership.objects.update_or_create(
            organisation=invitation.organisation,
            user=user,
            defaults={"role": invitation.role, "is_active": True},
        )
    else:
        accesses = selectors.portal_access_model()._default_manager
        if accesses.filter(organisation=invitation.organisation, user=user).exists():
            raise ValidationError(
                _("Votre compte a déjà accès à un autre dossier de cet organisme.")
            )
        # By id: the beneficiary row itself is hidden by row-level security until a tenant is
        # bound, and the composite foreign key guarantees it belongs to the organisation.
        accesses.create(
            organisation=invitation.organisation,
            user=user,
            beneficiaire_id=invitation.beneficiaire_id,
        )
    # Following the link proved the address (a new account gets it verified at sign-up).
    EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation


def invitation_revoquer(*, invitation: Invitation) -> Invitation:
    """Revoke a pending invitation (an accepted or already revoked one is left as it is)."""
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _ensure_an_admin_remains(*, membership: Membership) -> None:
    if (
        membership.role == Role.ADMIN
        and membership.is_active
        and selectors.admins_actifs_compter(organisation=membership.organisation) <= 1
    ):
        raise ValidationError(
            _("L'organisme doit garder au moins un·e administrateur·rice actif·ve.")
        )


@transaction.atomic
def membre_changer_role(*, membership: Membership, role: Role | str) -> Membership:
    """Change a staff member's role; the last active admin cannot be demoted."""
    if role not in Role.values:
        raise ValidationError({"role": _("Rôle inconnu.")})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role != Role.ADMIN:
        _ensure_an_admin_remains(membership=membership)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membre_definir_actif(*, membership: Membership, is_active: bool, by: User) -> Membership:
    """Deactivate (or reactivate) a staff member; nobody deactivates themself or the last admin."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not is_active:
        if membership.user_id == by.pk:
            raise ValidationError(_("Vous ne pouvez pas désactiver votre propre accès."))
        _ensure_an_admin_remains(membership=membership)
    membership.is_active = is_active
    membership.save(update_fields=["is_active", "updated_at"])
    return membership


@dataclass(frozen=True, kw_only=True)
class FicheOrganisation:
    """The settings an admin edits on the organisation page. Every field is named: a caller
    that forgets one fails instead of leaving it unchanged."""

    raison_sociale: str
    siret: str
    numero_declaration_activite: str
    qualiopi_numero_certificat: str
    qualiopi_date_emission: date | None
    qualiopi_date_expiration: date | None
    qualiopi_couvre_bilans: bool
    referent_handicap_nom: str
    referent_handicap_contact: str
    delai_reflexion_jours: int
    seuil_accompagnement_heures: Decimal
    suivi_delai_mois: int
    abandon_alerte_semaines: int
    couleur_accent: str = "#1f5f8b"


@transaction.atomic
def organisation_modifier(
    *,
    organisation: Organisation,
    fiche: FicheOrganisation,
    logo: File | None,
    logo_retirer: bool,
) -> Organisation:
    """Save the organisation's settings. ``logo`` is a new image to store (None keeps the
    current one); ``logo_retirer`` removes it. The model's validators run before saving."""
    for champ in fields(fiche):
        setattr(organisation, champ.name, getattr(fiche, champ.name))
    if logo is not None:
        organisation.logo = logo  # stored by save(), see FileField
    elif logo_retirer:
        organisation.logo = ""
    organisation.full_clean()
    organisation.save()
    return organisation
