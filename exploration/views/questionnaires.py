"""Staff pages of the questionnaires: a bilan's questionnaires (assign one), a result (read at
once, journalled), its release to the beneficiary, and « À propos des outils ».

Thin views: objects come through tenant accessors by public id (404 elsewhere), rights from
``beneficiaires.acces`` (results are confidential bilan content: ``LIRE_CONFIDENTIEL``, so an
unassigned consultant gets 404 and an assistant 403), writes through the services.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaires import acces
from beneficiaires.selectors import bilan_obtenir
from bilan.core.audit import TypeObjet, audit_record
from bilan.core.form_errors import add_errors, flash_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import AuditEvent
from bilan.core.permissions import staff_required
from exploration.forms.questionnaires import AssignerForm
from exploration.instruments import instruments
from exploration.selectors import questionnaires as lecture
from exploration.services import questionnaires as services

# Journal: kind and id only (bilan.core.audit).
RESULTAT_QUESTIONNAIRE = TypeObjet(
    "resultat_questionnaire", gettext_lazy("Résultat de questionnaire")
)
QUESTIONNAIRES_BILAN = TypeObjet("questionnaires_bilan", gettext_lazy("Questionnaires du bilan"))


@staff_required
@require_http_methods(["GET", "POST"])
def bilan_questionnaires(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """The bilan's questionnaires and their state; assign a new one."""
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    droits = acces.exiger_bilan(
        membership=request.membership, bilan=bilan, droit=acces.Droit.LIRE_CONFIDENTIEL
    )
    seances = lecture.seances_pour_questionnaire(bilan=bilan)
    form = AssignerForm(request.POST or None, seances=seances)
    if request.method == "POST":
        droits.exiger(acces.Droit.ACCOMPAGNER)
        if form.is_valid():
            try:
                services.passation_assigner(
                    bilan=bilan,
                    seance=form.cleaned_data["seance"],
                    instrument_code=form.cleaned_data["instrument"],
                    par=request.user,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Questionnaire proposé : il apparaît dans le portail."))
                return redirect("exploration:bilan", bilan_id=bilan.public_id)
    audit_record(
        request=request,
        action=AuditEvent.Action.READ,
        objet=QUESTIONNAIRES_BILAN,
        object_id=bilan.public_id,
        beneficiaire=bilan.beneficiaire,
    )
    return render(
        request,
        "exploration/questionnaires/bilan.html",
        {
            "bilan": bilan,
            "passations": lecture.passations_du_bilan(bilan=bilan),
            "form": form,
            "peut_ecrire": droits.accompagner,
            "a_des_seances": seances.exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def passation_detail(request: StaffRequest, passation_id: uuid.UUID) -> HttpResponse:
    """A passation: progress, then the result (chart, table, interpretation) as soon as it is
    finished. Each read is journalled."""
    passation = lecture.passation_obtenir(organisation=request.organisation, public_id=passation_id)
    bilan = passation.bilan
    droits = acces.exiger_bilan(
        membership=request.membership, bilan=bilan, droit=acces.Droit.LIRE_CONFIDENTIEL
    )
    audit_record(
        request=request,
        action=AuditEvent.Action.READ,
        objet=RESULTAT_QUESTIONNAIRE,
        object_id=passation.public_id,
        beneficiaire=bilan.beneficiaire,
    )
    return render(
        request,
        "exploration/questionnaires/detail.html",
        {
            "bilan": bilan,
            "passation": passation,
            "page": lecture.page_reponses(passation=passation, numero=None),
            "resultat": lecture.resultat_afficher(passation=passation),
            "peut_ecrire": droits.accompagner,
        },
    )


@staff_required
@require_POST
def passation_publier(request: StaffRequest, passation_id: uuid.UUID) -> HttpResponse:
    """Release the results to the beneficiary (after the debrief)."""
    passation = lecture.passation_obtenir(organisation=request.organisation, public_id=passation_id)
    acces.exiger_bilan(
        membership=request.membership, bilan=passation.bilan, droit=acces.Droit.ACCOMPAGNER
    )
    try:
        services.passation_publier(passation=passation, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Résultats communiqués : le ou la bénéficiaire les voit."))
    return redirect("exploration:passation", passation_id=passation.public_id)


@staff_required
def a_propos(request: StaffRequest) -> HttpResponse:
    """Origin, licence, attribution and translation of each instrument."""
    return render(
        request,
        "exploration/questionnaires/a_propos.html",
        {"instruments": instruments().values()},
    )
