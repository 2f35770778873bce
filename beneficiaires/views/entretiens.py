"""Correcting a prior interview (rule 12): the fixed fields, its date included, and the answers
to the organisation's questions. Need-to-know through ``beneficiaires.acces``: the page and the
answers are for who may administer the beneficiary's dossier (404 otherwise)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires import acces, selectors
from beneficiaires.forms.entretiens import EntretienPrealableForm
from beneficiaires.services import entretiens as services
from bilan.core.form_errors import add_errors
from bilan.core.middleware import StaffRequest
from bilan.core.permissions import staff_required


@staff_required
def entretien_modifier(
    request: StaffRequest, beneficiaire_id: uuid.UUID, entretien_id: uuid.UUID
) -> HttpResponse:
    beneficiaire = selectors.beneficiaire_obtenir(
        organisation=request.organisation, public_id=beneficiaire_id
    )
    acces.exiger_beneficiaire(
        membership=request.membership, beneficiaire=beneficiaire, droit=acces.Droit.ADMINISTRER
    )
    entretien = selectors.entretien_obtenir(beneficiaire=beneficiaire, public_id=entretien_id)
    questions = selectors.questions_actives_lister(organisation=request.organisation)
    reponses = {r.question_id: r.valeur for r in entretien.reponses.all()}
    anciennes = [r for r in entretien.reponses.all() if not r.question.active]
    status = 200
    if request.method == "POST":
        form = EntretienPrealableForm(
            request.POST,
            instance=entretien,
            organisation=request.organisation,
            questions=questions,
        )
        if form.is_valid():
            try:
                services.entretien_prealable_modifier(
                    entretien=entretien,
                    fiche=form.fiche(),
                    reponses=form.reponses(),
                    par=request.user,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Entretien préalable corrigé."))
                return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)
        status = 400
    else:
        form = EntretienPrealableForm(
            instance=entretien,
            organisation=request.organisation,
            questions=questions,
            reponses=reponses,
            initial={"date": timezone.localtime(entretien.date)},
        )
    return render(
        request,
        "beneficiaires/entretien_modifier.html",
        {
            "beneficiaire": beneficiaire,
            "entretien": entretien,
            "form": form,
            "anciennes": anciennes,
        },
        status=status,
    )
