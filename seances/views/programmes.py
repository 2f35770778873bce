"""A bilan's calendar page (staff): the dates a programme proposes for its séances, edited and
planned within the 24 hours. Every member reads; an admin or a consultant assigned to the bilan
plans.
"""

from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from beneficiaires import acces
from beneficiaires.budget import BUDGET_MINUTES
from beneficiaires.models import Bilan, Programme, TypeSeance
from beneficiaires.programmes import date_suivi
from beneficiaires.selectors import bilan_obtenir
from beneficiaires.services.programmes import programme_proposer_calendrier
from bilan.core.dates import prochain_jour_ouvre
from bilan.core.formatting import duree_fr
from bilan.core.middleware import StaffRequest
from bilan.core.permissions import staff_required
from seances.forms.programmes import (
    BaseSeancePlanFormSet,
    CalendrierChoixForm,
    CalendrierLieuForm,
    SeancePlanFormSet,
)
from seances.models import Seance
from seances.selectors.seances import (
    bilan_minutes_comptees,
    creneau_conflits,
    seance_modalite_par_defaut,
)
from seances.services.programmes import seances_planifier_depuis_programme


def _url_apres_planification(bilan: Bilan) -> str:
    try:
        return reverse("bilans:detail", kwargs={"bilan_id": bilan.public_id})
    except NoReverseMatch:
        return reverse("programmes:calendrier", kwargs={"bilan_id": bilan.public_id})


def _conflits_des_lignes(
    bilan: Bilan, lignes: list[dict[str, Any] | None]
) -> list[list[dict[str, Any]]]:
    """For each proposed row (None: not kept), the overlapping appointments of the bilan's
    consultant (any bilan of the organisation: their time only, nothing of another bilan) and
    the other kept rows it overlaps. Personal work clashes with nothing."""
    resultat: list[list[dict[str, Any]]] = []
    for i, ligne in enumerate(lignes):
        conflits: list[dict[str, Any]] = []
        if ligne is not None and ligne.get("type") != TypeSeance.TRAVAIL_PERSONNEL:
            debut, duree = ligne["debut"], ligne["duree_minutes"]
            fin = debut + timedelta(minutes=duree)
            for autre in creneau_conflits(
                consultant_id=bilan.consultant_id, debut=debut, duree_minutes=duree
            ):
                conflits.append(
                    {
                        "debut": autre.debut,
                        "fin": autre.debut + timedelta(minutes=autre.duree_minutes),
                        "numero": None,
                    }
                )
            for j, autre_ligne in enumerate(lignes):
                if j == i or autre_ligne is None:
                    continue
                if autre_ligne.get("type") == TypeSeance.TRAVAIL_PERSONNEL:
                    continue
                autre_fin = autre_ligne["debut"] + timedelta(minutes=autre_ligne["duree_minutes"])
                if autre_ligne["debut"] < fin and autre_fin > debut:
                    conflits.append(
                        {"debut": autre_ligne["debut"], "fin": autre_fin, "numero": j + 1}
                    )
        resultat.append(conflits)
    return resultat


def _lignes_du_formset(formset: BaseSeancePlanFormSet) -> list[dict[str, Any] | None]:
    lignes: list[dict[str, Any] | None] = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", {}) or {}
        garde = data.get("garder") and data.get("debut") and data.get("duree_minutes")
        lignes.append(data if garde else None)
    return lignes


@staff_required
@require_http_methods(["GET", "POST"])
def bilan_calendrier(request: StaffRequest, bilan_id: UUID) -> HttpResponse:
    """The calendar a programme proposes for the bilan (working days, French holidays), to edit
    and plan as séances within the 24 hours. Clashes with the consultant's other séances are
    shown before anything is planned ("Vérifier"), and planning over a clash needs an explicit
    choice. The place and video link are asked once."""
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
    lieu_form = CalendrierLieuForm(request.POST if request.method == "POST" else None)
    formset = None
    proposition: list[dict[str, Any]] = []
    conflits: list[list[dict[str, Any]]] = []
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
                conflits = _conflits_des_lignes(bilan, _lignes_du_formset(formset))
                a_des_conflits = any(conflits)
                seances = formset.seances()
                modalites = {
                    str(s["modalite"]) for s in seances if s["type"] != TypeSeance.TRAVAIL_PERSONNEL
                }
                if request.POST.get("action") == "verifier":
                    lieu_form = CalendrierLieuForm(request.POST)
                    lieu_form.is_valid()
                    if a_des_conflits:
                        messages.warning(
                            request,
                            _(
                                "Des séances proposées chevauchent d'autres séances : "
                                "décalez-les ou confirmez avant de planifier."
                            ),
                        )
                    else:
                        messages.info(request, _("Aucun chevauchement : vous pouvez planifier."))
                elif not lieu_form.verifier(modalites=modalites):
                    status = 400
                elif a_des_conflits and not lieu_form.cleaned_data["accepter_chevauchements"]:
                    lieu_form.add_error(
                        "accepter_chevauchements",
                        _(
                            "Des séances proposées chevauchent d'autres séances (voir le "
                            "tableau) : décalez-les, ou cochez cette case pour planifier "
                            "malgré tout."
                        ),
                    )
                    status = 400
                else:
                    try:
                        creees = seances_planifier_depuis_programme(
                            bilan=bilan,
                            seances=seances,
                            lieu=lieu_form.cleaned_data["lieu"],
                            lien_visio=lieu_form.cleaned_data["lien_visio"],
                        )
                    except ValidationError as exc:
                        formset.non_form_errors().extend(exc.messages)
                        status = 400
                    else:
                        messages.success(
                            request,
                            ngettext(
                                "%(n)s séance planifiée pour le bilan %(numero)s.",
                                "%(n)s séances planifiées pour le bilan %(numero)s.",
                                len(creees),
                            )
                            % {"n": len(creees), "numero": bilan.numero},
                        )
                        return redirect(_url_apres_planification(bilan))
            else:
                status = 400
        else:
            modalite = seance_modalite_par_defaut(bilan=bilan)
            initiales = [
                {
                    "garder": True,
                    "debut": timezone.localtime(p["debut"]),
                    "duree_minutes": p["duree_minutes"],
                    "type": p["type"],
                    "phase": p["phase"],
                    "intitule": p["intitule"],
                    "modalite": Seance.Modalite.AUTONOMIE
                    if p["type"] == TypeSeance.TRAVAIL_PERSONNEL
                    else modalite,
                }
                for p in proposition
            ]
            formset = SeancePlanFormSet(prefix="seances", initial=initiales)
            conflits = _conflits_des_lignes(bilan, list(initiales))
        if proposition:
            fin = timezone.localtime(proposition[-1]["debut"]).date()
            suivi = date_suivi(fin=fin, mois=programme.suivi_mois)
    elif choix.is_bound:
        status = 400
    deja = bilan_minutes_comptees(bilan=bilan)
    lignes = []
    if formset is not None:
        decalages = {p["ordre"]: p["decale"] for p in proposition}
        lignes = [
            (i, form, decalages.get(i, False), conflits[i - 1] if i <= len(conflits) else [])
            for i, form in enumerate(formset.forms, 1)
        ]
    return render(
        request,
        "programmes/calendrier.html",
        {
            "bilan": bilan,
            "choix": choix,
            "formset": formset,
            "lieu_form": lieu_form,
            "lignes": lignes,
            "nb_conflits": sum(1 for c in conflits if c),
            "programme": programme,
            "suivi": suivi,
            "deja": duree_fr(minutes=deja),
            "reste": duree_fr(minutes=max(BUDGET_MINUTES - deja, 0)),
            "peut_planifier": peut_planifier,
            "a_des_programmes": Programme.objects.exists(),
        },
        status=status,
    )
