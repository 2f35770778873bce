"""ROME pages (staff and portal): search by job title (as you type with htmx, or a plain
form) and the fiche page. Reference data, no tenant content: any signed-in member or
beneficiary reads them; the attribution the licence requires is in each page's footer."""

import uuid

from django.http import HttpResponse
from django.shortcuts import render

from beneficiaires.acces import PortailRequest
from beneficiaires.selectors import bilan_courant_obtenir
from bilan.core.middleware import StaffRequest
from bilan.core.permissions import portal_required, staff_required
from exploration.forms.pistes import RechercheForm
from exploration.selectors import pistes as pistes_selectors
from exploration.selectors import rome

APERCU = 8


def _bilan_id(request: StaffRequest) -> str:
    """The bilan the consultant explores for (``?bilan=``), kept only if it is a UUID: the
    pages build links from it; the bilan itself is checked where a piste is added."""
    try:
        return str(uuid.UUID(request.GET.get("bilan", "")))
    except ValueError:
        return ""


def _recherche(request, *, gabarit: str, partiel: str, extra: dict) -> HttpResponse:
    form = RechercheForm(request.GET)
    terme = form.cleaned_data["q"] if form.is_valid() else ""
    htmx = bool(getattr(request, "htmx", False))
    resultats = rome.appellations_rechercher(requete=terme, limite=APERCU if htmx else 20)
    contexte = {
        "form": form,
        "terme": terme,
        "resultats": resultats,
        "attribution": rome.attribution(),
        **extra,
    }
    return render(request, partiel if htmx else gabarit, contexte)


@staff_required
def recherche(request: StaffRequest) -> HttpResponse:
    return _recherche(
        request,
        gabarit="exploration/rome/recherche.html",
        partiel="exploration/rome/_resultats.html",
        extra={"espace": "staff", "bilan_id": _bilan_id(request)},
    )


@staff_required
def fiche(request: StaffRequest, code: str) -> HttpResponse:
    detail = rome.fiche_detail(fiche=rome.fiche_obtenir(code=code))
    return render(
        request,
        "exploration/rome/fiche.html",
        {**detail, "espace": "staff", "bilan_id": _bilan_id(request)},
    )


@portal_required
def portail_recherche(request: PortailRequest) -> HttpResponse:
    return _recherche(
        request,
        gabarit="portail/exploration/recherche.html",
        partiel="exploration/rome/_resultats.html",
        extra={"espace": "portail"},
    )


@portal_required
def portail_fiche(request: PortailRequest, code: str) -> HttpResponse:
    detail = rome.fiche_detail(fiche=rome.fiche_obtenir(code=code))
    bilan = bilan_courant_obtenir(beneficiaire=request.portal_access.beneficiaire)
    en_piste = (
        detail["fiche"].pk in pistes_selectors.fiches_en_piste(bilan=bilan) if bilan else False
    )
    return render(
        request,
        "portail/exploration/fiche.html",
        {**detail, "espace": "portail", "bilan": bilan, "en_piste": en_piste},
    )
