"""The audit trail of confidential reads, exports and downloads (L6313-4 professional secrecy).

Services call ``audit_enregistrer`` (views: ``audit_record``, which reads the request) when
they show confidential content or hand out a file; the rows are append-only in the database.

A row says who, when, from where, what kind of object and which one (its public id), never
what the object contained: no title, file name, recipient or name. The label is built here
from the kind and the id (``TypeObjet``), so the journal cannot keep the title of a document
that the R6313-7 purge destroys later; callers have no free-text field to fill.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise

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


@dataclass(frozen=True)
class TypeObjet:
    """A kind of journalled object: its code (``AuditEvent.object_type``) and its neutral
    label. Each application declares its kinds where it journals them."""

    code: str
    libelle: str | Promise


def audit_libelle(*, objet: TypeObjet, object_id: uuid.UUID) -> str:
    """The neutral label of a journal row: the kind and the start of the id, nothing else
    (e.g. « Document du dossier 3f2a9c1b »)."""
    return f"{objet.libelle} {object_id.hex[:8]}"[:200]


@transaction.atomic
def audit_enregistrer(
    *,
    organisation: Organisation,
    acteur: User,
    client: ClientInfo | None,
    action: AuditEvent.Action,
    objet: TypeObjet,
    object_id: uuid.UUID,
    beneficiaire: TenantOwned | None = None,
) -> AuditEvent:
    """Record that ``acteur`` read, exported or downloaded an object, and from where: its
    kind and id only, never its content (see the module docstring)."""
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=acteur,
        action=action,
        object_type=objet.code,
        object_id=object_id,
        object_label=audit_libelle(objet=objet, object_id=object_id),
        beneficiaire=beneficiaire,
        ip_address=(client.ip or None) if client is not None else None,
        user_agent=client.user_agent[:300] if client is not None else "",
    )


def audit_record(
    *,
    request: HttpRequest,
    action: AuditEvent.Action,
    objet: TypeObjet,
    object_id: uuid.UUID,
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
        objet=objet,
        object_id=object_id,
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
