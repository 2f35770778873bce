"""Staff actions on a bilan's convention or contract: issue, sign, employer link, download."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires import acces, selectors
from beneficiaires.conventions import DOCUMENTS, TypeDocument
from beneficiaires.financement import convention_date_limite
from beneficiaires.models import Bilan
from beneficiaires.services import conventions
from bilan.core import signatures
from bilan.core.audit import client_info
from bilan.core.form_errors import flash_errors
from bilan.core.formatting import date_fr
from bilan.core.middleware import StaffRequest
from bilan.core.models import SignatureRole, SignedDocument
from bilan.core.permissions import staff_required
from bilan.core.tenancy import get_for_organisation
from bilan.core.views.signatures import methode_authentification, serve_signed_document


def _bilan(request: StaffRequest, bilan_id: uuid.UUID, droit: acces.Droit) -> Bilan:
    """The bilan named in the URL: 404 elsewhere or outside need-to-know, 403 without
    ``droit``."""
    bilan = selectors.bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=droit)
    return bilan


def _document(request: StaffRequest, bilan, signed_document_id: uuid.UUID) -> SignedDocument:
    # Administrative documents of the bilan only: a synthèse filed under the bilan (older
    # versions did) is bilan content and is served by the synthèse pages.
    return get_for_organisation(
        SignedDocument,
        organisation=request.organisation,
        public_id=signed_document_id,
        queryset=SignedDocument.objects.filter(subject_id=bilan.public_id).filter(
            kind__in=list(TypeDocument)
        ),
    )


def _back(bilan):
    return redirect("bilans:detail", bilan_id=bilan.public_id)


@require_POST
@staff_required
def convention_emettre(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    bilan = _bilan(request, bilan_id, acces.Droit.ADMINISTRER)
    try:
        document = conventions.convention_emettre(bilan=bilan, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            DOCUMENTS[TypeDocument(document.kind)].emis % {"v": document.version},
        )
    return _back(bilan)


@require_POST
@staff_required
def convention_transmettre(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """Transmit the tripartite convention to the employee: e-mail, recorded date (R6313-8)."""
    bilan = _bilan(request, bilan_id, acces.Droit.ADMINISTRER)
    try:
        bilan = conventions.convention_transmettre(bilan=bilan, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        assert bilan.convention_transmise_le is not None  # recorded by the service
        messages.success(
            request,
            _(
                "Convention transmise à %(email)s : le ou la salarié·e a jusqu'au %(limite)s "
                "pour la signer."
            )
            % {
                "email": bilan.beneficiaire.email,
                "limite": date_fr(
                    jour=convention_date_limite(transmise_le=bilan.convention_transmise_le)
                ),
            },
        )
    return _back(bilan)


@require_POST
@staff_required
def document_signer(
    request: StaffRequest, bilan_id: uuid.UUID, signed_document_id: uuid.UUID
) -> HttpResponse:
    bilan = _bilan(request, bilan_id, acces.Droit.ADMINISTRER)
    document = _document(request, bilan, signed_document_id)
    try:
        signatures.document_signer(
            document=document,
            role=SignatureRole.ORGANISME,
            user=request.user,
            client=client_info(request),
            methode=methode_authentification(request),
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Document signé pour l'organisme."))
    return _back(bilan)


@require_POST
@staff_required
def lien_employeur(
    request: StaffRequest, bilan_id: uuid.UUID, signed_document_id: uuid.UUID
) -> HttpResponse:
    bilan = _bilan(request, bilan_id, acces.Droit.ADMINISTRER)
    document = _document(request, bilan, signed_document_id)
    try:
        if document.status != SignedDocument.Status.EMIS:
            raise ValidationError(_("Ce document n'attend plus de signature."))
        signatures.lien_signature_creer(
            document=document,
            role=SignatureRole.EMPLOYEUR,
            signer_name=bilan.employeur_signataire_nom,
            signer_email=bilan.employeur_signataire_email,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("Lien de signature envoyé à %(email)s.")
            % {"email": bilan.employeur_signataire_email},
        )
    return _back(bilan)


@staff_required
def document_telecharger(
    request: StaffRequest, bilan_id: uuid.UUID, signed_document_id: uuid.UUID
) -> HttpResponse:
    bilan = _bilan(request, bilan_id, acces.Droit.VOIR)
    document = _document(request, bilan, signed_document_id)
    return serve_signed_document(
        request, document, signed=document.status == SignedDocument.Status.SIGNE
    )
