"""Offer pages. Staff (/app/qualiopi/offres/, admins): publish a programme's page as a new
dated version, see and export the history (CSV, HTML), withdraw or republish. Public
(/offre/<organisation slug>/..., no login): the published offers, the current version of one,
and an embeddable variant that other sites may frame (the only pages of the project that
allow it). The organisation is bound from the slug; an unknown or inactive organisation, an
unpublished or withdrawn offer answers 404."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beneficiaires.models import Programme
from bilan.core.exports import csv_reponse
from bilan.core.form_errors import add_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import Organisation, Role
from bilan.core.permissions import role_required
from bilan.core.tenancy import get_for_organisation, tenant_context
from qualiopi.forms.offres import OffreVersionForm
from qualiopi.models.offres import Offre
from qualiopi.selectors import offres as selectors
from qualiopi.selectors.offres import (
    CHAMPS_CSV,
    offre_versions_csv_lignes,
)
from qualiopi.services import offres as services

# Fields a new version starts from (the current version's).
CHAMPS_FORMULAIRE: list[str] = list(OffreVersionForm.Meta.fields)


# --- Staff ----------------------------------------------------------------------------------


@never_cache
@role_required(Role.ADMIN)
@require_GET
def liste(request: StaffRequest) -> HttpResponse:
    offres = {o.programme_id: o for o in selectors.offres_lister()}
    lignes = []
    for programme in Programme.objects.order_by("nom"):
        offre = offres.get(programme.pk)
        lignes.append(
            {
                "programme": programme,
                "offre": offre,
                "courante": selectors.offre_version_courante(offre=offre) if offre else None,
            }
        )
    return render(
        request,
        "qualiopi/offres/liste.html",
        {"lignes": lignes, "organisation": request.organisation},
    )


@never_cache
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def publier(request: StaffRequest, programme_id: uuid.UUID) -> HttpResponse:
    programme = get_for_organisation(
        Programme, organisation=request.organisation, public_id=programme_id
    )
    offre = Offre.objects.filter(programme=programme).first()
    courante = selectors.offre_version_courante(offre=offre) if offre else None
    debut, fin = OffreVersionForm.periode_defaut()
    if courante is not None:
        initial = {champ: getattr(courante, champ) for champ in CHAMPS_FORMULAIRE}
    else:
        organisation = request.organisation
        initial = {
            "titre": programme.nom,
            "objectifs": programme.description,
            "referent_handicap_contact": " — ".join(
                x
                for x in (
                    organisation.referent_handicap_nom,
                    organisation.referent_handicap_contact,
                )
                if x
            ),
        }
    initial |= {"resultats_debut": debut, "resultats_fin": fin}
    form = OffreVersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.offre_version_publier(
                programme=programme,
                version=form.instance,
                resultats_debut=form.cleaned_data["resultats_debut"],
                resultats_fin=form.cleaned_data["resultats_fin"],
                par=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Nouvelle version de l'offre publiée."))
            return redirect("qualiopi:offres")
    return render(
        request,
        "qualiopi/offres/publier.html",
        {"form": form, "programme": programme, "courante": courante},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@role_required(Role.ADMIN)
@require_GET
def historique(request: StaffRequest, offre_id: uuid.UUID) -> HttpResponse:
    offre = selectors.offre_obtenir(organisation=request.organisation, public_id=offre_id)
    versions = list(selectors.offre_versions(offre=offre))
    if request.GET.get("format") == "csv":
        return csv_reponse(
            nom_fichier=f"offre-{offre.public_id}-versions.csv",
            entetes=CHAMPS_CSV,
            lignes=offre_versions_csv_lignes(versions),
        )
    if request.GET.get("format") == "html":
        response = HttpResponse(
            render_to_string(
                "qualiopi/offres/historique_export.html",
                {"offre": offre, "versions": versions, "organisation": request.organisation},
            ),
            content_type="text/html; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="offre-{offre.public_id}-versions.html"'
        )
        return response
    return render(
        request,
        "qualiopi/offres/historique.html",
        {"offre": offre, "versions": versions, "organisation": request.organisation},
    )


@role_required(Role.ADMIN)
@require_POST
def publication(request: StaffRequest, offre_id: uuid.UUID) -> HttpResponse:
    offre = selectors.offre_obtenir(organisation=request.organisation, public_id=offre_id)
    publiee = request.POST.get("publiee") == "1"
    services.offre_publication_changer(offre=offre, publiee=publiee)
    messages.success(
        request,
        _("La page publique est en ligne.") if publiee else _("La page publique est retirée."),
    )
    return redirect("qualiopi:offres")


# --- Public ---------------------------------------------------------------------------------


def _organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
    if organisation is None:
        raise Http404
    return organisation


@require_GET
def public_liste(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = _organisation(org_slug)
    with tenant_context(organisation):
        offres = selectors.offres_publiques(organisation=organisation)
        return render(
            request,
            "qualiopi/offres/public_liste.html",
            {"organisation": organisation, "offres": offres},
        )


def _public(request: HttpRequest, org_slug: str, offre_id: uuid.UUID, template: str):
    organisation = _organisation(org_slug)
    with tenant_context(organisation):
        offre, version = selectors.offre_publique(organisation=organisation, public_id=offre_id)
        return render(
            request,
            template,
            {"organisation": organisation, "offre": offre, "version": version},
        )


@require_GET
def public_detail(request: HttpRequest, org_slug: str, offre_id: uuid.UUID) -> HttpResponse:
    return _public(request, org_slug, offre_id, "qualiopi/offres/public_detail.html")


@xframe_options_exempt
@csp_override(
    {
        "frame-ancestors": ["*"],
        "default-src": [CSP.SELF],
        "style-src": [CSP.SELF, CSP.NONCE],
        "img-src": [CSP.SELF, "data:"],
        "script-src": [CSP.NONE],
        "base-uri": [CSP.SELF],
        "form-action": [CSP.NONE],
        "object-src": [CSP.NONE],
    }
)
@require_GET
def public_integrer(request: HttpRequest, org_slug: str, offre_id: uuid.UUID) -> HttpResponse:
    """The current version in a page made to be framed by any site (the organisation's own
    website): no script, no form, links open outside the frame."""
    return _public(request, org_slug, offre_id, "qualiopi/offres/public_integrer.html")
