"""Portal page of complaints (/portail/qualite/reclamation/): the beneficiary files a written
complaint (rule 30); it reaches the register with the channel "portail"."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from beneficiaires.acces import PortailRequest
from bilan.core.form_errors import add_errors
from bilan.core.permissions import portal_required
from qualiopi.forms.registres import ReclamationPortailForm
from qualiopi.services import registres as services


@never_cache
@portal_required
@require_http_methods(["GET", "POST"])
def reclamation(request: PortailRequest) -> HttpResponse:
    form = ReclamationPortailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reclamation_deposer_portail(
                beneficiaire=request.portal_access.beneficiaire,
                nature=form.cleaned_data["nature"],
                objet=form.cleaned_data["objet"],
                description=form.cleaned_data["description"],
                par=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return redirect("portail_qualiopi:reclamation_envoyee")
    return render(
        request,
        "portail/qualite/reclamation.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@portal_required
@require_GET
def reclamation_envoyee(request: PortailRequest) -> HttpResponse:
    return render(request, "portail/qualite/reclamation_envoyee.html")
