"""Organisation documents: staff page (admins: upload a new version, history, who
acknowledged what, download) and portal page (current versions, download, acknowledgement)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beneficiaires.acces import PortailRequest
from bilan.core.form_errors import add_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import Role
from bilan.core.permissions import portal_required, role_required
from bilan.core.tenancy import get_for_organisation
from qualiopi.forms.documents import DocumentVersionForm
from qualiopi.models.documents import DocumentVersion, KindDocument
from qualiopi.selectors import documents as selectors
from qualiopi.services import documents as services


def _servir(version: DocumentVersion, *, en_ligne: bool = False) -> HttpResponse:
    # Read inside the tenant transaction: the response must not stream after it ends.
    with version.fichier.open("rb") as handle:
        contenu = handle.read()
    response = HttpResponse(contenu, content_type=version.type_mime)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=not en_ligne, filename=version.nom_original)
        or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def liste(request: StaffRequest) -> HttpResponse:
    form = DocumentVersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_version_deposer(
                organisation=request.organisation,
                kind=form.cleaned_data["kind"],
                fichier=form.cleaned_data["fichier"],
                en_vigueur_le=form.cleaned_data["en_vigueur_le"],
                commentaire=form.cleaned_data["commentaire"],
                par=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Nouvelle version enregistrée."))
            return redirect("qualiopi:documents")
    versions = list(selectors.versions_lister())
    courantes = selectors.versions_courantes()
    groupes = [
        {
            "kind": kind,
            "libelle": libelle,
            "courante": courantes.get(kind),
            "versions": [v for v in versions if v.kind == kind],
            "portail": kind in KindDocument.pour_beneficiaires(),
        }
        for kind, libelle in KindDocument.choices
    ]
    return render(
        request,
        "qualiopi/documents/liste.html",
        {"form": form, "groupes": groupes},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@role_required(Role.ADMIN)
@require_GET
def version_detail(request: StaffRequest, version_id: uuid.UUID) -> HttpResponse:
    version = get_for_organisation(
        DocumentVersion, organisation=request.organisation, public_id=version_id
    )
    accuses = selectors.accuses_lister().filter(version=version)
    return render(
        request, "qualiopi/documents/version.html", {"version": version, "accuses": accuses}
    )


@role_required(Role.ADMIN)
@require_GET
def version_telecharger(request: StaffRequest, version_id: uuid.UUID) -> HttpResponse:
    version = get_for_organisation(
        DocumentVersion, organisation=request.organisation, public_id=version_id
    )
    return _servir(version)


@never_cache
@portal_required
@require_GET
def portail_liste(request: PortailRequest) -> HttpResponse:
    beneficiaire = request.portal_access.beneficiaire
    return render(
        request,
        "portail/qualite/documents.html",
        {"documents": selectors.documents_portail(beneficiaire=beneficiaire)},
    )


def _version_portail(request: PortailRequest, version_id: uuid.UUID) -> DocumentVersion:
    """Only a current version meant for beneficiaries is reachable from the portal."""
    version = get_for_organisation(
        DocumentVersion, organisation=request.organisation, public_id=version_id
    )
    courantes = selectors.versions_courantes(kinds=KindDocument.pour_beneficiaires())
    if courantes.get(version.kind) != version:
        raise Http404
    return version


@portal_required
@require_GET
def portail_telecharger(request: PortailRequest, version_id: uuid.UUID) -> HttpResponse:
    # Organisation documents hold no personal data: no access-journal entry.
    version = _version_portail(request, version_id)
    return _servir(version, en_ligne=request.GET.get("lire") == "1")


@portal_required
@require_POST
def portail_accuser(request: PortailRequest, version_id: uuid.UUID) -> HttpResponse:
    version = _version_portail(request, version_id)
    try:
        services.document_accuser_lecture(
            version=version, beneficiaire=request.portal_access.beneficiaire
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Merci : votre prise de connaissance de « %(doc)s » est enregistrée.")
            % {"doc": version.get_kind_display()},
        )
    return redirect("portail_qualiopi:documents")
