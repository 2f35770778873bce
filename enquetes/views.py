"""Survey pages.

Staff (/app/enquetes/, admins): settings, the two questionnaires (add or withdraw questions),
and the satisfaction figures. Portal (/portail/enquetes/): the beneficiary answers their own
surveys. Emailed link (/enquete/<organisation public id>/<token>/): the same form without
logging in; it binds the organisation from the URL, then looks the hashed token up.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beneficiaires.acces import PortailRequest
from bilan.core.form_errors import flash_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import Organisation, Role
from bilan.core.permissions import portal_required, role_required
from bilan.core.tenancy import get_for_organisation, tenant_context
from enquetes import selectors, services
from enquetes.models import KindEnquete, Question, Reponse


def _periode(request: HttpRequest) -> tuple[dt.date, dt.date]:
    aujourdhui = timezone.localdate()
    try:
        debut = dt.date.fromisoformat(request.GET.get("debut", ""))
    except ValueError:
        debut = aujourdhui.replace(month=1, day=1)
    try:
        fin = dt.date.fromisoformat(request.GET.get("fin", ""))
    except ValueError:
        fin = aujourdhui
    if fin < debut:
        debut, fin = fin, debut
    return debut, fin


@never_cache
@role_required(Role.ADMIN)
@require_GET
def tableau(request: StaffRequest) -> HttpResponse:
    organisation = request.organisation
    debut, fin = _periode(request)
    # A GET never writes: before the first survey, the default questionnaires and settings
    # are shown unsaved (they are stored on first use or first change).
    return render(
        request,
        "enquetes/tableau.html",
        {
            "parametres": selectors.parametres_lire(organisation=organisation),
            "questionnaires": [
                selectors.questionnaire_lire(organisation=organisation, kind=kind)
                for kind in KindEnquete
            ],
            "taux": selectors.satisfaction_calculer(debut=debut, fin=fin),
            "debut": debut,
            "fin": fin,
            "types": Question.Type.choices,
        },
    )


def _int(value, defaut: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return defaut


@role_required(Role.ADMIN)
@require_POST
def parametres(request: StaffRequest) -> HttpResponse:
    try:
        services.parametres_modifier(
            organisation=request.organisation,
            froid_delai_mois=_int(request.POST.get("froid_delai_mois"), 0),
            rappel_jours=_int(request.POST.get("rappel_jours"), 0),
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Réglages des enquêtes enregistrés."))
    return redirect("enquetes:tableau")


@role_required(Role.ADMIN)
@require_POST
def question_ajouter(request: StaffRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in KindEnquete.values:
        messages.error(request, _("Enquête inconnue."))
        return redirect("enquetes:tableau")
    questionnaire = services.questionnaire_obtenir(
        organisation=request.organisation, kind=KindEnquete(kind)
    )
    try:
        services.question_ajouter(
            questionnaire=questionnaire,
            libelle=request.POST.get("libelle", ""),
            type=request.POST.get("type", ""),
            options=request.POST.get("options", ""),
            obligatoire=bool(request.POST.get("obligatoire")),
            compte_satisfaction=bool(request.POST.get("compte_satisfaction")),
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Question ajoutée."))
    return redirect("enquetes:tableau")


@role_required(Role.ADMIN)
@require_POST
def question_retirer(request: StaffRequest, question_id: uuid.UUID) -> HttpResponse:
    question = get_for_organisation(
        Question, organisation=request.organisation, public_id=question_id
    )
    services.question_retirer(question=question)
    messages.success(request, _("Question retirée des prochaines enquêtes."))
    return redirect("enquetes:tableau")


# --- Answering (portal and link) ------------------------------------------------------------


def _formulaire(
    request: HttpRequest,
    *,
    reponse: Reponse,
    organisation,
    action: str,
    status: int = 200,
    erreurs=None,
    valeurs=None,
    template="enquetes/repondre.html",
):
    erreurs = dict(erreurs or {})
    valeurs = valeurs or {}
    # Read only (the survey row's creation seeded its questionnaire).
    questionnaire, questions = selectors.questionnaire_lire(
        organisation=organisation, kind=reponse.kind
    )
    lignes = [
        {
            "question": question,
            "nom": f"q{question.pk}",
            "valeur": valeurs.get(f"q{question.pk}", ""),
            "erreurs": erreurs.get(f"q{question.pk}", []),
        }
        for question in questions
    ]
    return render(
        request,
        template,
        {
            "organisation": organisation,
            "reponse": reponse,
            "questionnaire": questionnaire,
            "lignes": lignes,
            "erreurs": bool(erreurs),
            "erreurs_generales": erreurs.get("__all__", []),
            "action": action,
            "notes": ["1", "2", "3", "4", "5"],
        },
        status=status,
    )


def _repondre(request: HttpRequest, *, reponse, organisation, par_lien: bool, template: str):
    if reponse.repondu_le is not None:
        return render(
            request,
            "enquetes/merci.html",
            {"organisation": organisation, "deja": True},
            status=410 if par_lien else 200,
        )
    if request.method == "POST":
        try:
            services.enquete_repondre(reponse=reponse, donnees=request.POST, par_lien=par_lien)
        except ValidationError as exc:
            erreurs = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            return _formulaire(
                request,
                reponse=reponse,
                organisation=organisation,
                action=request.path,
                status=400,
                erreurs=erreurs,
                valeurs=request.POST,
                template=template,
            )
        return render(request, "enquetes/merci.html", {"organisation": organisation})
    return _formulaire(
        request, reponse=reponse, organisation=organisation, action=request.path, template=template
    )


@never_cache
@portal_required
@require_GET
def portail_liste(request: PortailRequest) -> HttpResponse:
    beneficiaire = request.portal_access.beneficiaire
    return render(
        request,
        "enquetes/portail_liste.html",
        {"reponses": selectors.beneficiaire_enquetes_lister(beneficiaire=beneficiaire)},
    )


@never_cache
@portal_required
@require_http_methods(["GET", "POST"])
def portail_repondre(request: PortailRequest, reponse_id: uuid.UUID) -> HttpResponse:
    beneficiaire = request.portal_access.beneficiaire
    reponse = selectors.reponse_obtenir(
        organisation=request.organisation,
        public_id=reponse_id,
        queryset=selectors.beneficiaire_enquetes_lister(beneficiaire=beneficiaire),
    )
    return _repondre(
        request,
        reponse=reponse,
        organisation=request.organisation,
        par_lien=False,
        template="enquetes/portail_repondre.html",
    )


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: never send it on to another site, never index the page.
    # Not "no-referrer": browsers then send "Origin: null" and the CSRF check refuses the
    # form. "same-origin" still keeps the token in the URL from leaking to other sites.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def lien_repondre(request: HttpRequest, organisation_id: uuid.UUID, token: str) -> HttpResponse:
    organisation = Organisation.objects.filter(public_id=organisation_id, is_active=True).first()
    if organisation is None:
        return _no_referrer(render(request, "enquetes/lien_invalide.html", status=404))
    with tenant_context(organisation):
        reponse = services.reponse_trouver_par_jeton(token=token)
        if reponse is None:
            return _no_referrer(render(request, "enquetes/lien_invalide.html", status=404))
        return _no_referrer(
            _repondre(
                request,
                reponse=reponse,
                organisation=organisation,
                par_lien=True,
                template="enquetes/repondre.html",
            )
        )
