"""The audit trail of confidential reads, exports and downloads (L6313-4 professional secrecy).

Services call ``audit_enregistrer`` (views: ``audit_record``, which reads the request) when
they show confidential content or hand out a file; the rows are append-only in the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from bilan.core.models import AuditEvent, Organisation, User
from bilan.core.tenancy import TenantOwned


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


@transaction.atomic
def audit_enregistrer(
    *,
    organisation: Organisation,
    acteur: User,
    client: ClientInfo | None,
    action: AuditEvent.Action,
    object_type: str,
    object_id: uuid.UUID,
    object_label: str,
    beneficiaire: TenantOwned | None = None,
) -> AuditEvent:
    """Record that ``acteur`` read, exported or downloaded an object, and from where."""
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=acteur,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label[:200],
        beneficiaire=beneficiaire,
        ip_address=(client.ip or None) if client is not None else None,
        user_agent=client.user_agent[:300] if client is not None else "",
    )


def audit_record(
    *,
    request: HttpRequest,
    action: AuditEvent.Action,
    object_type: str,
    object_id: uuid.UUID,
    object_label: str,
    beneficiaire: TenantOwned | None = None,
) -> AuditEvent:
    """For views: ``audit_enregistrer`` for the request's user, organisation and client."""
    user = request.user
    organisation = getattr(request, "organisation", None)
    if not isinstance(user, User) or not isinstance(organisation, Organisation):
        raise PermissionDenied
    return audit_enregistrer(
        organisation=organisation,
        acteur=user,
        client=client_info(request),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        beneficiaire=beneficiaire,
    )


def evenements_audit(
    *, beneficiaire: TenantOwned | None = None, actor: User | None = None
) -> QuerySet[AuditEvent]:
    """The audit trail, newest first, optionally of one beneficiary and/or one actor."""
    qs = AuditEvent.objects.select_related("actor", "beneficiaire")
    if beneficiaire is not None:
        qs = qs.filter(beneficiaire=beneficiaire)
    if actor is not None:
        qs = qs.filter(actor=actor)
    return qs.order_by("-created_at", "-pk")


def evenements_audit_pour_beneficiaire(*, beneficiaire_id: int, user: User) -> QuerySet[AuditEvent]:
    """Who accessed the beneficiary's dossier: every staff access, not their own."""
    return (
        AuditEvent.objects.select_related("actor", "beneficiaire")
        .filter(beneficiaire_id=beneficiaire_id)
        .exclude(actor=user)
        .order_by("-created_at", "-pk")
    )
