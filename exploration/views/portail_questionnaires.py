"""Portal pages of the questionnaires: my questionnaires, answer (short pages, save and
resume, works without JavaScript), my results (only once released), my agreement to the
synthèse, « À propos des outils ».

The accessor returns only the beneficiary's own passations (404 otherwise); the result is not
even computed into the page before the consultant releases it.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaires.acces import PortailRequest
from bilan.core.form_errors import flash_errors
from bilan.core.permissions import portal_required
from exploration.forms.questionnaires import ClassementForm, PageLikertForm, PageTriForm
from exploration.instruments import LIKERT, instrument, instruments
from exploration.models import Passation
from exploration.selectors import questionnaires as lecture
from exploration.services import questionnaires as services


def _passation(request: PortailRequest, passation_id: uuid.UUID) -> Passation:
    return lecture.passation_obtenir_pour_beneficiaire(
        organisation=request.organisation,
        beneficiaire=request.portal_access.beneficiaire,
        public_id=passation_id,
    )


def _numero(valeur: str | None) -> int | None:
    try:
        return int(valeur) if valeur else None
    except ValueError:
        return None


def _url_page(passation: Passation, numero: int | None = None, etape: str = "") -> str:
    url = reverse("portail_exploration:repondre", kwargs={"passation_id": passation.public_id})
    if etape:
        return f"{url}?etape={etape}"
    return f"{url}?page={numero}" if numero else url


@portal_required
def liste(request: PortailRequest) -> HttpResponse:
    passations = lecture.passations_du_beneficiaire(beneficiaire=request.portal_access.beneficiaire)
    return render(
        request, "portail/exploration/questionnaires/liste.html", {"passations": passations}
    )


@portal_required
@require_http_methods(["GET", "POST"])
def repondre(request: PortailRequest, passation_id: uuid.UUID) -> HttpResponse:
    """One short page of questions (or of cards), saved on each step: the beneficiary can stop
    and come back where they left off. The last step finishes the questionnaire."""
    passation = _passation(request, passation_id)
    if passation.statut == Passation.Statut.TERMINEE:
        return redirect("portail_exploration:resultats", passation_id=passation.public_id)
    inst = instrument(passation.instrument)
    source = request.POST if request.method == "POST" else request.GET
    if inst.type != LIKERT and source.get("etape") == "classement":
        return _classement(request, passation)
    page = lecture.page_reponses(passation=passation, numero=_numero(source.get("page")))
    if inst.type == LIKERT:
        form: PageLikertForm | PageTriForm = PageLikertForm(
            request.POST or None, items=[i for _n, i, _r in page.items], options=inst.options
        )
    else:
        form = PageTriForm(request.POST or None, cartes=[c for _n, c, _p in page.cartes])
    if request.method == "POST" and form.is_valid():
        try:
            if isinstance(form, PageLikertForm):
                services.passation_repondre(
                    passation=passation,
                    reponses=form.reponses(),
                    page=page.numero,
                    par=request.user,
                )
            else:
                services.passation_trier(
                    passation=passation, piles=form.piles(), page=page.numero, par=request.user
                )
        except ValidationError as exc:
            flash_errors(request, exc)
            return redirect(_url_page(passation, page.numero))
        action = request.POST.get("action", "suivant")
        if action == "precedent":
            return redirect(_url_page(passation, max(page.numero - 1, 1)))
        if action == "pause":
            messages.success(
                request, _("Vos réponses sont enregistrées : vous pourrez reprendre plus tard.")
            )
            return redirect("portail_exploration:liste")
        if not page.derniere:
            return redirect(_url_page(passation, page.numero + 1))
        passation.refresh_from_db()
        if not lecture.est_complete(passation=passation):
            suite = lecture.page_reponses(passation=passation, numero=None)
            messages.error(
                request,
                _("Il reste des questions sans réponse : la première est à la page %(n)s.")
                % {"n": suite.numero},
            )
            return redirect(_url_page(passation, suite.numero))
        if inst.type != LIKERT:
            return redirect(_url_page(passation, etape="classement"))
        return _terminer(request, passation)
    return render(
        request,
        "portail/exploration/questionnaires/repondre.html",
        {
            "passation": passation,
            "instrument": inst,
            "page": page,
            "form": form,
            "piles": [(p, lib) for p, lib in lecture.LIBELLES_PILES.items()],
        },
    )


def _terminer(request: PortailRequest, passation: Passation) -> HttpResponse:
    try:
        services.passation_terminer(passation=passation, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(_url_page(passation))
    messages.success(request, _("Merci, le questionnaire est terminé."))
    return redirect("portail_exploration:resultats", passation_id=passation.public_id)


def _classement(request: PortailRequest, passation: Passation) -> HttpResponse:
    """The card sort's last step: rank the top five of the « très important » pile."""
    if not lecture.est_complete(passation=passation):
        return redirect(_url_page(passation))
    cartes = lecture.cartes_tres_importantes(passation=passation)
    initial = {f"rang-{i + 1}": cid for i, cid in enumerate(passation.reponses.get("top", []))}
    form = ClassementForm(request.POST or None, cartes=cartes, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.passation_classer(passation=passation, top=form.top(), par=request.user)
        except ValidationError as exc:
            flash_errors(request, exc)
            return redirect(_url_page(passation, etape="classement"))
        return _terminer(request, passation)
    return render(
        request,
        "portail/exploration/questionnaires/classement.html",
        {
            "passation": passation,
            "instrument": instrument(passation.instrument),
            "form": form,
            "cartes": cartes,
            "dernier_numero": lecture.nombre_pages(inst=instrument(passation.instrument)),
        },
    )


@portal_required
def resultats(request: PortailRequest, passation_id: uuid.UUID) -> HttpResponse:
    """My result: hidden until the consultant releases it after the debrief."""
    passation = _passation(request, passation_id)
    publie = passation.publiee_le is not None
    return render(
        request,
        "portail/exploration/questionnaires/resultats.html",
        {
            "passation": passation,
            "instrument": instrument(passation.instrument),
            # Never computed into the page before the release.
            "resultat": lecture.resultat_afficher(passation=passation) if publie else None,
        },
    )


@portal_required
@require_POST
def accord(request: PortailRequest, passation_id: uuid.UUID) -> HttpResponse:
    """Agree (or stop agreeing) that this result appears in my synthèse."""
    passation = _passation(request, passation_id)
    if passation.publiee_le is None:
        raise Http404
    oui = request.POST.get("accord") == "oui"
    try:
        services.passation_accord_synthese(passation=passation, accord=oui, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("Votre accord est enregistré : ce résultat pourra figurer dans votre synthèse.")
            if oui
            else _("C'est noté : ce résultat ne sera pas repris dans votre synthèse."),
        )
    return redirect("portail_exploration:resultats", passation_id=passation.public_id)


@portal_required
def a_propos(request: PortailRequest) -> HttpResponse:
    return render(
        request,
        "portail/exploration/questionnaires/a_propos.html",
        {"instruments": instruments().values()},
    )
