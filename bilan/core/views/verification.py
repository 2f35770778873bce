"""``/verifier/``: public page (no login) to check that a PDF is authentic (see
``bilan.core.verification``). Rate-limited per client address."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bilan.core import verification
from bilan.core.audit import client_ip
from bilan.core.forms import VerificationForm


@never_cache
@require_http_methods(["GET", "POST"])
def verifier(request: HttpRequest) -> HttpResponse:
    bound = request.method == "POST"
    form = VerificationForm(request.POST if bound else None, request.FILES if bound else None)
    context: dict[str, Any] = {
        "form": form,
        "resultat": None,
        "empreinte": None,
        "limite": False,
    }
    status = 200
    if request.method == "POST":
        if not verification.verification_autorisee(ip=client_ip(request)):
            context["limite"] = True
            response = render(request, "verification/verifier.html", context, status=429)
            response["Retry-After"] = str(verification.FENETRE_SECONDES)
            return response
        if form.is_valid():
            fichier = form.cleaned_data.get("fichier")
            empreinte = (
                verification.empreinte_fichier(fichier)
                if fichier
                else form.cleaned_data["empreinte"]
            )
            context["empreinte"] = empreinte
            context["resultat"] = verification.document_par_empreinte(sha256=empreinte)
            context["verifie"] = True
        else:
            status = 400
    response = render(request, "verification/verifier.html", context, status=status)
    # Not "no-referrer": browsers then send "Origin: null" and the CSRF check refuses the
    # form. "same-origin" still keeps the token in the URL from leaking to other sites.
    response["Referrer-Policy"] = "same-origin"
    return response
