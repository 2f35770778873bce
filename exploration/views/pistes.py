"""Pistes métier and enquêtes métier (staff dossier page and portal).

Thin views: the bilan comes through the tenant accessor by public UUID and
``beneficiaires.acces`` (404 outside need-to-know); the portal works on the beneficiary's own
bilan only, and fetches a piste or an enquête through that bilan (404 otherwise). Writes go
through ``exploration.services``, which check the author again.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaires import acces
from beneficiaires.acces import PortailRequest
from beneficiaires.models import Bilan
from beneficiaires.selectors import bilan_courant_obtenir, bilan_obtenir
from bilan.core.audit import TypeObjet, audit_record
from bilan.core.form_errors import add_errors, flash_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import AuditEvent
from bilan.core.permissions import portal_required, staff_required
from exploration.forms.pistes import CommentaireForm, EnqueteMetierForm, NoteForm
from exploration.models import Piste
from exploration.selectors import pistes as lecture
from exploration.selectors import rome
from exploration.selectors.questionnaires import profil_riasec_publie
from exploration.services import enquetes_metier, pistes

# Journal: kind and id only (bilan.core.audit), as for the other confidential reads.
EXPLORATION = TypeObjet("exploration", gettext_lazy("Pistes et enquêtes métier"))
ACTIONS = {"noter", "cible", "retirer"}
NIVEAUX = [
    (0, gettext_lazy("0 — non acquis")),
    (1, gettext_lazy("1 — notions")),
    (2, gettext_lazy("2 — en autonomie partielle")),
    (3, gettext_lazy("3 — maîtrisé")),
    (4, gettext_lazy("4 — expert")),
]


def _bilan_staff(request: StaffRequest, bilan_id: uuid.UUID, droit: acces.Droit) -> Bilan:
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    acces.exiger_bilan(membership=request.membership, bilan=bilan, droit=droit)
    return bilan


def _bilan_portail(request: PortailRequest) -> Bilan:
    bilan = bilan_courant_obtenir(beneficiaire=request.portal_access.beneficiaire)
    if bilan is None:
        raise Http404
    return bilan


def _suggestions(code: str) -> dict:
    return {"code_riasec": code, "suggestions": rome.fiches_suggerees(code_riasec=code)}


def _code_riasec_publie(bilan: Bilan) -> str:
    """The RIASEC code of the bilan's questionnaire results once released to the beneficiary
    (its first two letters feed the ideas), or "" without a released RIASEC result."""
    return (profil_riasec_publie(bilan=bilan) or "")[:2]


# --- Staff -------------------------------------------------------------------------------------


@staff_required
def bilan_exploration(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """The bilan's pistes (both notes), suggestions from a RIASEC code, enquêtes métier."""
    bilan = _bilan_staff(request, bilan_id, acces.Droit.LIRE_CONFIDENTIEL)
    droits = acces.acces_bilan(membership=request.membership, bilan=bilan)
    audit_record(
        request=request,
        action=AuditEvent.Action.READ,
        objet=EXPLORATION,
        object_id=bilan.public_id,
        beneficiaire=bilan.beneficiaire,
    )
    code = (request.GET.get("riasec") or _code_riasec_publie(bilan)).upper()[:2]
    cible = lecture.piste_cible(bilan=bilan)
    return render(
        request,
        "exploration/pistes/bilan.html",
        {
            "bilan": bilan,
            "cible": cible,
            "auto_evaluation": lecture.auto_evaluation_lignes(piste=cible) if cible else [],
            "pistes": lecture.pistes_du_bilan(bilan=bilan),
            "enquetes": lecture.enquetes_metier_du_bilan(bilan=bilan),
            "peut_ecrire": droits.accompagner,
            "attribution": rome.attribution(),
            **_suggestions(code),
        },
    )


@require_POST
@staff_required
def piste_ajouter(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    bilan = _bilan_staff(request, bilan_id, acces.Droit.ACCOMPAGNER)
    fiche = rome.fiche_obtenir(code=request.POST.get("code", ""))
    try:
        pistes.piste_ajouter(
            bilan=bilan, fiche=fiche, auteur=Piste.Auteur.CONSULTANT, par=request.user
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Le métier est ajouté aux pistes."))
    return redirect("exploration:pistes", bilan_id=bilan.public_id)


@require_POST
@staff_required
def piste_action(
    request: StaffRequest, bilan_id: uuid.UUID, piste_id: uuid.UUID, action: str
) -> HttpResponse:
    bilan = _bilan_staff(request, bilan_id, acces.Droit.ACCOMPAGNER)
    piste = lecture.piste_obtenir(bilan=bilan, public_id=piste_id)
    _piste_agir(request, piste, action, Piste.Auteur.CONSULTANT)
    return redirect("exploration:pistes", bilan_id=bilan.public_id)


@require_POST
@staff_required
def enquete_commenter(
    request: StaffRequest, bilan_id: uuid.UUID, enquete_id: uuid.UUID
) -> HttpResponse:
    bilan = _bilan_staff(request, bilan_id, acces.Droit.ACCOMPAGNER)
    enquete = lecture.enquete_metier_obtenir(bilan=bilan, public_id=enquete_id)
    form = CommentaireForm(request.POST)
    if form.is_valid():
        try:
            enquetes_metier.enquete_metier_commenter(
                enquete=enquete, par=request.user, commentaire=form.cleaned_data["commentaire"]
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Votre commentaire est enregistré."))
    return redirect("exploration:pistes", bilan_id=bilan.public_id)


def _piste_agir(request, piste: Piste, action: str, auteur: str) -> None:
    if action not in ACTIONS:
        raise Http404
    try:
        if action == "noter":
            form = NoteForm(request.POST)
            note = form.cleaned_data["note"] if form.is_valid() else request.POST.get("note", "")
            pistes.piste_noter(piste=piste, auteur=auteur, par=request.user, note=note)
            messages.success(request, _("La note est enregistrée."))
        elif action == "cible":
            cible = request.POST.get("cible", "1") == "1"
            pistes.piste_choisir_cible(piste=piste, auteur=auteur, par=request.user, cible=cible)
            messages.success(
                request,
                _("Ce métier est votre projet cible.") if cible else _("Projet cible retiré."),
            )
        else:
            pistes.piste_retirer(piste=piste, auteur=auteur, par=request.user)
            messages.success(request, _("La piste est retirée."))
    except ValidationError as exc:
        flash_errors(request, exc)


# --- Portal ------------------------------------------------------------------------------------


@portal_required
def portail_pistes(request: PortailRequest) -> HttpResponse:
    bilan = _bilan_portail(request)
    cible = lecture.piste_cible(bilan=bilan)
    return render(
        request,
        "portail/exploration/pistes.html",
        {
            "bilan": bilan,
            "cible": cible,
            "auto_evaluation": lecture.auto_evaluation_lignes(piste=cible) if cible else [],
            "niveaux": NIVEAUX,
            "pistes": lecture.pistes_du_bilan(bilan=bilan),
            "enquetes": lecture.enquetes_metier_du_bilan(bilan=bilan),
            "attribution": rome.attribution(),
            **_suggestions(_code_riasec_publie(bilan)),
        },
    )


@require_POST
@portal_required
def portail_piste_ajouter(request: PortailRequest) -> HttpResponse:
    bilan = _bilan_portail(request)
    fiche = rome.fiche_obtenir(code=request.POST.get("code", ""))
    try:
        pistes.piste_ajouter(
            bilan=bilan, fiche=fiche, auteur=Piste.Auteur.BENEFICIAIRE, par=request.user
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Le métier est ajouté à vos pistes."))
    return redirect("portail_exploration:pistes")


@require_POST
@portal_required
def portail_piste_action(request: PortailRequest, piste_id: uuid.UUID, action: str) -> HttpResponse:
    bilan = _bilan_portail(request)
    piste = lecture.piste_obtenir(bilan=bilan, public_id=piste_id)
    _piste_agir(request, piste, action, Piste.Auteur.BENEFICIAIRE)
    return redirect("portail_exploration:pistes")


@require_POST
@portal_required
def portail_auto_evaluer(request: PortailRequest, piste_id: uuid.UUID) -> HttpResponse:
    """The beneficiary's current level on each core savoir-faire of their projet cible."""
    bilan = _bilan_portail(request)
    piste = lecture.piste_obtenir(bilan=bilan, public_id=piste_id)
    niveaux: dict[int, int | None] = {}
    for ligne in lecture.auto_evaluation_lignes(piste=piste):
        valeur = request.POST.get(f"niveau-{ligne['code']}", "")
        niveaux[ligne["code"]] = int(valeur) if valeur.isdigit() else None
    try:
        pistes.piste_auto_evaluer(piste=piste, niveaux=niveaux, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Votre auto-évaluation est enregistrée."))
    return redirect(reverse("portail_exploration:pistes") + "#auto-evaluation")


@require_http_methods(["GET", "POST"])
@portal_required
def portail_enquete(request: PortailRequest, enquete_id: uuid.UUID | None = None) -> HttpResponse:
    """Log a new enquête métier, or correct one of one's own."""
    bilan = _bilan_portail(request)
    enquete = (
        lecture.enquete_metier_obtenir(bilan=bilan, public_id=enquete_id) if enquete_id else None
    )
    liste_pistes = list(lecture.pistes_du_bilan(bilan=bilan))
    initial = {}
    if enquete is not None:
        initial = {
            champ: getattr(enquete, champ)
            for champ in (
                "interlocuteur",
                "fonction",
                "type_organisation",
                "modalite",
                "rencontre_le",
                "questions",
                "apprentissages",
                "effet_projet",
            )
        }
        initial["piste"] = str(enquete.piste.public_id) if enquete.piste else ""
    form = EnqueteMetierForm(
        request.POST if request.method == "POST" else None, initial=initial, pistes=liste_pistes
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            donnees = form.cleaned_data
            piste = next((p for p in liste_pistes if str(p.public_id) == donnees["piste"]), None)
            try:
                enquetes_metier.enquete_metier_enregistrer(
                    bilan=bilan,
                    par=request.user,
                    interlocuteur=donnees["interlocuteur"],
                    fonction=donnees["fonction"],
                    type_organisation=donnees["type_organisation"],
                    modalite=donnees["modalite"],
                    rencontre_le=donnees["rencontre_le"],
                    questions=donnees["questions"],
                    apprentissages=donnees["apprentissages"],
                    effet_projet=donnees["effet_projet"],
                    piste=piste,
                    enquete=enquete,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Votre enquête métier est enregistrée."))
                return redirect("portail_exploration:pistes")
        status = 400
    return render(
        request,
        "portail/exploration/enquete.html",
        {"form": form, "enquete": enquete},
        status=status,
    )
