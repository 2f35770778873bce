"""A bilan's calendar page (staff): the dates a programme proposes for its séances, edited and
planned within the 24 hours. Every member reads; an admin or a consultant assigned to the bilan
plans.
"""

from datetime import datetime, time, timedelta
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beneficiaires import acces
from beneficiaires.budget import BUDGET_MINUTES
from beneficiaires.models import Bilan, Programme
from beneficiaires.programmes import date_suivi
from beneficiaires.selectors import bilan_obtenir
from beneficiaires.services.programmes import programme_proposer_calendrier
from bilan.core.dates import prochain_jour_ouvre
from bilan.core.formatting import duree_fr
from bilan.core.middleware import StaffRequest
from bilan.core.permissions import staff_required
from seances.forms.programmes import CalendrierChoixForm, SeancePlanFormSet
from seances.selectors.seances import bilan_minutes_comptees, seance_modalite_par_defaut
from seances.services.programmes import seances_planifier_depuis_programme


def _url_apres_planification(bilan: Bilan) -> str:
    try:
        return reverse("bilans:detail", kwargs={"bilan_id": bilan.public_id})
    except NoReverseMatch:
        return reverse("programmes:calendrier", kwargs={"bilan_id": bilan.public_id})


@staff_required
@require_http_methods(["GET", "POST"])
def bilan_calendrier(request: StaffRequest, bilan_id: UUID) -> HttpResponse:
    """The calendar a programme proposes for the bilan (working days, French holidays), to edit
    and plan as séances within the 24 hours."""
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    peut_planifier = acces.exiger_bilan(membership=request.membership, bilan=bilan).accompagner
    if request.method == "POST" and not peut_planifier:
        raise PermissionDenied(_("Votre rôle ne permet pas de planifier ce bilan."))
    source = request.POST if request.method == "POST" else request.GET
    demain = prochain_jour_ouvre(le=timezone.localdate() + timedelta(days=1))
    initial = {
        "programme": bilan.programme,
        "debut": timezone.make_aware(datetime.combine(demain, time(9, 0))),
    }
    choix = CalendrierChoixForm(source if "debut" in source else None, initial=initial)
    formset = None
    proposition = []
    programme = None
    suivi = None
    status = 200
    if choix.is_bound and choix.is_valid():
        programme = choix.cleaned_data["programme"]
        proposition = programme_proposer_calendrier(
            programme=programme, debut=choix.cleaned_data["debut"]
        )
        if request.method == "POST":
            formset = SeancePlanFormSet(request.POST, prefix="seances")
            if formset.is_valid():
                try:
                    creees = seances_planifier_depuis_programme(
                        bilan=bilan, seances=formset.seances()
                    )
                except ValidationError as exc:
                    formset.non_form_errors().extend(exc.messages)
                else:
                    messages.success(
                        request,
                        _("%(n)s séance(s) planifiée(s) pour le bilan %(numero)s.")
                        % {"n": len(creees), "numero": bilan.numero},
                    )
                    return redirect(_url_apres_planification(bilan))
            status = 400
        else:
            modalite = seance_modalite_par_defaut(bilan=bilan)
            formset = SeancePlanFormSet(
                prefix="seances",
                initial=[
                    {
                        "garder": True,
                        "debut": timezone.localtime(p["debut"]),
                        "duree_minutes": p["duree_minutes"],
                        "type": p["type"],
                        "phase": p["phase"],
                        "intitule": p["intitule"],
                        "modalite": modalite,
                    }
                    for p in proposition
                ],
            )
        if proposition:
            fin = timezone.localtime(proposition[-1]["debut"]).date()
            suivi = date_suivi(fin=fin, mois=programme.suivi_mois)
    elif choix.is_bound:
        status = 400
    deja = bilan_minutes_comptees(bilan=bilan)
    lignes = []
    if formset is not None:
        decalages = {p["ordre"]: p["decale"] for p in proposition}
        lignes = [(i, form, decalages.get(i, False)) for i, form in enumerate(formset.forms, 1)]
    return render(
        request,
        "programmes/calendrier.html",
        {
            "bilan": bilan,
            "choix": choix,
            "formset": formset,
            "lignes": lignes,
            "programme": programme,
            "suivi": suivi,
            "deja": duree_fr(minutes=deja),
            "reste": duree_fr(minutes=max(BUDGET_MINUTES - deja, 0)),
            "peut_planifier": peut_planifier,
            "a_des_programmes": Programme.objects.exists(),
        },
        status=status,
    )
