"""The outbox page (/app/relances/, admins only): rows by filter, retry a failed row, and a
preview of any kind's email rendered with a real dossier of the organisation."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bilan.core.emails import sender_for
from bilan.core.form_errors import flash_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import Role
from bilan.core.permissions import role_required
from relances import selectors
from relances.registre import registre
from relances.services import relance_apercu, relance_reessayer


@never_cache
@role_required(Role.ADMIN)
@require_GET
def outbox(request: StaffRequest) -> HttpResponse:
    filtre = request.GET.get("filtre", "a_venir")
    if filtre not in selectors.FILTRES:
        filtre = "a_venir"
    compteurs = selectors.relances_compter()
    page = Paginator(selectors.relances_lister(filtre=filtre), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "relances/outbox.html",
        {
            "filtre": filtre,
            "filtres": [
                (code, label, compteurs[code]) for code, label in selectors.FILTRES.items()
            ],
            "page": page,
            "kinds": registre.choices(),
            "jours_historique": selectors.FENETRE_HISTORIQUE.days,
        },
    )


@role_required(Role.ADMIN)
@require_POST
def reessayer(request: StaffRequest, relance_id: uuid.UUID) -> HttpResponse:
    relance = selectors.relance_obtenir(organisation=request.organisation, public_id=relance_id)
    try:
        relance_reessayer(relance=relance)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("La relance repart au prochain passage (dans la minute)."))
    return redirect(reverse("relances:outbox") + "?filtre=echec")


@never_cache
@role_required(Role.ADMIN)
@require_GET
def apercu(request: StaffRequest) -> HttpResponse:
    organisation = request.organisation
    bilans = selectors.dossiers_apercu_lister()
    kind = request.GET.get("kind") or next(iter(registre)).kind
    if kind not in registre:
        raise Http404
    bilan = None
    if request.GET.get("bilan"):
        try:
            bilan_id = uuid.UUID(request.GET["bilan"])
        except ValueError:
            raise Http404 from None
        bilan = next((b for b in bilans if getattr(b, "public_id", None) == bilan_id), None)
        if bilan is None:
            bilan = selectors.dossier_apercu_obtenir(public_id=bilan_id)
        if bilan is None:
            raise Http404
    elif bilans:
        bilan = bilans[0]
    rendu = None
    if bilan is not None:
        subject, text, html = relance_apercu(organisation=organisation, kind=kind, bilan=bilan)
        rendu = {"subject": subject, "text": text, "html": html}
    return render(
        request,
        "relances/apercu.html",
        {
            "kinds": registre.choices(),
            "kind": kind,
            "bilans": bilans,
            "bilan": bilan,
            "rendu": rendu,
            "expediteur": sender_for(organisation),
        },
    )
