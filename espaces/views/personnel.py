"""Staff pages that gather every app: the home and the dossier page (status, phase, hours of
24, séances, documents, financing, reminders, payments, lifecycle actions)."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from beneficiaires import acces
from beneficiaires import financement as fin
from beneficiaires import selectors as beneficiaires_selectors
from beneficiaires.conventions import type_document
from beneficiaires.cycle import TERMINAUX
from beneficiaires.forms.beneficiaires import PaiementForm
from beneficiaires.models import Bilan, CauseAbandon, Financement, Phase, StatutBilan
from beneficiaires.selectors import bilan_documents_lister, contrat_date_signature
from beneficiaires.services import bilans as services_bilans
from beneficiaires.services.financement import paiement_enregistrer
from bilan.core import selectors
from bilan.core.form_errors import Manque, RefusAvecLiens, add_errors, flash_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import Role, SignatureRole
from bilan.core.permissions import staff_required
from espaces import charts
from espaces import selectors as espaces_selectors
from exploration.selectors import pistes as exploration_selectors
from exploration.selectors import questionnaires as questionnaires_selectors
from relances.selectors import bilan_relances_lister
from seances.models import Seance
from seances.selectors import seances as seances_selectors
from seances.selectors import suivi as suivi_selectors
from seances.selectors import travail as travail_selectors
from seances.services import phases
from syntheses import selectors as syntheses_selectors
from syntheses.services import cloture


@staff_required
def dashboard(request: StaffRequest) -> HttpResponse:
    """The cockpit: the member's day and week, what is waiting for them (each item a link to
    where it is done) and their own dossiers; administrators also see the organisation's
    dossiers, the team's load, the week's legal deadlines and the outbox, as charts with a
    table alternative."""
    organisation = request.organisation
    maintenant = timezone.now()
    est_admin = request.membership.role == Role.ADMIN
    cockpit = espaces_selectors.cockpit_consultant(
        membership=request.membership, maintenant=maintenant
    )
    admin: dict = {}
    if est_admin:
        admin = espaces_selectors.cockpit_admin(organisation=organisation, maintenant=maintenant)
        admin["graphe_statuts"] = charts.barres_svg(
            identifiant="g-statuts",
            titre=_("Dossiers par statut"),
            series=[s for s in admin["par_statut"] if s[1]] or admin["par_statut"][:1],
        )
        admin["graphe_phases"] = charts.barres_svg(
            identifiant="g-phases", titre=_("Bilans en cours par phase"), series=admin["par_phase"]
        )
        admin["graphe_equipe"] = charts.barres_svg(
            identifiant="g-equipe",
            titre=_("Heures comptées par consultant·e (dossiers ouverts)"),
            series=[(m["nom"], m["heures"]) for m in admin["equipe"]],
        )
    return render(
        request,
        "app/dashboard.html",
        {
            "cockpit": cockpit,
            "admin": admin,
            "est_admin": est_admin,
            "memberships": selectors.membres_du_compte(user=request.user),
            # Rule 25: the admins see the certificate's deadlines where they land.
            "qualiopi_alertes": selectors.qualiopi_alertes(
                organisation=organisation, aujourdhui=timezone.localdate()
            )
            if est_admin
            else [],
        },
    )


@staff_required
def bilan_detail(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """The dossier at a glance: status, phase, hours of 24, next séance, what is missing.
    Administrative data only: seen by every member with need-to-know (``acces``)."""
    bilan = _bilan(request, bilan_id, acces.Droit.VOIR)
    return _detail_page(request, bilan)


def _bilan(request: StaffRequest, bilan_id: uuid.UUID, droit: acces.Droit) -> Bilan:
    """The bilan named in the URL: 404 elsewhere or outside need-to-know, 403 without
    ``droit``."""
    bilan = beneficiaires_selectors.bilan_obtenir(
        organisation=request.organisation, public_id=bilan_id
    )
    acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=droit)
    return bilan


def _manques(bilan: Bilan) -> list[Manque]:
    """What the dossier page lists as missing before the next step, each with its link."""
    aujourdhui = timezone.localdate()
    if bilan.statut in {StatutBilan.DEMANDE, StatutBilan.PREALABLE_REALISE}:
        return services_bilans.bilan_manques_confirmation(bilan=bilan, aujourdhui=aujourdhui)
    if bilan.statut == StatutBilan.ATTENTE:
        return services_bilans.bilan_manques_demarrage(bilan=bilan, aujourdhui=aujourdhui)
    if bilan.statut == StatutBilan.SYNTHESE_REMISE or (
        bilan.statut == StatutBilan.EN_COURS and bilan.phase == Phase.CONCLUSION
    ):
        return syntheses_selectors.bilan_manques_cloture(
            bilan=bilan, fin=aujourdhui, aujourdhui=aujourdhui
        )
    return []


def _prochaine_etape(bilan: Bilan, manques: list[Manque]) -> str:
    """The header's "next step": meet the missing conditions (listed once, below, with their
    links) when there are some, else what the status calls for."""
    if manques:
        return ngettext(
            "Lever la condition qui manque.",
            "Lever les %(n)d conditions qui manquent.",
            len(manques),
        ) % {"n": len(manques)}
    par_statut: dict[str, str] = {
        StatutBilan.DEMANDE: _("Confirmer le bilan après l'entretien préalable."),
        StatutBilan.PREALABLE_REALISE: _("Confirmer le bilan."),
        StatutBilan.ATTENTE: _("Démarrer le bilan."),
        StatutBilan.SYNTHESE_REMISE: _("Clore le bilan."),
    }
    par_phase: dict[str, str] = {
        Phase.PRELIMINAIRE: _("Définir les objectifs, puis passer à l'investigation."),
        Phase.INVESTIGATION: _("Mener l'investigation, puis passer à la conclusion."),
        Phase.CONCLUSION: _("Rédiger, faire valider et remettre la synthèse."),
    }
    termine = _("Aucune : le bilan est terminé.")
    if bilan.statut == StatutBilan.EN_COURS:
        return par_phase.get(bilan.phase, termine)
    return par_statut.get(bilan.statut, termine)


def _detail_page(request: StaffRequest, bilan, *, paiement_form=None, status=200):
    """The dossier as a workspace: a header (beneficiary, route, phase, hours bar, next step),
    sections reached by anchors (no JavaScript needed) and a timeline; a constant number of
    queries whatever the number of séances, documents or events."""
    aujourdhui = timezone.localdate()
    manques = _manques(bilan)
    acces_bilan = acces.acces_bilan(membership=request.membership, bilan=bilan)
    heures = seances_selectors.bilan_budget(bilan=bilan)
    seances = list(Seance.objects.filter(bilan=bilan).order_by("debut"))
    evenements = list(bilan.evenements.select_related("par"))
    documents = _documents_avec_signatures(bilan)
    consignes = travail_selectors.consignes_du_bilan(bilan=bilan)
    # Questionnaire states are bilan content: read only by whom may read it (rule 11).
    passations = (
        questionnaires_selectors.passations_du_bilan(bilan=bilan)
        if acces_bilan.lire_confidentiel
        else None
    )
    return render(
        request,
        "bilans/detail.html",
        {
            "bilan": bilan,
            "acces": acces_bilan,
            "heures": heures,
            "barre_heures": charts.heures_svg(
                identifiant="h-dossier",
                accompagnement=heures["accompagnement"],
                travail=heures["travail_personnel"],
            ),
            "prochaine": seances_selectors.bilan_prochaine_seance(bilan=bilan),
            "prochaine_etape": _prochaine_etape(bilan, manques),
            "seances": seances,
            "manques": manques,
            "aujourdhui": aujourdhui,
            "evenements": evenements,
            "documents": documents,
            "consignes": consignes,
            "passations": passations,
            "synthese": syntheses_selectors.bilan_synthese_obtenir(bilan=bilan),
            "suivi": suivi_selectors.suivi_du_bilan(bilan=bilan),
            # Pistes and enquêtes métier: confidential, only with lire_confidentiel.
            "exploration": exploration_selectors.bilan_exploration_resume(bilan=bilan)
            if acces_bilan.lire_confidentiel
            else None,
            "chronologie": espaces_selectors.bilan_chronologie(
                evenements=evenements, seances=seances, documents=documents, consignes=consignes
            ),
            "type_document": type_document(bilan=bilan),
            "fin_reflexion": services_bilans.bilan_fin_reflexion(bilan=bilan),
            "phases": Phase.choices,
            "causes_abandon": CauseAbandon.choices,
            "terminal": bilan.statut in TERMINAUX,
            "financement": _financement_infos(bilan),
            "relances": bilan_relances_lister(bilan_id=bilan.pk),
            "paiements": bilan.paiements.all(),
            "paiement_form": paiement_form or PaiementForm(initial={"le": aujourdhui}),
        },
        status=status,
    )


def _documents_avec_signatures(bilan) -> list:
    """The bilan's documents, each with one line per required signature: the role's French
    label (never its code) and the signature when given."""
    documents = list(bilan_documents_lister(bilan=bilan))
    for doc in documents:
        signatures = {s.role: s for s in doc.signatures.all()}
        doc.lignes_signatures = [  # type: ignore[attr-defined]  # read by the template
            {"libelle": SignatureRole(role).label, "signature": signatures.get(role)}
            for role in doc.required_roles
        ]
        # Offered only while the organisation's signature is missing (signing twice failed).
        doc.organisme_a_signer = (  # type: ignore[attr-defined]  # read by the template
            SignatureRole.ORGANISME in doc.required_roles
            and SignatureRole.ORGANISME not in signatures
        )
    return documents


def _financement_infos(bilan) -> dict:
    """What the route means for this dossier: CPF amounts and declaration deadlines,
    self-funded withdrawal period and first-payment ceiling."""

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
        signe_le = contrat_date_signature(bilan=bilan)
        infos["contrat_signe_le"] = signe_le
        if signe_le:
            infos["retractation_fin"] = fin.retractation_fin(contrat_signe_le=signe_le)
            if bilan.prix_ttc:
                infos["echeancier"] = fin.echeancier_propose(
                    prix=bilan.prix_ttc, contrat_signe_le=signe_le
                )
            infos["retractation_possible"] = (
                bilan.statut not in TERMINAUX and timezone.localdate() <= infos["retractation_fin"]
            )
        if bilan.prix_ttc:
            infos["premier_paiement_max"] = fin.premier_paiement_maximum(prix=bilan.prix_ttc)
    if (
        bilan.financement in {Financement.PLAN_EMPLOYEUR, Financement.CONGE_RECLASSEMENT}
        and bilan.convention_transmise_le
        and bilan.statut not in TERMINAUX
        # Once the employee has signed, the R6313-8 deadline no longer applies.
        and not beneficiaires_selectors.convention_est_signee_par(
            bilan=bilan, role=SignatureRole.BENEFICIAIRE
        )
    ):
        infos["convention_date_limite"] = fin.convention_date_limite(
            transmise_le=bilan.convention_transmise_le
        )
    return infos


@require_POST
@staff_required
def paiement_create(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """Record a payment of a self-funded bilan; the rules (L6353-6) refuse it with a message."""

    bilan = _bilan(request, bilan_id, acces.Droit.ADMINISTRER)
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
            contrat_signe_le=contrat_date_signature(bilan=bilan),
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
}


@require_POST
@staff_required
def bilan_action(request: StaffRequest, bilan_id: uuid.UUID, action) -> HttpResponse:
    bilan = _bilan(request, bilan_id, acces.Droit.ADMINISTRER)
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
            fin = parse_date(request.POST.get("fin", "") or "")
            for warning in cloture.bilan_clore(bilan=bilan, par=request.user, fin=fin):
                messages.warning(request, warning)
            messages.success(
                request,
                _(
                    "Bilan clos. L'entretien de suivi et les questionnaires de satisfaction "
                    "sont planifiés."
                ),
            )
        elif action == "abandonner":
            services_bilans.bilan_abandonner(
                bilan=bilan,
                cause=request.POST.get("cause", ""),
                motif=motif,
                par=request.user,
            )
            messages.success(request, _("Abandon enregistré."))
        elif action == "refuser":
            services_bilans.bilan_refuser(bilan=bilan, motif=motif, par=request.user)
            messages.success(request, _("Refus enregistré."))
        else:
            raise PermissionDenied
    except RefusAvecLiens as exc:
        # The dossier page lists what is missing, with links: flash only what it does not
        # show (e.g. the end date typed in the closing form), so nothing reads twice.
        listes = {m.message for m in _manques(bilan)}
        nouveaux = [m for m in exc.manques if m.message not in listes]
        if len(nouveaux) < len(exc.manques):
            messages.error(
                request, _("Pas encore possible : ce qui manque est listé sur le dossier.")
            )
        if nouveaux:
            flash_errors(request, RefusAvecLiens(nouveaux))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("bilans:detail", bilan_id=bilan.public_id)
