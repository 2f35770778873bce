"""Staff pages of a séance: plan, reschedule, cancel, realise, confidential notes."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires import acces
from beneficiaires.selectors import bilan_obtenir
from bilan.core.audit import client_info
from bilan.core.form_errors import add_errors
from bilan.core.middleware import TenantRequest
from bilan.core.permissions import staff_required
from bilan.core.tenancy import get_for_organisation
from seances import selectors
from seances.forms.seances import AnnulerForm, NotesForm, RealiserForm, ReporterForm, SeanceForm
from seances.models import Seance
from seances.services import seances as services


def _seance(request: TenantRequest, seance_id: uuid.UUID) -> Seance:
    """The séance named in the URL; 404 elsewhere or outside need-to-know (``acces``)."""
    seance = get_for_organisation(
        Seance,
        organisation=request.organisation,
        public_id=seance_id,
        queryset=Seance.objects.select_related("bilan", "bilan__beneficiaire", "consultant"),
    )
    _acces(request, seance).exiger(acces.Droit.VOIR)
    return seance


def _acces(request: TenantRequest, seance: Seance) -> acces.AccesBilan:
    return acces.acces_bilan(
        membership=request.membership,
        bilan=seance.bilan,
        consultant_seance_id=seance.consultant_id,
    )


@staff_required
def seance_create(request, bilan_id):
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=acces.Droit.ACCOMPAGNER)
    data = request.POST if request.method == "POST" else None
    form = SeanceForm(
        data,
        organisation=request.organisation,
        initial={"phase": bilan.phase or "preliminaire", "consultant": bilan.consultant_id},
    )
    if data is not None and form.is_valid():
        fields = dict(form.cleaned_data)
        if fields.get("consultant") is None:
            fields.pop("consultant")
        try:
            seance = services.seance_planifier(bilan=bilan, **fields)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Séance planifiée."))
            for autre in selectors.conflits(seance=seance):
                messages.warning(
                    request,
                    _("Attention : chevauchement avec « %(s)s » le %(d)s.")
                    % {"s": autre.intitule, "d": autre.debut.strftime("%d/%m/%Y %H:%M")},
                )
            return redirect("bilans:detail", bilan_id=bilan.public_id)
    return render(
        request,
        "seances/form.html",
        {"form": form, "bilan": bilan, "budget": selectors.budget(bilan=bilan)},
        status=400 if form.errors else 200,
    )


def _detail(request, seance, *, status=200, **forms):
    droits = _acces(request, seance)
    notes = None
    if droits.lire_notes and seance.notes:
        notes = services.seance_lire_notes(
            seance=seance, par=request.user, client=client_info(request)
        )
    context = {
        "seance": seance,
        "bilan": seance.bilan,
        "budget": selectors.budget(bilan=seance.bilan),
        "conflits": selectors.conflits(seance=seance),
        "peut_agir": droits.accompagner,
        "peut_lire_notes": droits.lire_notes,
        "reporter_form": forms.get("reporter_form")
        or ReporterForm(initial={"debut": seance.debut}),
        "annuler_form": forms.get("annuler_form") or AnnulerForm(),
        "realiser_form": forms.get("realiser_form")
        or RealiserForm(initial={"duree_realisee_minutes": seance.duree_minutes}),
        "notes_form": forms.get("notes_form") or NotesForm(initial={"notes": notes or ""}),
    }
    return render(request, "seances/detail.html", context, status=status)


@staff_required
def seance_detail(request, seance_id):
    return _detail(request, _seance(request, seance_id))


@require_POST
@staff_required
def seance_action(request, seance_id, action):
    seance = _seance(request, seance_id)
    droits = _acces(request, seance)
    droits.exiger(acces.Droit.ACCOMPAGNER)
    forms = {
        "reporter": ("reporter_form", ReporterForm),
        "annuler": ("annuler_form", AnnulerForm),
        "realiser": ("realiser_form", RealiserForm),
        "notes": ("notes_form", NotesForm),
    }
    if action not in forms:
        raise PermissionDenied
    name, form_class = forms[action]
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "reporter":
                services.seance_modifier(seance=seance, motif=data["motif"], debut=data["debut"])
            elif action == "annuler":
                services.seance_annuler(seance=seance, motif=data["motif"], absence=data["absence"])
            elif action == "realiser":
                services.seance_realiser(
                    seance=seance, duree_realisee_minutes=data["duree_realisee_minutes"]
                )
            else:
                services.seance_enregistrer_notes(
                    seance=seance, notes=data["notes"], user=request.user
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Séance mise à jour."))
            return redirect("seances:detail", seance_id=seance.public_id)
    return _detail(request, seance, status=400, **{name: form})
