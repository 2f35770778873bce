"""Programme pages (staff): the organisation's programmes and the built-in catalogue, a
programme's detail and edition, and the calendar proposal of a bilan.

Every member reads; admins and consultants copy and edit; a bilan is planned by an admin or a
consultant assigned to it.
"""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beneficiaires import acces
from beneficiaires import programmes as catalogue
from beneficiaires.forms.programmes import (
    CalendrierChoixForm,
    EtapeFormSet,
    ProgrammeForm,
    SeancePlanFormSet,
)
from beneficiaires.models import Programme, ProgrammeEtape, TypeSeance
from beneficiaires.selectors import bilan_get
from beneficiaires.services import programmes as services
from bilan.core.models import Role
from bilan.core.permissions import role_required, staff_required
from bilan.core.tenancy import get_for_organisation

EDITEURS = (Role.ADMIN, Role.CONSULTANT)


def _peut_modifier(request) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role in EDITEURS


def _programme_get(request, programme_id) -> Programme:
    return get_for_organisation(
        Programme, organisation=request.organisation, public_id=programme_id
    )


def _messages_de(exc: ValidationError) -> list[str]:
    return list(exc.messages)


@staff_required
@require_http_methods(["GET", "POST"])
def programme_list(request):
    status = 200
    if request.method == "POST":
        if not _peut_modifier(request):
            raise PermissionDenied(_("Votre rôle ne permet pas cette action."))
        try:
            programme = services.programme_copier_modele(
                organisation=request.organisation, slug=request.POST.get("modele", "")
            )
        except ValidationError as exc:
            for message in _messages_de(exc):
                messages.error(request, message)
            status = 400
        else:
            messages.success(
                request, _("« %(nom)s » est copié dans votre organisme.") % {"nom": programme.nom}
            )
            return redirect("programmes:detail", programme_id=programme.public_id)
    programmes = Programme.objects.annotate(nb_etapes=Count("etapes")).order_by("nom")
    return render(
        request,
        "programmes/list.html",
        {
            "programmes": programmes,
            "modeles": catalogue.MODELES,
            "peut_modifier": _peut_modifier(request),
        },
        status=status,
    )


def _repartition(etapes) -> dict:
    """Minutes by phase and by kind (accompaniment / guided personal work)."""
    accompagnement = TypeSeance.accompagnement()
    lignes = []
    for phase in catalogue.ORDRE_PHASES:
        de_la_phase = [e for e in etapes if e.phase == phase]
        acc = sum(e.duree_minutes for e in de_la_phase if e.type in accompagnement)
        tp = sum(e.duree_minutes for e in de_la_phase if e.type == TypeSeance.TRAVAIL_PERSONNEL)
        lignes.append(
            {
                "phase": phase.label,
                "accompagnement": catalogue.format_duree(acc),
                "travail_personnel": catalogue.format_duree(tp),
                "total": catalogue.format_duree(acc + tp),
            }
        )
    par_type = [
        {
            "type": t.label,
            "nombre": sum(1 for e in etapes if e.type == t),
            "duree": catalogue.format_duree(sum(e.duree_minutes for e in etapes if e.type == t)),
        }
        for t in TypeSeance
    ]
    acc = sum(e.duree_minutes for e in etapes if e.type in accompagnement)
    tp = sum(e.duree_minutes for e in etapes if e.type == TypeSeance.TRAVAIL_PERSONNEL)
    return {
        "par_phase": lignes,
        "par_type": [t for t in par_type if t["nombre"]],
        "accompagnement": catalogue.format_duree(acc),
        "travail_personnel": catalogue.format_duree(tp),
        "total": catalogue.format_duree(acc + tp),
        "reste": catalogue.format_duree(max(catalogue.HEURES_MAX_MINUTES - acc - tp, 0)),
    }


@staff_required
def programme_detail(request, programme_id):
    programme = _programme_get(request, programme_id)
    etapes = list(ProgrammeEtape.objects.filter(programme=programme).order_by("ordre"))
    return render(
        request,
        "programmes/detail.html",
        {
            "programme": programme,
            "etapes": etapes,
            "repartition": _repartition(etapes),
            "peut_modifier": _peut_modifier(request),
        },
    )


@role_required(*EDITEURS)
@require_http_methods(["GET", "POST"])
def programme_modifier(request, programme_id):
    programme = _programme_get(request, programme_id)
    if request.method == "POST":
        form = ProgrammeForm(request.POST, programme=programme)
        formset = EtapeFormSet(request.POST, prefix="etapes")
        if form.is_valid() and formset.is_valid():
            try:
                services.programme_modifier(
                    programme=programme, etapes=formset.etapes(), **form.cleaned_data
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for champ, erreurs in exc.error_dict.items():
                        form.add_error(champ if champ in form.fields else None, erreurs)
                else:
                    formset._non_form_errors = formset.error_class(
                        exc.messages, error_class="nonform", renderer=formset.renderer
                    )
            else:
                messages.success(request, _("Programme enregistré."))
                return redirect("programmes:detail", programme_id=programme.public_id)
    else:
        form = ProgrammeForm(programme=programme)
        formset = EtapeFormSet(
            prefix="etapes",
            initial=[
                {**e, "ORDER": i}
                for i, e in enumerate(services.programme_etapes_dicts(programme=programme), 1)
            ],
        )
    en_erreur = request.method == "POST"
    return render(
        request,
        "programmes/form.html",
        {"programme": programme, "form": form, "formset": formset},
        status=400 if en_erreur else 200,
    )


def _url_apres_planification(bilan) -> str:
    try:
        return reverse("bilans:detail", kwargs={"bilan_id": bilan.public_id})
    except NoReverseMatch:
        return reverse("programmes:calendrier", kwargs={"bilan_id": bilan.public_id})


@staff_required
@require_http_methods(["GET", "POST"])
def bilan_calendrier(request, bilan_id):
    bilan = bilan_get(organisation=request.organisation, public_id=bilan_id)
    peut_planifier = acces.exiger_bilan(membership=request.membership, bilan=bilan).accompagner
    if request.method == "POST" and not peut_planifier:
        raise PermissionDenied(_("Votre rôle ne permet pas de planifier ce bilan."))
    source = request.POST if request.method == "POST" else request.GET
    demain = catalogue.prochain_jour_ouvre(timezone.localdate() + timedelta(days=1))
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
        proposition = services.programme_proposer_calendrier(
            programme=programme, debut=choix.cleaned_data["debut"]
        )
        if request.method == "POST":
            formset = SeancePlanFormSet(request.POST, prefix="seances")
            if formset.is_valid():
                try:
                    creees = services.bilan_planifier(bilan=bilan, seances=formset.seances())
                except ValidationError as exc:
                    formset._non_form_errors = formset.error_class(
                        exc.messages, error_class="nonform", renderer=formset.renderer
                    )
                else:
                    messages.success(
                        request,
                        _("%(n)s séance(s) planifiée(s) pour le bilan %(numero)s.")
                        % {"n": len(creees), "numero": bilan.numero},
                    )
                    return redirect(_url_apres_planification(bilan))
            status = 400
        else:
            modalite = services._modalite_par_defaut(bilan)
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
            suivi = catalogue.date_suivi(fin, programme.suivi_mois)
    elif choix.is_bound:
        status = 400
    deja = services.bilan_minutes_planifiees(bilan=bilan)
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
            "deja": catalogue.format_duree(deja),
            "reste": catalogue.format_duree(max(catalogue.HEURES_MAX_MINUTES - deja, 0)),
            "peut_planifier": peut_planifier,
            "jours_feries": catalogue.JOURS_FERIES_DISPONIBLES,
            "a_des_programmes": Programme.objects.exists(),
        },
        status=status,
    )
