"""Pages of guided personal work (staff and portal) and of the follow-up interview (staff).

Thin views: objects are read through tenant-aware accessors (404 elsewhere), rights come from
``beneficiaires.acces`` and are checked here and again in the services (assistants see the
consignes' logistics, never a submission), writes go through ``seances.travail`` and
``seances.suivi``. Staff reads of a submission and every file download are audit-logged.
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaires import acces
from beneficiaires.models import Bilan
from beneficiaires.selectors import bilan_obtenir
from bilan.core.audit import audit_record
from bilan.core.form_errors import add_errors, flash_errors
from bilan.core.models import AuditEvent
from bilan.core.permissions import portal_required, staff_required
from seances.forms.travail import ConsigneForm, RenduForm, ResultatSuiviForm, RetourForm, SuiviForm
from seances.models import Rendu
from seances.services import suivi as suivi_services
from seances.services import travail


def _exiger(request: HttpRequest, bilan: Bilan, droit: acces.Droit) -> acces.AccesBilan:
    """404 outside need-to-know, 403 without ``droit`` (``beneficiaires.acces``)."""
    return acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=droit)


def _serve(fichier) -> HttpResponse:
    # Read inside the tenant transaction: the response must not stream after it ends.
    with fichier.fichier.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type=fichier.type_mime)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=fichier.nom_original
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _rendu(consigne) -> Rendu | None:
    return getattr(consigne, "rendu", None)


# --- Staff: guided personal work --------------------------------------------------------------


@staff_required
def bilan_travail(request, bilan_id):
    """The consignes of one bilan, and its personal-work séances still without one."""
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    droits = _exiger(request, bilan, acces.Droit.VOIR)
    return render(
        request,
        "travail/bilan.html",
        {
            "bilan": bilan,
            "lignes": travail.consignes_du_bilan(bilan=bilan),
            "sans_consigne": travail.seances_travail_sans_consigne(bilan=bilan),
            "peut_ecrire": droits.accompagner,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def consigne_edit(request, seance_id):
    """Create the consigne of a personal-work séance, or edit it while nothing is submitted."""
    seance = travail.seance_get(organisation=request.organisation, public_id=seance_id)
    _exiger(request, seance.bilan, acces.Droit.ACCOMPAGNER)
    consigne = getattr(seance, "consigne", None)
    if consigne is not None and _rendu(consigne) is not None:
        messages.info(request, _("Le travail a été rendu : la consigne ne se modifie plus."))
        return redirect("travail:consigne", consigne_id=consigne.public_id)
    if consigne is not None:
        initial = {
            "titre": consigne.titre,
            "consignes": consigne.consignes,
            "ressources": consigne.ressources,
            "echeance": consigne.echeance,
            "temps_attendu_minutes": consigne.temps_attendu_minutes,
        }
    else:
        initial = {
            "titre": seance.intitule,
            "echeance": timezone.localtime(seance.debut).date(),
            "temps_attendu_minutes": seance.duree_minutes,
        }
    form = ConsigneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if consigne is None:
                consigne = travail.consigne_creer(
                    seance=seance, par=request.user, **form.cleaned_data
                )
            else:
                travail.consigne_modifier(consigne=consigne, par=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Consigne enregistrée."))
            return redirect("travail:consigne", consigne_id=consigne.public_id)
    return render(
        request,
        "travail/consigne_form.html",
        {"form": form, "seance": seance, "consigne": consigne, "bilan": seance.bilan},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def consigne_detail(request, consigne_id):
    """Read the consigne and the submission (logged), download its files, give feedback."""
    consigne = travail.consigne_get(organisation=request.organisation, public_id=consigne_id)
    bilan = consigne.seance.bilan
    droits = _exiger(request, bilan, acces.Droit.VOIR)
    peut_ecrire = droits.accompagner
    # The submission is the beneficiary's personal work: bilan content (rule 11).
    rendu = _rendu(consigne) if droits.lire_confidentiel else None
    form = None
    if rendu is not None and rendu.retour_le is None and peut_ecrire:
        form = RetourForm(request.POST or None)
    if request.method == "POST":
        if form is None:
            if not peut_ecrire:
                raise PermissionDenied
            messages.error(request, _("Aucun travail en attente de retour."))
            return redirect("travail:consigne", consigne_id=consigne.public_id)
        if form.is_valid():
            try:
                travail.rendu_retour(
                    rendu=rendu, retour=form.cleaned_data["retour"], par=request.user
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Retour enregistré ; le travail rendu est verrouillé."))
                return redirect("travail:consigne", consigne_id=consigne.public_id)
    if droits.lire_confidentiel:
        audit_record(
            request=request,
            action=AuditEvent.Action.READ,
            object_type="travail_personnel",
            object_id=consigne.public_id,
            object_label=_("Travail personnel : %(titre)s") % {"titre": consigne.titre},
            beneficiaire=bilan.beneficiaire,
        )
    return render(
        request,
        "travail/consigne_detail.html",
        {
            "consigne": consigne,
            "bilan": bilan,
            "rendu": rendu,
            "fichiers": rendu.fichiers.order_by("created_at") if rendu else [],
            "form": form,
            "peut_ecrire": peut_ecrire,
            "lire_confidentiel": droits.lire_confidentiel,
            "etat_libelle": travail.Etat.LIBELLES[travail.etat_consigne(consigne)],
        },
    )


@staff_required
def rendu_fichier(request, consigne_id, fichier_id):
    consigne = travail.consigne_get(organisation=request.organisation, public_id=consigne_id)
    bilan = consigne.seance.bilan
    _exiger(request, bilan, acces.Droit.LIRE_CONFIDENTIEL)
    fichier = travail.rendu_fichier_get(consigne=consigne, public_id=fichier_id)
    audit_record(
        request=request,
        action=AuditEvent.Action.DOWNLOAD,
        object_type="rendu_fichier",
        object_id=fichier.public_id,
        object_label=fichier.nom_original,
        beneficiaire=bilan.beneficiaire,
    )
    return _serve(fichier)


# --- Portal: guided personal work -------------------------------------------------------------


@portal_required
def portail_liste(request):
    lignes = travail.consignes_du_beneficiaire(beneficiaire=request.portal_access.beneficiaire)
    return render(request, "portail/travail.html", {"lignes": lignes})


@portal_required
@require_http_methods(["GET", "POST"])
def portail_consigne(request, consigne_id):
    consigne = travail.consigne_get_pour_beneficiaire(
        organisation=request.organisation,
        beneficiaire=request.portal_access.beneficiaire,
        public_id=consigne_id,
    )
    rendu = _rendu(consigne)
    verrouille = rendu is not None and rendu.retour_le is not None
    deja = rendu.fichiers.count() if rendu else 0
    form = None
    if not verrouille:
        initial = (
            {"texte": rendu.texte, "temps_declare_minutes": rendu.temps_declare_minutes}
            if rendu
            else {"temps_declare_minutes": consigne.temps_attendu_minutes}
        )
        data = (request.POST, request.FILES) if request.method == "POST" else ()
        form = RenduForm(*data, initial=initial, deja=deja)
    if request.method == "POST":
        if form is None:
            messages.error(
                request,
                _("Votre consultant·e a fait son retour : le travail rendu ne peut plus changer."),
            )
            return redirect("portail_travail:consigne", consigne_id=consigne.public_id)
        if form.is_valid():
            try:
                travail.rendu_soumettre(
                    consigne=consigne,
                    texte=form.cleaned_data["texte"],
                    temps_declare_minutes=form.cleaned_data["temps_declare_minutes"],
                    fichiers=form.cleaned_data["fichiers"],
                    par_user=request.user,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Merci, votre travail est rendu."))
                return redirect("portail_travail:consigne", consigne_id=consigne.public_id)
    return render(
        request,
        "portail/travail_consigne.html",
        {
            "consigne": consigne,
            "rendu": rendu,
            "fichiers": rendu.fichiers.order_by("created_at") if rendu else [],
            "form": form,
            "verrouille": verrouille,
            "etat_libelle": travail.Etat.LIBELLES[travail.etat_consigne(consigne)],
        },
    )


@portal_required
def portail_fichier(request, consigne_id, fichier_id):
    """The beneficiary downloads a file they submitted."""
    consigne = travail.consigne_get_pour_beneficiaire(
        organisation=request.organisation,
        beneficiaire=request.portal_access.beneficiaire,
        public_id=consigne_id,
    )
    return _serve(travail.rendu_fichier_get(consigne=consigne, public_id=fichier_id))


# --- Staff: follow-up interview ---------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def bilan_suivi(request, bilan_id):
    """Show the bilan's follow-up; plan or re-plan it (date prefilled with the default)."""
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    droits = _exiger(request, bilan, acces.Droit.VOIR)
    suivi = suivi_services.suivi_du_bilan(bilan=bilan)
    termine = suivi_services.bilan_termine(bilan)
    peut_planifier = droits.organiser_suivi
    defaut = suivi_services.date_suivi_par_defaut(bilan) if termine else None
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
            "delai": request.organisation.suivi_delai_mois,
        },
    )


@staff_required
@require_POST
def suivi_resultat(request, suivi_id):
    suivi = suivi_services.suivi_get(organisation=request.organisation, public_id=suivi_id)
    _exiger(request, suivi.bilan, acces.Droit.ACCOMPAGNER)
    form = ResultatSuiviForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
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
def suivi_annuler(request, suivi_id):
    suivi = suivi_services.suivi_get(organisation=request.organisation, public_id=suivi_id)
    _exiger(request, suivi.bilan, acces.Droit.ORGANISER_SUIVI)
    try:
        suivi_services.suivi_annuler(suivi=suivi, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Entretien de suivi annulé."))
    return redirect("travail:suivi", bilan_id=suivi.bilan.public_id)


def _date_param(value, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@staff_required
def suivis_list(request):
    """Planned follow-ups of the organisation and the follow-up rate (Qualiopi ind. 2)."""
    aujourdhui = timezone.localdate()
    debut = _date_param(request.GET.get("debut"), dt.date(aujourdhui.year, 1, 1))
    fin = _date_param(request.GET.get("fin"), dt.date(aujourdhui.year, 12, 31))
    if fin < debut:
        debut, fin = fin, debut
    return render(
        request,
        "travail/suivis.html",
        {
            "suivis": suivi_services.suivis_a_venir(request.organisation).filter(
                bilan__in=acces.bilans_visibles(membership=request.membership)
            ),
            "taux": suivi_services.taux_realisation_suivi(debut=debut, fin=fin),
            "maintenant": timezone.now(),
        },
    )
