"""The audit trail of confidential reads, exports and downloads (L6313-4 professional secrecy).

Views call ``audit_record`` when they show confidential content or hand out a file; the rows are
append-only in the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from allauth.account.adapter import get_adapter as get_account_adapter
from django.db.models import QuerySet
from django.http import HttpRequest

from bilan.core.models import AuditEvent, User


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, as evidence for a signature or an audit row.

    Views build it with ``client_info(request)`` and pass it to services, which never see the
    request. ``ip`` is empty when unknown.
    """

    ip: str
    user_agent: str


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting proxies only as configured (ALLAUTH_TRUSTED_PROXY_COUNT)."""
    try:
        ip: str | None = get_account_adapter(request).get_client_ip(request)
    except Exception:  # noqa: BLE001  (a malformed header must not prevent the audit row)
        return request.META.get("REMOTE_ADDR")
    return ip


def client_info(request: HttpRequest) -> ClientInfo:
    """The request's client address and user agent (truncated to what the tables keep)."""
    return ClientInfo(
        ip=client_ip(request) or "", user_agent=request.headers.get("user-agent", "")[:300]
    )


def audit_record(
    *,
    request,
    action: str,
    object_type: str,
    object_id: uuid.UUID,
    object_label: str,
    beneficiaire=None,
) -> AuditEvent:
    """Record that ``request.user`` read, exported or downloaded an object, and from where."""
    return AuditEvent.objects.create(
        organisation=request.organisation,
        actor=request.user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label[:200],
        beneficiaire=beneficiaire,
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent", "")[:300],
    )


def audit_events(*, beneficiaire=None, actor: User | None = None) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("actor", "beneficiaire")
    if beneficiaire is not None:
        qs = qs.filter(beneficiaire=beneficiaire)
    if actor is not None:
        qs = qs.filter(actor=actor)
    return qs.order_by("-created_at", "-pk")


def audit_events_seen_by_beneficiaire(*, beneficiaire, user: User) -> QuerySet[AuditEvent]:
    """Who accessed the beneficiary's dossier: every staff access, not their own."""
    return audit_events(beneficiaire=beneficiaire).exclude(actor=user)
