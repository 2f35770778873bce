"""Signing by single-use link (external signers without an account) and the download helper.

The link page shows only what is being signed: the document title and version, the
organisation, the signer's capacity, the SHA-256, a link to the issued PDF. Nothing else of the
dossier. The URL carries the organisation's public id: the tenant middleware binds nothing
outside /app/ and /portail/, so these views bind that organisation themselves before looking
the (hashed) token up under row-level security (see ``bilan.core.signatures``).
"""

from __future__ import annotations

import uuid

from allauth.account.internal.flows.login import get_authentication_records
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bilan.core.audit import TypeObjet, audit_record, client_info
from bilan.core.forms import SignForm
from bilan.core.models import AuditEvent, Organisation, SignedDocument, SigningLink, User
from bilan.core.signatures import (
    MethodeAuthentification,
    document_contenu,
    lien_signature_trouver,
    lien_signature_utiliser,
)
from bilan.core.tenancy import tenant_context

# Journal: kind and id only, never a document's title (bilan.core.audit).
DOCUMENT_EMIS = TypeObjet("document_emis", gettext_lazy("Document émis"))
DOCUMENT_SIGNE = TypeObjet("document_signe", gettext_lazy("Document signé"))


def methode_authentification(request: HttpRequest) -> MethodeAuthentification:
    """How the logged-in signer proved who they are in this session (for the evidence page)."""
    user = request.user
    if not isinstance(user, User):  # session signatures come from logged-in views only
        raise PermissionDenied
    methods = [r.get("method") for r in get_authentication_records(request, user)]
    if "code" in methods:
        return MethodeAuthentification.SESSION_CODE_COURRIEL
    return MethodeAuthentification.SESSION_MOT_DE_PASSE


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: never send it on to another site, never index the page.
    # Not "no-referrer": browsers then send "Origin: null" and the CSRF check refuses the
    # form. "same-origin" still keeps the token in the URL from leaking to other sites.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _invalid(
    request: HttpRequest, *, status: int, reasons: list[str] | None = None
) -> HttpResponse:
    response = render(
        request,
        "signatures/link_invalid.html",
        {"gone": status == 410, "reasons": reasons or []},
        status=status,
    )
    return _no_referrer(response)


def _organisation(organisation_id: uuid.UUID) -> Organisation | None:
    return Organisation.objects.filter(public_id=organisation_id, is_active=True).first()


def _usable_link(token: str) -> tuple[SigningLink | None, int]:
    """(link, status): the link when it can still be used to sign, else the HTTP status."""
    link = lien_signature_trouver(token=token)
    if link is None:
        return None, 404
    if not link.is_usable or link.document.status != SignedDocument.Status.EMIS:
        return None, 410
    return link, 200


@never_cache
@require_http_methods(["GET", "POST"])
def signing_link_page(request: HttpRequest, organisation_id: uuid.UUID, token: str) -> HttpResponse:
    """GET: what is being signed and the consent checkbox. POST: sign, consume the link, then
    show the evidence (who, when, SHA-256) and nothing else."""
    organisation = _organisation(organisation_id)
    if organisation is None:
        return _invalid(request, status=404)
    with tenant_context(organisation):
        link, status = _usable_link(token)
        if link is None:
            return _invalid(request, status=status)
        form = SignForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                signature = lien_signature_utiliser(link=link, client=client_info(request))
            except ValidationError as exc:
                return _invalid(request, status=410, reasons=exc.messages)
            response = render(
                request,
                "signatures/link_done.html",
                {"organisation": organisation, "document": link.document, "signature": signature},
            )
            return _no_referrer(response)
        response = render(
            request,
            "signatures/link_sign.html",
            {
                "organisation": organisation,
                "document": link.document,
                "link": link,
                "form": form,
                "pdf_url": reverse(
                    "signatures:link_pdf",
                    kwargs={"organisation_id": organisation.public_id, "token": token},
                ),
            },
            status=400 if request.method == "POST" else 200,
        )
        return _no_referrer(response)


@never_cache
@require_GET
def signing_link_pdf(request: HttpRequest, organisation_id: uuid.UUID, token: str) -> HttpResponse:
    """The issued PDF, as an attachment, for the holder of a still usable link."""
    organisation = _organisation(organisation_id)
    if organisation is None:
        return _invalid(request, status=404)
    with tenant_context(organisation):
        link, status = _usable_link(token)
        if link is None:
            return _invalid(request, status=status)
        try:
            content = document_contenu(document=link.document, signed=False)
        except ValidationError as exc:
            return _invalid(request, status=409, reasons=exc.messages)
        return _no_referrer(_pdf_response(content, link.document, signed=False))


def _pdf_response(
    content: bytes, document: SignedDocument, *, signed: bool, en_ligne: bool = False
) -> HttpResponse:
    suffix = "-signe" if signed else ""
    filename = f"{slugify(document.title) or 'document'}-v{document.version}{suffix}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=not en_ligne, filename=filename) or "inline"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def serve_signed_document(
    request: HttpRequest, document: SignedDocument, *, signed: bool, en_ligne: bool = False
) -> HttpResponse:
    """Serve a document's stored bytes (issued or signed) as an attachment, or ``en_ligne``
    (``Content-Disposition: inline``: the browser's reader opens it, e.g. on a phone).

    For views that have already checked access (staff or portal). The bytes are read here,
    inside the request's tenant transaction (no streaming after it ends), and checked against
    their SHA-256 (409 with a French page when they no longer match). Logged in the audit trail
    (``DOWNLOAD``) when an authenticated user has an organisation bound on the request.
    """
    try:
        content = document_contenu(document=document, signed=signed)
    except ValidationError as exc:
        return render(
            request,
            "signatures/unavailable.html",
            {"reasons": exc.messages},
            status=409 if (document.signed_sha256 if signed else document.issued_sha256) else 404,
        )
    if request.user.is_authenticated and getattr(request, "organisation", None) is not None:
        audit_record(
            request=request,
            action=AuditEvent.Action.DOWNLOAD,
            objet=DOCUMENT_SIGNE if signed else DOCUMENT_EMIS,
            object_id=document.public_id,
            beneficiaire=document.beneficiaire,
        )
    return _pdf_response(content, document, signed=signed, en_ligne=en_ligne)
