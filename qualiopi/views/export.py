"""Pages of the evidence export (administrators only): request an archive, follow its build
(a progress bar polled with htmx), download it (journalled)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bilan.core.audit import client_info
from bilan.core.form_errors import add_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import Role
from bilan.core.permissions import role_required
from qualiopi.forms.export import ExportQualiopiForm, periode_par_defaut
from qualiopi.models import ExportQualiopi
from qualiopi.referentiel import referentiel_courant
from qualiopi.selectors.exports import export_obtenir, exports_lister
from qualiopi.services.export import duree_conservation, export_demander, export_telecharger

EN_PREPARATION = (ExportQualiopi.Statut.EN_ATTENTE, ExportQualiopi.Statut.EN_COURS)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def export_page(request: StaffRequest) -> HttpResponse:
    """The request form and the organisation's past exports."""
    status = 200
    if request.method == "POST":
        form = ExportQualiopiForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                export = export_demander(
                    organisation=request.organisation,
                    demandeur=request.user,
                    debut=data["debut"],
                    fin=data["fin"],
                    echantillon=data["echantillon"],
                    graine=data["graine"],
                    client=client_info(request),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("L'export est lancé : suivez sa préparation ci-dessous.")
                    if export.graine is None
                    else _(
                        "L'export est lancé (graine du tirage : %(graine)s) : suivez sa "
                        "préparation ci-dessous."
                    )
                    % {"graine": export.graine},
                )
                return redirect("qualiopi:export")
        status = 400
    else:
        debut, fin = periode_par_defaut(aujourdhui=timezone.localdate())
        form = ExportQualiopiForm(initial={"debut": debut, "fin": fin})
    return render(
        request,
        "qualiopi/export/page.html",
        {
            "form": form,
            "exports": exports_lister(),
            "referentiel": referentiel_courant(),
            "conservation_jours": duree_conservation().days,
            "maintenant": timezone.now(),
        },
        status=status,
    )


@role_required(Role.ADMIN)
@require_GET
def export_progression(request: StaffRequest, export_id: uuid.UUID) -> HttpResponse:
    """One export's status cell, polled by htmx while the archive is being built."""
    export = export_obtenir(organisation=request.organisation, public_id=export_id)
    return render(
        request,
        "qualiopi/export/_etat.html",
        {"export": export, "maintenant": timezone.now()},
    )


@role_required(Role.ADMIN)
@require_GET
def export_fichier(request: StaffRequest, export_id: uuid.UUID) -> FileResponse:
    """The archive, streamed from the private storage; the download is journalled. Refused
    (404) once expired, failed or not ready."""
    export = export_obtenir(organisation=request.organisation, public_id=export_id)
    try:
        fichier = export_telecharger(
            export=export, acteur=request.user, client=client_info(request)
        )
    except ValidationError:
        raise Http404 from None
    slug = request.organisation.slug
    nom = f"preuves-qualiopi-{slug}-{export.debut:%Y%m%d}-{export.fin:%Y%m%d}.zip"
    return FileResponse(fichier, as_attachment=True, filename=nom, content_type="application/zip")
