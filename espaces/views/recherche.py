"""The shell's global search (beneficiary name, e-mail, bilan number) and the organisation
switcher page: staff pages reachable from every page of the staff space."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from bilan.core import selectors as core_selectors
from bilan.core.middleware import StaffRequest
from bilan.core.permissions import staff_required
from espaces.selectors import recherche_globale

# As-you-type results (htmx) stay short; the full page (no JavaScript needed) shows more and
# asks to refine beyond.
LIMITE_APERCU = 5
LIMITE_PAGE = 50


@staff_required
def recherche(request: StaffRequest) -> HttpResponse:
    """GET ``q``: the results page, or only the results list when htmx asks as the user types.
    Need-to-know applies in the selector (a consultant finds only their own files)."""
    apercu = request.headers.get("HX-Request") == "true"
    resultats = recherche_globale(
        membership=request.membership,
        terme=request.GET.get("q", ""),
        limite=LIMITE_APERCU if apercu else LIMITE_PAGE,
    )
    template = "app/_recherche_resultats.html" if apercu else "app/recherche.html"
    response = render(request, template, {"resultats": resultats, "apercu": apercu})
    # The same address answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_required
def organismes(request: StaffRequest) -> HttpResponse:
    """The organisations the account belongs to, each with a button to work for it (the switch
    itself is ``app:organisation_switch``)."""
    return render(
        request,
        "app/organismes.html",
        {"memberships": core_selectors.membres_du_compte(user=request.user)},
    )
