"""The beneficiary's side of the dossier documents: read, sign, download."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires.acces import PortailRequest
from beneficiaires.forms.portail import SignatureForm
from beneficiaires.selectors import notification_obtenir
from beneficiaires.services.notifications import (
    notification_marquer_lue,
    notifications_marquer_lues,
)
from bilan.core import signatures
from bilan.core.audit import client_info
from bilan.core.models import SignatureRole, SignedDocument
from bilan.core.permissions import portal_required
from bilan.core.tenancy import get_for_organisation
from bilan.core.views.signatures import methode_authentification, serve_signed_document


def _documents(request: PortailRequest):
    return (
        SignedDocument.objects.filter(beneficiaire_id=request.portal_access.beneficiaire_id)
        .exclude(status=SignedDocument.Status.ANNULE)
        .prefetch_related("signatures")
        .order_by("-issued_at")
    )


def _document(request: PortailRequest, signed_document_id: uuid.UUID) -> SignedDocument:
    return get_for_organisation(
        SignedDocument,
        organisation=request.organisation,
        public_id=signed_document_id,
        queryset=_documents(request),
    )


@portal_required
def documents(request: PortailRequest) -> HttpResponse:
    items = []
    for document in _documents(request):
        roles = {s.role for s in document.signatures.all()}
        # Some kinds (the synthèse) are read and signed on their own page.
        page = signatures.document_kinds.page_signature(document.kind)
        items.append(
            {
                "document": document,
                "page_signature": page,
                "a_signer": page is None
                and document.status == SignedDocument.Status.EMIS
                and SignatureRole.BENEFICIAIRE in document.required_roles
                and SignatureRole.BENEFICIAIRE not in roles,
            }
        )
    return render(request, "portail/documents.html", {"items": items, "form": SignatureForm()})


@require_POST
@portal_required
def document_signer(request: PortailRequest, signed_document_id: uuid.UUID) -> HttpResponse:
    document = _document(request, signed_document_id)
    page = signatures.document_kinds.page_signature(document.kind)
    if page is not None:
        messages.info(request, _("Ce document se lit et se signe sur sa propre page."))
        return redirect(page.url_name)
    form = SignatureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cochez la case pour signer."))
        return redirect("portail:documents")
    try:
        signatures.document_signer(
            document=document,
            role=SignatureRole.BENEFICIAIRE,
            user=request.user,
            client=client_info(request),
            methode=methode_authentification(request),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Merci, votre signature est enregistrée."))
    return redirect("portail:documents")


@portal_required
def document_telecharger(request: PortailRequest, signed_document_id: uuid.UUID) -> HttpResponse:
    document = _document(request, signed_document_id)
    # ?lire=1: opened in the browser's reader (a phone shows it in the page), else downloaded.
    return serve_signed_document(
        request,
        document,
        signed=document.status == SignedDocument.Status.SIGNE,
        en_ligne=request.GET.get("lire") == "1",
    )


@require_POST
@portal_required
def notification_ouvrir(request: PortailRequest, notification_id: uuid.UUID) -> HttpResponse:
    """Open a notice (a POST: reading changes its state): it is read, then its page in the
    portal."""
    notification = notification_obtenir(
        beneficiaire=request.portal_access.beneficiaire, public_id=notification_id
    )
    notification_marquer_lue(notification=notification)
    lien = notification.lien
    if not lien.startswith("/portail/") or not url_has_allowed_host_and_scheme(
        lien, allowed_hosts=None
    ):
        lien = reverse("portail:home")
    return redirect(lien)


@require_POST
@portal_required
def notifications_lire(request: PortailRequest) -> HttpResponse:
    """Mark every notice read."""
    notifications_marquer_lues(beneficiaire=request.portal_access.beneficiaire)
    messages.success(request, _("Vos notifications sont marquées comme lues."))
    return redirect("portail:home")
