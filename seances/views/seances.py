"""Staff pages of a séance: plan, reschedule, cancel, realise, confidential notes."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires import acces
from beneficiaires.models import Phase
from beneficiaires.selectors import bilan_obtenir
from bilan.core.audit import client_info
from bilan.core.form_errors import add_errors
from bilan.core.middleware import StaffRequest
from bilan.core.permissions import staff_required
from seances.forms.seances import (
    AnnulerForm,
    NotesForm,
    RealiserForm,
    ReporterForm,
    SeanceForm,
    SeanceModifierForm,
)
from seances.models import Seance
from seances.selectors import seances as selectors
from seances.services import seances as services


def _seance(request: StaffRequest, seance_id: uuid.UUID) -> Seance:
    """The séance named in the URL; 404 elsewhere or outside need-to-know (``acces``)."""
    seance = selectors.seance_obtenir(organisation=request.organisation, public_id=seance_id)
    _acces(request, seance).exiger(acces.Droit.VOIR)
    return seance


def _acces(request: StaffRequest, seance: Seance) -> acces.AccesBilan:
    return acces.acces_bilan(
        membership=request.membership,
        bilan=seance.bilan,
        consultant_seance_id=seance.consultant_id,
    )


@staff_required
def seance_create(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=acces.Droit.ACCOMPAGNER)
    data = request.POST if request.method == "POST" else None
    form = SeanceForm(
        data,
        organisation=request.organisation,
        initial={"phase": bilan.phase or Phase.PRELIMINAIRE, "consultant": bilan.consultant_id},
    )
    if data is not None and form.is_valid():
        champs = form.cleaned_data
        try:
            seance = services.seance_planifier(
                bilan=bilan,
                phase=champs["phase"],
                type=champs["type"],
                intitule=champs["intitule"],
                objectifs=champs["objectifs"],
                debut=champs["debut"],
                duree_minutes=champs["duree_minutes"],
                modalite=champs["modalite"],
                lieu=champs["lieu"],
                lien_visio=champs["lien_visio"],
                consultant=champs["consultant"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Séance planifiée."))
            _avertir_conflits(request, seance)
            return redirect("bilans:detail", bilan_id=bilan.public_id)
    return render(
        request,
        "seances/form.html",
        {"form": form, "bilan": bilan, "budget": selectors.bilan_budget(bilan=bilan)},
        status=400 if form.errors else 200,
    )


def _avertir_conflits(request: StaffRequest, seance: Seance) -> None:
    """Overlaps with the consultant's other séances: their time only (another bilan's title
    is not this page's business)."""
    for autre in selectors.seance_conflits(seance=seance):
        messages.warning(
            request,
            _("Attention : chevauchement avec une autre séance le %(d)s.")
            % {"d": timezone.localtime(autre.debut).strftime("%d/%m/%Y %H:%M")},
        )


@staff_required
def seance_modifier(request: StaffRequest, seance_id: uuid.UUID) -> HttpResponse:
    """Edit every field of a planned séance (date with a reason, place, link, modality…)."""
    seance = _seance(request, seance_id)
    _acces(request, seance).exiger(acces.Droit.ACCOMPAGNER)
    bilan = seance.bilan
    data = request.POST if request.method == "POST" else None
    form = SeanceModifierForm(data, organisation=request.organisation, instance=seance)
    if seance.statut != Seance.Statut.PLANIFIEE:
        messages.error(request, _("Seule une séance planifiée peut être modifiée."))
        return redirect("seances:detail", seance_id=seance.public_id)
    if data is not None and form.is_valid():
        champs = form.cleaned_data
        try:
            seance = services.seance_modifier(
                # Fresh from the database: validating the form already wrote the new values
                # on ``seance``, and the service compares with the stored ones.
                seance=selectors.seance_obtenir(
                    organisation=request.organisation, public_id=seance.public_id
                ),
                motif=champs["motif"],
                champs=services.SeanceChamps(
                    phase=champs["phase"],
                    type=champs["type"],
                    intitule=champs["intitule"],
                    objectifs=champs["objectifs"],
                    debut=champs["debut"],
                    duree_minutes=champs["duree_minutes"],
                    modalite=champs["modalite"],
                    lieu=champs["lieu"],
                    lien_visio=champs["lien_visio"],
                    consultant=champs["consultant"],
                ),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Séance modifiée."))
            _avertir_conflits(request, seance)
            return redirect("seances:detail", seance_id=seance.public_id)
    return render(
        request,
        "seances/modifier.html",
        {"form": form, "seance": seance, "bilan": bilan},
        status=400 if form.errors else 200,
    )


def _detail(
    request: StaffRequest, seance: Seance, *, status: int = 200, **formulaires: forms.Form
) -> HttpResponse:
    droits = _acces(request, seance)
    notes = None
    if droits.lire_notes and seance.notes:
        notes = services.seance_lire_notes(
            seance=seance, par=request.user, client=client_info(request)
        )
    context = {
        "seance": seance,
        "bilan": seance.bilan,
        "budget": selectors.bilan_budget(bilan=seance.bilan),
        "conflits": selectors.seance_conflits(seance=seance),
        "peut_agir": droits.accompagner,
        "peut_lire_notes": droits.lire_notes,
        "reporter_form": formulaires.get("reporter_form")
        or ReporterForm(initial={"debut": seance.debut}),
        # Its ids carry the séance's: the reschedule form beside it has a "motif" too, and
        # each label must point to its own field.
        "annuler_form": formulaires.get("annuler_form") or AnnulerForm(seance=seance),
        "realiser_form": formulaires.get("realiser_form")
        or RealiserForm(initial={"duree_realisee_minutes": seance.duree_minutes}),
        "notes_form": formulaires.get("notes_form") or NotesForm(initial={"notes": notes or ""}),
    }
    return render(request, "seances/detail.html", context, status=status)


@staff_required
def seance_detail(request: StaffRequest, seance_id: uuid.UUID) -> HttpResponse:
    return _detail(request, _seance(request, seance_id))


@require_POST
@staff_required
def seance_action(request: StaffRequest, seance_id: uuid.UUID, action: str) -> HttpResponse:
    seance = _seance(request, seance_id)
    droits = _acces(request, seance)
    droits.exiger(acces.Droit.ACCOMPAGNER)
    classes: dict[str, tuple[str, type[forms.Form]]] = {
        "reporter": ("reporter_form", ReporterForm),
        "annuler": ("annuler_form", AnnulerForm),
        "realiser": ("realiser_form", RealiserForm),
        "notes": ("notes_form", NotesForm),
    }
    if action not in classes:
        raise PermissionDenied
    name, form_class = classes[action]
    form = (
        AnnulerForm(request.POST, seance=seance)
        if form_class is AnnulerForm
        else form_class(request.POST)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "reporter":
                services.seance_deplacer(seance=seance, debut=data["debut"], motif=data["motif"])
            elif action == "annuler":
                services.seance_annuler(seance=seance, motif=data["motif"], nature=data["nature"])
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
