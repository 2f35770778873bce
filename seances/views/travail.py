"""Pages of guided personal work (staff and portal).

Thin views: objects are read through tenant-aware accessors (404 elsewhere), rights come from
``beneficiaires.acces`` and are checked here and again in the services (assistants see the
consignes' logistics, never a submission), writes go through ``seances.services.travail``.
Staff reads of a submission and every file download are audit-logged.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from beneficiaires import acces
from beneficiaires.acces import PortailRequest
from beneficiaires.models import Bilan
from beneficiaires.selectors import bilan_obtenir
from bilan.core.audit import TypeObjet, audit_record
from bilan.core.form_errors import add_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import AuditEvent
from bilan.core.permissions import portal_required, staff_required
from seances.forms.travail import ConsigneForm, RenduForm, RetourForm
from seances.models import Consigne, Rendu, RenduFichier
from seances.selectors import travail as lecture
from seances.selectors.seances import seance_obtenir
from seances.services import travail

# Journal: kind and id only, never a title or a file name (bilan.core.audit).
TRAVAIL_PERSONNEL = TypeObjet("travail_personnel", gettext_lazy("Travail personnel guidé"))
RENDU_FICHIER = TypeObjet("rendu_fichier", gettext_lazy("Fichier rendu (travail personnel)"))


def _exiger(request: StaffRequest, bilan: Bilan, droit: acces.Droit) -> acces.AccesBilan:
    """404 outside need-to-know, 403 without ``droit`` (``beneficiaires.acces``)."""
    return acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=droit)


def _serve(fichier: RenduFichier) -> HttpResponse:
    # Read inside the tenant transaction: the response must not stream after it ends.
    with fichier.fichier.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type=fichier.type_mime)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=fichier.nom_original
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _rendu(consigne: Consigne) -> Rendu | None:
    return getattr(consigne, "rendu", None)


# --- Staff: guided personal work --------------------------------------------------------------


@staff_required
def bilan_travail(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """The consignes of one bilan, and its personal-work séances still without one."""
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    droits = _exiger(request, bilan, acces.Droit.VOIR)
    return render(
        request,
        "travail/bilan.html",
        {
            "bilan": bilan,
            "lignes": lecture.consignes_du_bilan(bilan=bilan),
            "sans_consigne": lecture.seances_travail_sans_consigne(bilan=bilan),
            "peut_ecrire": droits.accompagner,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def consigne_edit(request: StaffRequest, seance_id: uuid.UUID) -> HttpResponse:
    """Create the consigne of a personal-work séance, or edit it while nothing is submitted."""
    seance = seance_obtenir(organisation=request.organisation, public_id=seance_id)
    _exiger(request, seance.bilan, acces.Droit.ACCOMPAGNER)
    consigne: Consigne | None = getattr(seance, "consigne", None)
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
        champs = form.cleaned_data
        try:
            if consigne is None:
                consigne = travail.consigne_creer(
                    seance=seance,
                    titre=champs["titre"],
                    consignes=champs["consignes"],
                    ressources=champs["ressources"],
                    echeance=champs["echeance"],
                    temps_attendu_minutes=champs["temps_attendu_minutes"],
                    par=request.user,
                )
            else:
                travail.consigne_modifier(
                    consigne=consigne,
                    titre=champs["titre"],
                    consignes=champs["consignes"],
                    ressources=champs["ressources"],
                    echeance=champs["echeance"],
                    temps_attendu_minutes=champs["temps_attendu_minutes"],
                    par=request.user,
                )
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
def consigne_detail(request: StaffRequest, consigne_id: uuid.UUID) -> HttpResponse:
    """Read the consigne and the submission (logged), download its files, give feedback."""
    consigne = lecture.consigne_obtenir(organisation=request.organisation, public_id=consigne_id)
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
        if rendu is not None and form.is_valid():
            try:
                travail.rendu_retour_enregistrer(
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
            objet=TRAVAIL_PERSONNEL,
            object_id=consigne.public_id,
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
            "etat_libelle": lecture.consigne_etat(consigne=consigne).label,
        },
    )


@staff_required
def rendu_fichier(
    request: StaffRequest, consigne_id: uuid.UUID, fichier_id: uuid.UUID
) -> HttpResponse:
    consigne = lecture.consigne_obtenir(organisation=request.organisation, public_id=consigne_id)
    bilan = consigne.seance.bilan
    _exiger(request, bilan, acces.Droit.LIRE_CONFIDENTIEL)
    fichier = lecture.rendu_fichier_obtenir(consigne=consigne, public_id=fichier_id)
    audit_record(
        request=request,
        action=AuditEvent.Action.DOWNLOAD,
        objet=RENDU_FICHIER,
        object_id=fichier.public_id,
        beneficiaire=bilan.beneficiaire,
    )
    return _serve(fichier)


# --- Portal: guided personal work -------------------------------------------------------------


@portal_required
def portail_liste(request: PortailRequest) -> HttpResponse:
    lignes = lecture.consignes_du_beneficiaire(beneficiaire=request.portal_access.beneficiaire)
    return render(request, "portail/travail.html", {"lignes": lignes})


@portal_required
@require_http_methods(["GET", "POST"])
def portail_consigne(request: PortailRequest, consigne_id: uuid.UUID) -> HttpResponse:
    consigne = lecture.consigne_obtenir_pour_beneficiaire(
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
                    par=request.user,
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
            "etat_libelle": lecture.consigne_etat(consigne=consigne).label,
        },
    )


@portal_required
def portail_fichier(
    request: PortailRequest, consigne_id: uuid.UUID, fichier_id: uuid.UUID
) -> HttpResponse:
    """The beneficiary downloads a file they submitted."""
    consigne = lecture.consigne_obtenir_pour_beneficiaire(
        organisation=request.organisation,
        beneficiaire=request.portal_access.beneficiaire,
        public_id=consigne_id,
    )
    return _serve(lecture.rendu_fichier_obtenir(consigne=consigne, public_id=fichier_id))
