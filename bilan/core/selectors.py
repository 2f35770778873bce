"""Reads for the core: memberships, invitations and the organisation's staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from bilan.core.models import Invitation, Membership, Organisation, User, hash_token

if TYPE_CHECKING:
    from beneficiaires.models import PortalAccess


def user_requires_mfa(*, user: User) -> bool:
    """Staff of any organisation, and superusers, must use a second factor."""
    return user.is_superuser or user.memberships.filter(is_active=True).exists()


def user_has_strong_mfa(*, user: User) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__raison_sociale")
    )


def membership_for_session(*, user: User, organisation_public_id: str | None) -> Membership | None:
    """The membership matching the session's organisation, else the user's first one."""
    memberships = memberships_for_user(user=user)
    if organisation_public_id:
        chosen = memberships.filter(organisation__public_id=organisation_public_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def portal_accesses_for_user(*, user: User) -> QuerySet[PortalAccess]:
    from beneficiaires.models import PortalAccess

    return (
        PortalAccess.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__raison_sociale")
    )


def portal_access_for_session(
    *, user: User, organisation_public_id: str | None
) -> PortalAccess | None:
    accesses = portal_accesses_for_user(user=user)
    if organisation_public_id:
        chosen = accesses.filter(organisation__public_id=organisation_public_id).first()
        if chosen is not None:
            return chosen
    return accesses.first()


def organisation_members(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-is_active", "user__last_name", "user__first_name", "user__email")
    )


def membership_get(*, organisation: Organisation, public_id) -> Membership:
    """Tenant-aware accessor: 404 unless the membership belongs to ``organisation``."""
    return get_object_or_404(
        Membership.objects.select_related("user"), organisation=organisation, public_id=public_id
    )


def invitation_get(*, organisation: Organisation, public_id) -> Invitation:
    return get_object_or_404(Invitation, organisation=organisation, public_id=public_id)


def invitations_pending(*, organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organisation=organisation,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
        beneficiaire__isnull=True,
    ).select_related("invited_by")


def invitation_find_by_token(*, token: str) -> Invitation | None:
    """Look an invitation up by its secret token (stored hashed). None if unknown."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )


def count_active_admins(*, organisation: Organisation) -> int:
    return Membership.objects.filter(
        organisation=organisation, role="admin", is_active=True, user__is_active=True
    ).count()
