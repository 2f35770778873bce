"""End documents, sharing of the synthèse and retention of a bilan, under
/app/documents/bilans/<bilan_id>/.

Access (``beneficiaires.acces``): the bilan's administration, i.e. its consultants (referent or
associated) and the organisation's admins; assistants get 403, other consultants and other
organisations 404. Manual purge: ``DETRUIRE``, admins only.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from beneficiaires import acces
from beneficiaires.models import Bilan
from beneficiaires.selectors import bilan_obtenir
from bilan.core.audit import client_info
from bilan.core.form_errors import flash_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import SignatureRole, SignedDocument
from bilan.core.permissions import staff_required
from bilan.core.signatures import document_signer
from bilan.core.tenancy import get_for_organisation
from bilan.core.views.signatures import methode_authentification, serve_signed_document
from syntheses.forms import PartageForm
from syntheses.models import Partage, Synthese
from syntheses.services import documents_fin, partage, retention


def _bilan(
    request: StaffRequest, bilan_id: uuid.UUID, droit: acces.Droit = acces.Droit.ADMINISTRER
) -> Bilan:
    """End documents, the synthèse's sharing and retention are the bilan's administration
    (``beneficiaires.acces``): 404 outside need-to-know, 403 without the right."""
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=droit)
    return bilan


def _document(request: StaffRequest, bilan, signed_document_id: uuid.UUID) -> SignedDocument:
    return get_for_organisation(
        SignedDocument,
        organisation=request.organisation,
        public_id=signed_document_id,
        queryset=SignedDocument.objects.filter(
            subject_id=bilan.public_id, kind__in=documents_fin.KINDS
        ),
    )


def _synthese(bilan) -> Synthese | None:
    return Synthese.objects.filter(bilan=bilan).select_related("document").first()


def _retour(bilan):
    return redirect("documents_fin:liste", bilan_id=bilan.public_id)


@never_cache
@staff_required
@require_GET
def liste(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    bilan = _bilan(request, bilan_id)
    synthese = _synthese(bilan)
    form = PartageForm(bilan=bilan)
    context = {
        "bilan": bilan,
        "documents": documents_fin.documents_fin_lister(bilan=bilan),
        "manques_attestation": documents_fin.attestation_fin_manques(bilan=bilan),
        "manques_certificat": documents_fin.certificat_realisation_manques(bilan=bilan),
        "synthese": synthese,
        "synthese_signee": synthese is not None and partage.synthese_est_signee(synthese=synthese),
        "partages": list(partage.partages_lister(synthese=synthese)) if synthese else [],
        "actifs": set(
            partage.partages_actifs_lister(synthese=synthese).values_list("pk", flat=True)
        )
        if synthese
        else set(),
        "form": form,
        "peut_partager": form.consentements.exists(),
    }
    return render(request, "documents_fin/liste.html", context)


@staff_required
@require_POST
def emettre(request: StaffRequest, bilan_id: uuid.UUID, kind) -> HttpResponse:
    bilan = _bilan(request, bilan_id)
    service = {
        documents_fin.KIND_ATTESTATION: documents_fin.attestation_fin_emettre,
        documents_fin.KIND_CERTIFICAT: documents_fin.certificat_realisation_emettre,
    }[kind]
    try:
        document = service(bilan=bilan, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            {
                documents_fin.KIND_ATTESTATION: _(
                    "Attestation de fin émise (version %(v)s) : signez-la pour l'organisme."
                ),
                documents_fin.KIND_CERTIFICAT: _(
                    "Certificat de réalisation émis (version %(v)s) : signez-le pour l'organisme."
                ),
            }[kind]
            % {"v": document.version},
        )
    return _retour(bilan)


@staff_required
@require_POST
def signer(
    request: StaffRequest, bilan_id: uuid.UUID, signed_document_id: uuid.UUID
) -> HttpResponse:
    bilan = _bilan(request, bilan_id)
    document = _document(request, bilan, signed_document_id)
    try:
        document_signer(
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
    return _retour(bilan)


@never_cache
@staff_required
@require_GET
def telecharger(
    request: StaffRequest, bilan_id: uuid.UUID, signed_document_id: uuid.UUID
) -> HttpResponse:
    bilan = _bilan(request, bilan_id)
    document = _document(request, bilan, signed_document_id)
    return serve_signed_document(
        request, document, signed=document.status == SignedDocument.Status.SIGNE
    )


@staff_required
@require_POST
def partager(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    bilan = _bilan(request, bilan_id)
    synthese = _synthese(bilan)
    form = PartageForm(request.POST, bilan=bilan)
    if synthese is None:
        messages.error(request, _("Ce bilan n'a pas de synthèse."))
    elif not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        try:
            partage.synthese_partager_tiers(
                synthese=synthese,
                consentement=form.cleaned_data["consentement"],
                destinataire=form.cleaned_data["destinataire"],
                courriel=form.cleaned_data["courriel"],
                par=request.user,
                client=client_info(request),
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _(
                    "Transmission enregistrée. Envoyez la synthèse signée par le canal sécurisé "
                    "de l'organisme."
                ),
            )
    return _retour(bilan)


@staff_required
@require_POST
def partage_revoquer(
    request: StaffRequest, bilan_id: uuid.UUID, partage_id: uuid.UUID
) -> HttpResponse:
    bilan = _bilan(request, bilan_id)
    objet = get_for_organisation(
        Partage,
        organisation=request.organisation,
        public_id=partage_id,
        queryset=Partage.objects.filter(synthese__bilan=bilan),
    )
    partage.partage_revoquer(partage=objet)
    messages.success(request, _("Transmission arrêtée."))
    return _retour(bilan)


@never_cache
@staff_required
@require_GET
def conservation(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    bilan = _bilan(request, bilan_id)
    statut = retention.bilan_statut_conservation(bilan=bilan)
    return render(
        request,
        "documents_fin/conservation.html",
        {
            "bilan": bilan,
            "statut": statut,
            "peut_purger": acces.acces_bilan(membership=request.membership, bilan=bilan).detruire
            and statut["purge_due"],
        },
    )


@staff_required
@require_POST
def purger(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    bilan = _bilan(request, bilan_id, acces.Droit.DETRUIRE)
    try:
        purges = retention.bilan_purger(
            bilan=bilan, aujourdhui=timezone.localdate(), par=request.user
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        if purges:
            messages.success(request, _("Documents de travail détruits : voir le journal."))
        else:
            messages.info(request, _("Rien à détruire : la purge a déjà eu lieu."))
    return redirect("documents_fin:conservation", bilan_id=bilan.public_id)
