"""Programme pages (staff): the organisation's programmes and the built-in catalogue, a
programme's detail and edition. The calendar proposal of a bilan is the séances'
(``seances.views.programmes``).

Every member reads; admins and consultants copy and edit.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beneficiaires import programmes as catalogue
from beneficiaires.budget import BUDGET_MINUTES
from beneficiaires.cycle import ORDRE_PHASES
from beneficiaires.forms.programmes import EtapeFormSet, ProgrammeForm
from beneficiaires.models import Programme, ProgrammeEtape, TypeSeance
from beneficiaires.services import programmes as services
from bilan.core.formatting import duree_fr
from bilan.core.middleware import StaffRequest
from bilan.core.models import Role
from bilan.core.permissions import role_required, staff_required
from bilan.core.tenancy import get_for_organisation

EDITEURS = (Role.ADMIN, Role.CONSULTANT)


def _peut_modifier(request: StaffRequest) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role in EDITEURS


def _programme_get(request: StaffRequest, programme_id: uuid.UUID) -> Programme:
    return get_for_organisation(
        Programme, organisation=request.organisation, public_id=programme_id
    )


def _messages_de(exc: ValidationError) -> list[str]:
    return list(exc.messages)


@staff_required
@require_http_methods(["GET", "POST"])
def programme_list(request: StaffRequest) -> HttpResponse:
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
    for phase in ORDRE_PHASES:
        de_la_phase = [e for e in etapes if e.phase == phase]
        acc = sum(e.duree_minutes for e in de_la_phase if e.type in accompagnement)
        tp = sum(e.duree_minutes for e in de_la_phase if e.type == TypeSeance.TRAVAIL_PERSONNEL)
        lignes.append(
            {
                "phase": phase.label,
                "accompagnement": duree_fr(minutes=acc),
                "travail_personnel": duree_fr(minutes=tp),
                "total": duree_fr(minutes=acc + tp),
            }
        )
    par_type = [
        {
            "type": t.label,
            "nombre": sum(1 for e in etapes if e.type == t),
            "duree": duree_fr(minutes=sum(e.duree_minutes for e in etapes if e.type == t)),
        }
        for t in TypeSeance
    ]
    acc = sum(e.duree_minutes for e in etapes if e.type in accompagnement)
    tp = sum(e.duree_minutes for e in etapes if e.type == TypeSeance.TRAVAIL_PERSONNEL)
    return {
        "par_phase": lignes,
        "par_type": [t for t in par_type if t["nombre"]],
        "accompagnement": duree_fr(minutes=acc),
        "travail_personnel": duree_fr(minutes=tp),
        "total": duree_fr(minutes=acc + tp),
        "reste": duree_fr(minutes=max(BUDGET_MINUTES - acc - tp, 0)),
    }


@staff_required
def programme_detail(request: StaffRequest, programme_id: uuid.UUID) -> HttpResponse:
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
def programme_modifier(request: StaffRequest, programme_id: uuid.UUID) -> HttpResponse:
    programme = _programme_get(request, programme_id)
    if request.method == "POST":
        form = ProgrammeForm(request.POST, programme=programme)
        formset = EtapeFormSet(request.POST, prefix="etapes")
        if form.is_valid() and formset.is_valid():
            try:
                data = form.cleaned_data
                services.programme_modifier(
                    programme=programme,
                    etapes=formset.etapes(),
                    nom=data["nom"],
                    description=data["description"],
                    suivi_mois=data["suivi_mois"],
                    suivi_mois_max=data["suivi_mois_max"],
                    delai_reflexion_jours=data["delai_reflexion_jours"],
                    suivi_duree_minutes=data["suivi_duree_minutes"],
                    actif=data["actif"],
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for champ, erreurs in exc.error_dict.items():
                        form.add_error(champ if champ in form.fields else None, erreurs)
                else:
                    formset.refuser(exc.messages)
            else:
                messages.success(request, _("Programme enregistré."))
                return redirect("programmes:detail", programme_id=programme.public_id)
    else:
        form = ProgrammeForm(programme=programme)
        formset = EtapeFormSet(
            prefix="etapes",
            initial=[
                {**e, "ORDER": i}
                for i, e in enumerate(services.programme_etapes_lister(programme=programme), 1)
            ],
        )
    en_erreur = request.method == "POST"
    return render(
        request,
        "programmes/form.html",
        {"programme": programme, "form": form, "formset": formset},
        status=400 if en_erreur else 200,
    )
