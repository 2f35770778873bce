"""The consultant's private iCalendar feed: creating and revoking its secret token (stored as a
hash). The agenda's reads and the feed's content are in ``seances.selectors.agenda``."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from bilan.core.models import Membership, Organisation, User, hash_token
from seances.models import FluxAgenda


def _verrouiller_membre(*, user: User, organisation: Organisation) -> Membership:
    """Serialise feed changes per member (and require an active membership)."""
    return Membership.objects.select_for_update().get(
        user=user, organisation=organisation, is_active=True
    )


@transaction.atomic
def agenda_flux_revoquer(*, user: User, organisation: Organisation) -> int:
    """Revoke the member's active feed, if any. Returns how many were revoked."""
    _verrouiller_membre(user=user, organisation=organisation)
    return FluxAgenda.objects.filter(
        user=user, organisation=organisation, revoque_le__isnull=True
    ).update(revoque_le=timezone.now())


@transaction.atomic
def agenda_flux_creer(*, user: User, organisation: Organisation) -> str:
    """Create the member's feed and return its token, shown once: only its hash is stored.
    A previous active feed is revoked (one active feed per member and organisation)."""
    agenda_flux_revoquer(user=user, organisation=organisation)
    token = secrets.token_urlsafe(32)
    FluxAgenda.objects.create(user=user, organisation=organisation, token_hash=hash_token(token))
    return token
