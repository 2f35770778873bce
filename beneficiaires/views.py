from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bilan.core.audit import audit_record
from bilan.core.models import AuditEvent
from bilan.core.permissions import staff_required

from . import selectors, services
from .forms import BeneficiaireForm, DocumentForm


def _form_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc)]:
        form.add_error(field if field in form.fields else None, errors)


@staff_required
def beneficiaire_list(request):
    search = request.GET.get("q", "").strip()
    mine = request.GET.get("mes") == "1"
    beneficiaires = selectors.beneficiaire_list(
        search=search, consultant=request.user if mine else None
    )
    return render(
        request,
        "beneficiaires/list.html",
        {"beneficiaires": beneficiaires, "search": search, "mine": mine},
    )


@staff_required
def beneficiaire_create(request):
    data = request.POST if request.method == "POST" else None
    form = BeneficiaireForm(data, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            beneficiaire = services.beneficiaire_create(
                organisation=request.organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Bénéficiaire enregistré·e."))
            return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)
    status = 400 if form.errors else 200
    return render(request, "beneficiaires/form.html", {"form": form}, status=status)


def _detail_page(request, beneficiaire, *, document_form=None, status=200):
    return render(
        request,
        "beneficiaires/detail.html",
        {
            "beneficiaire": beneficiaire,
            "documents": selectors.documents_for(beneficiaire=beneficiaire),
            "document_form": document_form or DocumentForm(),
        },
        status=status,
    )


@staff_required
def beneficiaire_detail(request, beneficiaire_id):
    beneficiaire = selectors.beneficiaire_get(
        organisation=request.organisation, public_id=beneficiaire_id
    )
    audit_record(
        request=request,
        action=AuditEvent.Action.READ,
        object_type="dossier",
        object_id=beneficiaire.public_id,
        object_label=_("Dossier de %(name)s") % {"name": beneficiaire},
        beneficiaire=beneficiaire,
    )
    return _detail_page(request, beneficiaire)


@require_POST
@staff_required
def document_upload(request, beneficiaire_id):
    beneficiaire = selectors.beneficiaire_get(
        organisation=request.organisation, public_id=beneficiaire_id
    )
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, beneficiaire, document_form=form, status=400)
    services.document_deposer(
        beneficiaire=beneficiaire,
        titre=form.cleaned_data["titre"],
        fichier=form.cleaned_data["fichier"],
        type_mime=form.type_mime,
        by=request.user,
    )
    messages.success(request, _("Document ajouté au dossier."))
    return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)


@staff_required
def document_download(request, beneficiaire_id, document_id):
    """Serve a private file after re-checking access; every download is logged."""
    beneficiaire = selectors.beneficiaire_get(
        organisation=request.organisation, public_id=beneficiaire_id
    )
    document = selectors.document_get(beneficiaire=beneficiaire, public_id=document_id)
    audit_record(
        request=request,
        action=AuditEvent.Action.DOWNLOAD,
        object_type="document",
        object_id=document.public_id,
        object_label=document.titre,
        beneficiaire=beneficiaire,
    )
    # Read inside the tenant transaction: the response must not stream after it ends.
    with document.fichier.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type=document.type_mime)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.nom_original
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required
def beneficiaire_edit(request, beneficiaire_id):
    beneficiaire = selectors.beneficiaire_get(
        organisation=request.organisation, public_id=beneficiaire_id
    )
    data = request.POST if request.method == "POST" else None
    form = BeneficiaireForm(data, instance=beneficiaire, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        # The form mutated the instance while validating: save through the service.
        try:
            services.beneficiaire_update(beneficiaire=beneficiaire, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)
    status = 400 if form.errors else 200
    return render(
        request,
        "beneficiaires/form.html",
        {"form": form, "beneficiaire": beneficiaire},
        status=status,
    )


@require_POST
@staff_required
def beneficiaire_invite(request, beneficiaire_id):
    beneficiaire = selectors.beneficiaire_get(
        organisation=request.organisation, public_id=beneficiaire_id
    )
    try:
        services.beneficiaire_invite_to_portal(beneficiaire=beneficiaire, invited_by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Invitation au portail envoyée à %(email)s.") % {"email": beneficiaire.email},
        )
    return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)
