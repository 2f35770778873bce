"""Staff pages of the dossier: list, opening, the dossier at a glance, lifecycle actions."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires import selectors
from beneficiaires.forms.beneficiaires import BILAN_FIELDS, BilanForm, PaiementForm, consultants_of
from beneficiaires.models import Financement, Phase, StatutBilan
from beneficiaires.services import bilans as services_bilans
from bilan.core.audit import audit_record
from bilan.core.form_errors import add_errors, flash_errors
from bilan.core.models import AuditEvent, Role
from bilan.core.permissions import role_required, staff_required
from relances.selectors import relances_du_bilan
from seances import selectors as seances_selectors
from seances.services import phases


def _filters(request):
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
    }, consultant_param


@staff_required
def bilan_list(request):
    filters, consultant_param = _filters(request)
    try:
        bilans = selectors.bilan_list(**filters)
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
def bilan_export(request):
    """CSV of the filtered list (identity and administrative data only, no bilan content)."""
    filters, _param = _filters(request)
    bilans = selectors.bilan_list(**filters)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
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
        ]
    )
    for bilan in bilans:
        writer.writerow(
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
        )
    audit_record(
        request=request,
        action=AuditEvent.Action.EXPORT,
        object_type="liste_bilans",
        object_id=request.organisation.public_id,
        object_label=_("Export CSV de %(n)s bilans") % {"n": bilans.count()},
    )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bilans.csv"'
    return response


@staff_required
def bilan_create(request, beneficiaire_id):
    beneficiaire = selectors.beneficiaire_get(
        organisation=request.organisation, public_id=beneficiaire_id
    )
    initial = {"consultant": beneficiaire.consultant_id or request.user.pk}
    data = request.POST if request.method == "POST" else None
    form = BilanForm(data, initial=initial, organisation=request.organisation)
    if data is not None and form.is_valid():
        try:
            bilan = services_bilans.bilan_ouvrir(
                beneficiaire=beneficiaire,
                par=request.user,
                **{k: form.cleaned_data[k] for k in BILAN_FIELDS},
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


@staff_required
def bilan_edit(request, bilan_id):
    bilan = selectors.bilan_get(organisation=request.organisation, public_id=bilan_id)
    data = request.POST if request.method == "POST" else None
    form = BilanForm(data, instance=bilan, organisation=request.organisation)
    if data is not None and form.is_valid():
        try:
            services_bilans.bilan_modifier(
                bilan=bilan, **{k: form.cleaned_data[k] for k in BILAN_FIELDS}
            )
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
def bilan_detail(request, bilan_id):
    """The dossier at a glance: status, phase, hours of 24, next séance, what is missing."""
    bilan = selectors.bilan_get(organisation=request.organisation, public_id=bilan_id)
    return _detail_page(request, bilan)


def _detail_page(request, bilan, *, paiement_form=None, status=200):
    from beneficiaires.services.conventions import documents_du_bilan, type_document
    from seances.models import Seance

    aujourdhui = timezone.localdate()
    if bilan.statut in {StatutBilan.DEMANDE, StatutBilan.PREALABLE_REALISE}:
        manques = services_bilans.manques_confirmation(bilan, aujourdhui=aujourdhui)
    elif bilan.statut == StatutBilan.ATTENTE:
        manques = services_bilans.manques_demarrage(bilan, aujourdhui=aujourdhui)
    else:
        manques = []
    return render(
        request,
        "bilans/detail.html",
        {
            "bilan": bilan,
            "heures": seances_selectors.budget(bilan=bilan),
            "prochaine": selectors.bilan_prochaine_seance(bilan),
            "seances": Seance.objects.filter(bilan=bilan).order_by("debut"),
            "manques": manques,
            "evenements": bilan.evenements.select_related("par"),
            "documents": documents_du_bilan(bilan),
            "type_document": type_document(bilan),
            "fin_reflexion": services_bilans.fin_reflexion(bilan),
            "phases": Phase.choices,
            "terminal": bilan.statut in services_bilans.TERMINAUX,
            "financement": _financement_infos(bilan),
            "relances": relances_du_bilan(bilan=bilan),
            "paiements": bilan.paiements.all(),
            "paiement_form": paiement_form or PaiementForm(initial={"le": aujourdhui}),
        },
        status=status,
    )


def _financement_infos(bilan) -> dict:
    """What the route means for this dossier: CPF amounts and declaration deadlines,
    self-funded withdrawal period and first-payment ceiling."""
    from beneficiaires import financement as fin
    from beneficiaires.services.conventions import contrat_signe_le

    infos: dict = {}
    if bilan.financement == Financement.CPF and bilan.prix_ttc:
        entree = bilan.date_debut_reelle or bilan.date_debut_prevue or timezone.localdate()
        infos["cpf"] = fin.cpf_repartition(
            prix=bilan.prix_ttc, entree_le=entree, exoneration=bilan.cpf_exoneration
        )
        infos["cpf_heures_financees"] = fin.cpf_heures_financees(
            entree_le=entree,
            heures_accompagnement=bilan.heures_accompagnement,
            heures_travail_personnel=bilan.heures_travail_personnel,
        )
        if bilan.cpf_proposition_commande_le:
            infos["cpf_debut_minimal"] = fin.cpf_date_debut_minimale(
                proposition_le=bilan.cpf_proposition_commande_le
            )
        if bilan.date_debut_reelle and not bilan.cpf_entree_declaree_le:
            infos["cpf_entree_avant"] = fin.cpf_echeance_declaration(
                evenement_le=bilan.date_debut_reelle
            )
        if bilan.date_fin_reelle and not bilan.cpf_sortie_declaree_le:
            infos["cpf_sortie_avant"] = fin.cpf_echeance_declaration(
                evenement_le=bilan.date_fin_reelle
            )
    if bilan.financement == Financement.PERSONNEL:
        signe_le = contrat_signe_le(bilan)
        infos["contrat_signe_le"] = signe_le
        if signe_le:
            infos["retractation_fin"] = fin.retractation_fin(contrat_signe_le=signe_le)
            if bilan.prix_ttc:
                infos["echeancier"] = fin.echeancier_propose(
                    prix=bilan.prix_ttc,
                    contrat_signe_le=signe_le,
                    fin_prevue=bilan.date_fin_prevue,
                )
        if bilan.prix_ttc:
            infos["premier_paiement_max"] = fin.premier_paiement_maximum(prix=bilan.prix_ttc)
    if (
        bilan.financement in {Financement.PLAN_EMPLOYEUR, Financement.CONGE_RECLASSEMENT}
        and bilan.convention_transmise_le
    ):
        infos["convention_date_limite"] = fin.convention_date_limite(
            transmise_le=bilan.convention_transmise_le
        )
    return infos


@require_POST
@staff_required
def paiement_create(request, bilan_id):
    """Record a payment of a self-funded bilan; the rules (L6353-6) refuse it with a message."""
    from beneficiaires.services.conventions import contrat_signe_le
    from beneficiaires.services.financement import paiement_enregistrer

    bilan = selectors.bilan_get(organisation=request.organisation, public_id=bilan_id)
    form = PaiementForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, bilan, paiement_form=form, status=400)
    try:
        paiement_enregistrer(
            bilan=bilan,
            montant=form.cleaned_data["montant"],
            le=form.cleaned_data["le"],
            mode=form.cleaned_data["mode"],
            par=request.user,
            contrat_signe_le=contrat_signe_le(bilan),
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return _detail_page(request, bilan, paiement_form=form, status=400)
    messages.success(request, _("Paiement enregistré."))
    return redirect("bilans:detail", bilan_id=bilan.public_id)


ACTIONS = {
    "confirmer": (
        services_bilans.bilan_confirmer,
        _("Bilan confirmé : en attente de financement et de signature."),
    ),
    "demarrer": (services_bilans.bilan_demarrer, _("Le bilan a commencé : phase préliminaire.")),
    "remettre": (phases.bilan_remettre_synthese, _("Remise de la synthèse enregistrée.")),
}


@require_POST
@staff_required
def bilan_action(request, bilan_id, action):
    bilan = selectors.bilan_get(organisation=request.organisation, public_id=bilan_id)
    motif = request.POST.get("motif", "")
    try:
        if action in ACTIONS:
            service, success = ACTIONS[action]
            service(bilan=bilan, par=request.user)
            messages.success(request, success)
        elif action == "phase":
            phases.bilan_changer_phase(
                bilan=bilan, vers=request.POST.get("vers", ""), motif=motif, par=request.user
            )
            messages.success(request, _("Phase mise à jour."))
        elif action == "clore":
            for warning in phases.bilan_clore(bilan=bilan, par=request.user):
                messages.warning(request, warning)
            messages.success(request, _("Bilan clos."))
        elif action == "abandonner":
            services_bilans.bilan_abandonner(bilan=bilan, motif=motif, par=request.user)
            messages.success(request, _("Abandon enregistré."))
        elif action == "refuser":
            services_bilans.bilan_refuser(bilan=bilan, motif=motif, par=request.user)
            messages.success(request, _("Refus enregistré."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("bilans:detail", bilan_id=bilan.public_id)
