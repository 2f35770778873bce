"""Pages of the follow-up interview after the bilan (staff): plan or re-plan it, record its
result, cancel it, and the organisation's planned follow-ups with the Qualiopi rate.

Rights come from ``beneficiaires.acces`` (planning is logistics, ``ORGANISER_SUIVI``; the
result is accompaniment, ``ACCOMPAGNER``), checked here and again in
``seances.services.suivi``.
"""

import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaires import acces
from beneficiaires.models import Bilan
from beneficiaires.programmes import bilan_suivi_mois
from beneficiaires.selectors import bilan_obtenir
from bilan.core.form_errors import add_errors, flash_errors
from bilan.core.middleware import StaffRequest
from bilan.core.permissions import staff_required
from seances.forms.travail import ResultatSuiviForm, SuiviForm
from seances.selectors import suivi as lecture
from seances.selectors.agenda import date_lue
from seances.services import suivi as suivi_services


def _exiger(request: StaffRequest, bilan: Bilan, droit: acces.Droit) -> acces.AccesBilan:
    """404 outside need-to-know, 403 without ``droit`` (``beneficiaires.acces``)."""
    return acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=droit)


@staff_required
@require_http_methods(["GET", "POST"])
def bilan_suivi(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """Show the bilan's follow-up; plan or re-plan it (date prefilled with the default)."""
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    droits = _exiger(request, bilan, acces.Droit.VOIR)
    suivi = lecture.suivi_du_bilan(bilan=bilan)
    termine = lecture.bilan_termine(bilan=bilan)
    peut_planifier = droits.organiser_suivi
    defaut = lecture.suivi_date_par_defaut(bilan=bilan) if termine else None
    initial: dict[str, object]
    if suivi is not None and suivi.statut == suivi.Statut.PLANIFIE:
        initial = {
            "date_prevue": timezone.localtime(suivi.date_prevue),
            "consultant": suivi.consultant,
            "modalite": suivi.modalite,
        }
    else:
        initial = {"date_prevue": defaut, "consultant": bilan.consultant}
    form = None
    if termine and peut_planifier and (suivi is None or suivi.statut != suivi.Statut.REALISE):
        form = SuiviForm(request.POST or None, initial=initial, organisation=request.organisation)
    if request.method == "POST":
        if not peut_planifier:
            raise PermissionDenied
        if form is None:
            messages.error(
                request,
                _("L'entretien de suivi se planifie une fois le bilan terminé.")
                if not termine
                else _("L'entretien de suivi a déjà eu lieu."),
            )
            return redirect("travail:suivi", bilan_id=bilan.public_id)
        if form.is_valid():
            try:
                suivi_services.suivi_planifier(
                    bilan=bilan,
                    date_prevue=form.cleaned_data["date_prevue"],
                    consultant=form.cleaned_data["consultant"],
                    modalite=form.cleaned_data["modalite"],
                    par=request.user,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Entretien de suivi planifié."))
                return redirect("travail:suivi", bilan_id=bilan.public_id)
    peut_resultat = droits.accompagner
    return render(
        request,
        "travail/suivi.html",
        {
            "bilan": bilan,
            "suivi": suivi,
            "termine": termine,
            "defaut": defaut,
            "form": form,
            "resultat_form": ResultatSuiviForm()
            if suivi is not None and suivi.statut == suivi.Statut.PLANIFIE and peut_resultat
            else None,
            "peut_planifier": peut_planifier,
            "lire_confidentiel": droits.lire_confidentiel,
            "delai": bilan_suivi_mois(bilan=bilan),
            "programme": bilan.programme,
        },
    )


@staff_required
@require_POST
def suivi_resultat(request: StaffRequest, suivi_id: uuid.UUID) -> HttpResponse:
    suivi = lecture.suivi_obtenir(organisation=request.organisation, public_id=suivi_id)
    _exiger(request, suivi.bilan, acces.Droit.ACCOMPAGNER)
    form = ResultatSuiviForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("travail:suivi", bilan_id=suivi.bilan.public_id)
    try:
        suivi_services.suivi_enregistrer_resultat(
            suivi=suivi,
            resultat=form.cleaned_data["resultat"],
            commentaire=form.cleaned_data["commentaire"],
            par=request.user,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Entretien de suivi enregistré comme réalisé."))
    return redirect("travail:suivi", bilan_id=suivi.bilan.public_id)


@staff_required
@require_POST
def suivi_annuler(request: StaffRequest, suivi_id: uuid.UUID) -> HttpResponse:
    suivi = lecture.suivi_obtenir(organisation=request.organisation, public_id=suivi_id)
    _exiger(request, suivi.bilan, acces.Droit.ORGANISER_SUIVI)
    try:
        suivi_services.suivi_annuler(suivi=suivi, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Entretien de suivi annulé."))
    return redirect("travail:suivi", bilan_id=suivi.bilan.public_id)


@staff_required
def suivis_list(request: StaffRequest) -> HttpResponse:
    """Planned follow-ups of the organisation and the follow-up rate (Qualiopi ind. 2)."""
    aujourdhui = timezone.localdate()
    debut = date_lue(valeur=request.GET.get("debut"), defaut=dt.date(aujourdhui.year, 1, 1))
    fin = date_lue(valeur=request.GET.get("fin"), defaut=dt.date(aujourdhui.year, 12, 31))
    if fin < debut:
        debut, fin = fin, debut
    return render(
        request,
        "travail/suivis.html",
        {
            "suivis": lecture.suivis_a_venir(organisation=request.organisation).filter(
                bilan__in=acces.bilans_visibles(membership=request.membership)
            ),
            "taux": lecture.suivi_taux_realisation(debut=debut, fin=fin),
            "maintenant": timezone.now(),
        },
    )
