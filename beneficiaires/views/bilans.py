"""Staff pages of the dossier: list, opening, the dossier at a glance, lifecycle actions."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import acces, selectors
from beneficiaires.financement import retractation_fin
from beneficiaires.forms.beneficiaires import (
    BILAN_FIELDS,
    BilanForm,
    RetractationForm,
    consultants_of,
)
from beneficiaires.models import Financement, Phase, StatutBilan
from beneficiaires.services import bilans as services_bilans
from beneficiaires.services.bilans import DossierBilan
from bilan.core.audit import TypeObjet, audit_record
from bilan.core.exports import csv_reponse
from bilan.core.form_errors import add_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import AuditEvent, Role
from bilan.core.permissions import role_required, staff_required

# Journal: kind and id only (bilan.core.audit).
LISTE_BILANS = TypeObjet("liste_bilans", gettext_lazy("Export CSV des bilans"))


def _filters(request: StaffRequest):
    """The list's filters from the query string; a consultant sees their own by default."""
    is_admin = request.membership.role == Role.ADMIN
    consultant_param = request.GET.get("consultant", "" if is_admin else "moi")
    consultant = None
    if consultant_param == "moi":
        consultant = request.user
    elif consultant_param:
        consultant = consultants_of(request.organisation).filter(public_id=consultant_param).first()
    return {
        "search": request.GET.get("q", "").strip(),
        "statut": request.GET.get("statut", "")
        if request.GET.get("statut") in StatutBilan.values
        else "",
        "phase": request.GET.get("phase", "") if request.GET.get("phase") in Phase.values else "",
        "financement": request.GET.get("financement", "")
        if request.GET.get("financement") in Financement.values
        else "",
        "consultant": consultant,
        "debut_apres": request.GET.get("debut_apres") or None,
        "debut_avant": request.GET.get("debut_avant") or None,
        "visibles": acces.bilans_visibles(membership=request.membership),
    }, consultant_param


@staff_required
def bilan_list(request: StaffRequest) -> HttpResponse:
    filters, consultant_param = _filters(request)
    try:
        bilans = selectors.bilans_lister(**filters)
        page = Paginator(bilans, 25).get_page(request.GET.get("page"))
    except ValidationError:  # a malformed date in the query string
        messages.error(request, _("Les dates de filtre sont invalides (format AAAA-MM-JJ)."))
        return redirect("bilans:list")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "bilans/list.html",
        {
            "page": page,
            "filters": filters,
            "consultant_param": consultant_param,
            "consultants": consultants_of(request.organisation),
            "statuts": StatutBilan.choices,
            "phases": Phase.choices,
            "financements": Financement.choices,
            "query": query.urlencode(),
        },
    )


@role_required(Role.ADMIN)
def bilan_export(request: StaffRequest) -> HttpResponse:
    """CSV of the filtered list (identity and administrative data only, no bilan content)."""
    filters, _param = _filters(request)
    bilans = selectors.bilans_lister(**filters)
    lignes = [
        [
            bilan.numero,
            str(bilan.beneficiaire),
            bilan.beneficiaire.email,
            str(bilan.consultant),
            bilan.get_statut_display(),
            bilan.get_phase_display(),
            bilan.get_financement_display(),
            bilan.date_debut_prevue or "",
            bilan.date_fin_prevue or "",
            f"{bilan.heures_prevues:g}",
        ]
        for bilan in bilans
    ]
    audit_record(
        request=request,
        action=AuditEvent.Action.EXPORT,
        objet=LISTE_BILANS,
        object_id=request.organisation.public_id,
    )
    return csv_reponse(
        nom_fichier="bilans.csv",
        entetes=[
            "numero",
            "beneficiaire",
            "courriel",
            "consultant",
            "statut",
            "phase",
            "financement",
            "debut_prevu",
            "fin_prevue",
            "heures_prevues",
        ],
        lignes=lignes,
    )


@staff_required
def bilan_create(request: StaffRequest, beneficiaire_id: uuid.UUID) -> HttpResponse:
    beneficiaire = selectors.beneficiaire_obtenir(
        organisation=request.organisation, public_id=beneficiaire_id
    )
    acces.exiger_beneficiaire(
        membership=request.membership, beneficiaire=beneficiaire, droit=acces.Droit.ADMINISTRER
    )
    initial = {"consultant": beneficiaire.consultant_id or request.user.pk}
    data = request.POST if request.method == "POST" else None
    form = BilanForm(data, initial=initial, organisation=request.organisation)
    if data is not None and form.is_valid():
        try:
            bilan = services_bilans.bilan_ouvrir(
                beneficiaire=beneficiaire,
                par=request.user,
                dossier=_dossier(form),
                modele=form.cleaned_data.get("modele") or "",
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Bilan %(n)s ouvert.") % {"n": bilan.numero})
            if bilan.programme_id:
                # Opened from a programme: go straight to its proposed (editable) calendar.
                return redirect("programmes:calendrier", bilan_id=bilan.public_id)
            return redirect("bilans:detail", bilan_id=bilan.public_id)
    return render(
        request,
        "bilans/form.html",
        {"form": form, "beneficiaire": beneficiaire},
        status=400 if form.errors else 200,
    )


def _dossier(form: BilanForm) -> DossierBilan:
    data = {k: form.cleaned_data[k] for k in BILAN_FIELDS}
    data["consultants_associes"] = list(data["consultants_associes"])
    return DossierBilan(**data)


@staff_required
def bilan_edit(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    bilan = selectors.bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=acces.Droit.ADMINISTRER)
    data = request.POST if request.method == "POST" else None
    form = BilanForm(data, instance=bilan, organisation=request.organisation)
    if data is not None and form.is_valid():
        try:
            services_bilans.bilan_modifier(bilan=bilan, dossier=_dossier(form))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Bilan mis à jour."))
            return redirect("bilans:detail", bilan_id=bilan.public_id)
    return render(
        request,
        "bilans/form.html",
        {"form": form, "bilan": bilan, "beneficiaire": bilan.beneficiaire},
        status=400 if form.errors else 200,
    )


@staff_required
def contrat_retracter(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """Record the beneficiary's withdrawal from a self-funded contract (L6353-5)."""
    bilan = selectors.bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=acces.Droit.ADMINISTRER)
    signe_le = selectors.contrat_date_signature(bilan=bilan)
    form = RetractationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services_bilans.contrat_retracter(
                bilan=bilan,
                le=form.cleaned_data["le"],
                motif=form.cleaned_data["motif"],
                par=request.user,
                contrat_signe_le=signe_le,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("Rétractation enregistrée : le contrat est annulé et le bilan terminé.")
            )
            return redirect("bilans:detail", bilan_id=bilan.public_id)
    return render(
        request,
        "bilans/retractation.html",
        {
            "form": form,
            "bilan": bilan,
            "signe_le": signe_le,
            "fin": retractation_fin(contrat_signe_le=signe_le) if signe_le else None,
        },
        status=400 if form.errors else 200,
    )
