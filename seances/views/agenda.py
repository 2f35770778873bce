"""Staff agenda: the day and the week of a consultant (or of the organisation, for admins),
overlap warnings, rescheduling and cancelling a séance, and the private calendar feed."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from beneficiaires import acces
from beneficiaires.forms.beneficiaires import consultants_of
from bilan.core.form_errors import add_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import Role, User
from bilan.core.permissions import staff_required
from bilan.core.tenancy import tenant_context
from seances.forms.seances import AnnulerForm, DeplacerForm
from seances.models import Seance
from seances.selectors import agenda as ag
from seances.selectors.seances import seance_conflits, seance_obtenir
from seances.services import seances as services
from seances.services.agenda import agenda_flux_creer, agenda_flux_revoquer

# --- The agenda page --------------------------------------------------------------------------


def _est_admin(request: StaffRequest) -> bool:
    return request.membership is not None and request.membership.role == Role.ADMIN


def _parametres(source: QueryDict, *, request: StaffRequest) -> dict[str, Any]:
    """vue / date / consultant from a query string or a posted form, sanitised."""
    valeur_vue = source.get("vue")
    vue = ag.VueAgenda(valeur_vue) if valeur_vue in ag.VueAgenda.values else ag.VueAgenda.SEMAINE
    jour = ag.date_lue(valeur=source.get("date"), defaut=timezone.localdate())
    consultant_param = ""
    if _est_admin(request):
        valeur = source.get("consultant", "")
        if valeur == "tous":
            consultant_param = "tous"
        else:
            try:
                consultant_param = str(uuid.UUID(valeur)) if valeur else ""
            except ValueError:
                consultant_param = ""
    if consultant_param == "tous":
        # The organisation's agenda is read a day at a time (issue 16): its week was some 300
        # séances, 187 KB and 28 times the floor; a day is bounded by what a team can hold.
        vue = ag.VueAgenda.JOUR
    return {"vue": vue, "date": jour, "consultant": consultant_param}


def _query(*, vue: str, date: dt.date, consultant: str) -> str:
    params = {"vue": vue, "date": date.isoformat()}
    if consultant:
        params["consultant"] = consultant
    return urlencode(params)


def _url_agenda(params: dict[str, Any]) -> str:
    return f"{reverse('app:agenda')}?{_query(**params)}"


def _consultant_choisi(request: StaffRequest, consultant_param: str) -> User | None:
    """(consultant, label): the member whose agenda is shown; None for the whole organisation."""
    if consultant_param == "tous":
        return None
    if consultant_param:
        choisi = consultants_of(request.organisation).filter(public_id=consultant_param).first()
        if choisi is not None:
            return choisi
    return request.user


def _page_agenda(
    request: StaffRequest,
    params: dict[str, Any],
    *,
    form_erreur: DeplacerForm | AnnulerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    consultant = _consultant_choisi(request, params["consultant"])
    per = ag.agenda_periode(vue=params["vue"], jour=params["date"])
    seances = list(ag.seances_agenda(consultant=consultant, debut=per.debut, fin=per.fin))
    vue_organisation = consultant is None
    # The organisation's week (hundreds of séances) is a compact table, one row and one link
    # per séance; the gauges and the move/cancel forms are one consultant's tools (issue 16:
    # the cards of a busy week were 650 KB and a second of rendering).
    budgets = {} if vue_organisation else ag.budgets_agenda(seances=seances)
    lignes_par_jour: dict[dt.date, list[dict[str, Any]]] = {jour: [] for jour in per.jours}
    for seance in seances:
        ligne: dict[str, Any] = {"seance": seance, "fin": ag.seance_fin(seance=seance)}
        if not vue_organisation:
            modifiable = seance.statut == Seance.Statut.PLANIFIEE and ag.seance_modifiable_par(
                seance=seance, membership=request.membership
            )
            ligne.update(budget=budgets[seance.bilan_id], modifiable=modifiable, ouvert="")
            # The move and cancel forms are fetched when their <details> opens
            # (``seance_formulaire``); a refused form is shown inline, open.
            if (
                modifiable
                and form_erreur is not None
                and form_erreur.seance is not None
                and form_erreur.seance.pk == seance.pk
            ):
                ligne["ouvert"] = "deplacer" if isinstance(form_erreur, DeplacerForm) else "annuler"
                ligne["formulaire"] = form_erreur
                form_erreur = None
        lignes_par_jour.setdefault(timezone.localdate(seance.debut), []).append(ligne)
    if form_erreur is not None:
        # The séance is not on the page (another consultant's agenda shown): say why here.
        for erreurs in form_erreur.errors.values():
            for erreur in erreurs:
                messages.error(request, str(erreur))
    is_admin = _est_admin(request)
    base = {"vue": params["vue"], "consultant": params["consultant"]}
    aujourdhui = timezone.localdate()
    context = {
        "periode": per,
        "params": params,
        "jours": [(jour, lignes_par_jour[jour]) for jour in per.jours],
        "nb_seances": len(seances),
        "conflits": ag.seances_en_conflit(seances=seances),
        "consultant": consultant,
        "vue_organisation": vue_organisation,
        "is_admin": is_admin,
        "consultants": consultants_of(request.organisation) if is_admin else [],
        "aujourdhui": aujourdhui,
        "url_precedente": _url_agenda({**base, "date": per.precedente}),
        "url_suivante": _url_agenda({**base, "date": per.suivante}),
        "url_aujourdhui": _url_agenda({**base, "date": aujourdhui}),
        "url_jour": _url_agenda({**base, "vue": ag.VueAgenda.JOUR, "date": params["date"]}),
        "url_semaine": _url_agenda({**base, "vue": ag.VueAgenda.SEMAINE, "date": params["date"]}),
        "retour": params,
        "retour_date": params["date"].isoformat(),
        "retour_query": _query(**params),
        "formulaires": FORMULAIRES,
    }
    return render(request, "agenda/agenda.html", context, status=status)


@require_GET
@staff_required
def agenda(request: StaffRequest) -> HttpResponse:
    return _page_agenda(request, _parametres(request.GET, request=request))


# --- Rescheduling and cancelling --------------------------------------------------------------

FORMULAIRES = [
    ("deplacer", gettext_lazy("Déplacer la séance")),
    ("annuler", gettext_lazy("Annuler ou noter une absence")),
]


def _seance_modifiable(request: StaffRequest, seance_id: uuid.UUID) -> Seance:
    """The séance (404 outside the organisation or need-to-know), if the member may move or
    cancel it (403)."""
    seance = seance_obtenir(organisation=request.organisation, public_id=seance_id)
    acces.exiger_bilan(
        membership=request.membership, bilan=seance.bilan, consultant_seance_id=seance.consultant_id
    )
    if not ag.seance_modifiable_par(seance=seance, membership=request.membership):
        raise PermissionDenied(
            _(
                "Seul·e le ou la consultant·e de la séance ou du bilan, ou un·e "
                "administrateur·rice, peut déplacer ou annuler cette séance."
            )
        )
    return seance


@require_GET
@staff_required
def seance_formulaire(request: StaffRequest, seance_id: uuid.UUID, quoi: str) -> HttpResponse:
    """The agenda's move (``deplacer``) or cancel (``annuler``) form of one planned séance, as
    a fragment fetched when its <details> opens; same access rule as the POST it leads to."""
    if quoi not in dict(FORMULAIRES):
        raise Http404
    seance = _seance_modifiable(request, seance_id)
    if seance.statut != Seance.Statut.PLANIFIEE:
        raise Http404
    params = _parametres(request.GET, request=request)
    form = DeplacerForm(seance=seance) if quoi == "deplacer" else AnnulerForm(seance=seance)
    return render(
        request,
        "agenda/_seance_formulaire.html",
        {
            "form": form,
            "quoi": quoi,
            "retour": params,
            "retour_date": params["date"].isoformat(),
        },
    )


def _refus(
    request: StaffRequest,
    params: dict[str, Any],
    form: DeplacerForm | AnnulerForm,
    exc: ValidationError | None = None,
) -> HttpResponse:
    if exc is not None:
        add_errors(form, exc)
    messages.error(request, _("La séance n'a pas été modifiée : corrigez le formulaire."))
    # Show the period holding the séance, so that its form and errors are on the page.
    per = ag.agenda_periode(vue=params["vue"], jour=params["date"])
    jour = timezone.localdate(form.seance.debut) if form.seance is not None else per.premier_jour
    if not per.premier_jour <= jour <= per.dernier_jour:
        params = {**params, "date": jour}
    return _page_agenda(request, params, form_erreur=form, status=400)


@require_POST
@staff_required
def seance_deplacer(request: StaffRequest, seance_id: uuid.UUID) -> HttpResponse:
    seance = _seance_modifiable(request, seance_id)
    params = _parametres(request.POST, request=request)
    form = DeplacerForm(request.POST, seance=seance)
    if not form.is_valid():
        return _refus(request, params, form)
    try:
        seance = services.seance_deplacer(
            seance=seance, debut=form.cleaned_data["debut"], motif=form.cleaned_data["motif"]
        )
    except ValidationError as exc:
        return _refus(request, params, form, exc)
    messages.success(
        request,
        _("La séance est déplacée au %(date)s.")
        % {"date": timezone.localtime(seance.debut).strftime("%d/%m/%Y à %H:%M")},
    )
    if seance_conflits(seance=seance):
        messages.warning(
            request, _("Attention : ce nouveau créneau chevauche une autre séance planifiée.")
        )
    return redirect(_url_agenda({**params, "date": timezone.localdate(seance.debut)}))


@require_POST
@staff_required
def seance_annuler(request: StaffRequest, seance_id: uuid.UUID) -> HttpResponse:
    seance = _seance_modifiable(request, seance_id)
    params = _parametres(request.POST, request=request)
    form = AnnulerForm(request.POST, seance=seance)
    if not form.is_valid():
        return _refus(request, params, form)
    try:
        seance = services.seance_annuler(
            seance=seance, motif=form.cleaned_data["motif"], nature=form.cleaned_data["nature"]
        )
    except ValidationError as exc:
        return _refus(request, params, form, exc)
    messages.success(
        request,
        _("La séance du %(date)s est enregistrée : %(statut)s. Son temps est rendu au bilan.")
        % {
            "date": timezone.localtime(seance.debut).strftime("%d/%m/%Y à %H:%M"),
            "statut": seance.get_statut_display().lower(),
        },
    )
    return redirect(_url_agenda(params))


# --- Private calendar feed --------------------------------------------------------------------


@never_cache
@staff_required
def flux(request: StaffRequest) -> HttpResponse:
    """Create, renew or revoke the member's private feed. The URL is shown once, on creation."""
    url_flux = None
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "creer":
            token = agenda_flux_creer(user=user, organisation=request.organisation)
            url_flux = request.build_absolute_uri(
                reverse(
                    "flux:ics",
                    kwargs={"organisation_id": request.organisation.public_id, "token": token},
                )
            )
            messages.success(
                request,
                _(
                    "Votre flux d'agenda est créé. Copiez son adresse maintenant : "
                    "elle ne sera plus affichée."
                ),
            )
        elif action == "revoquer":
            if agenda_flux_revoquer(user=user, organisation=request.organisation):
                messages.success(request, _("Votre flux d'agenda est révoqué."))
            else:
                messages.info(request, _("Vous n'aviez pas de flux d'agenda actif."))
            return redirect("agenda:flux")
        else:
            messages.error(request, _("Action inconnue."))
            return redirect("agenda:flux")
    return render(
        request,
        "agenda/flux.html",
        {
            "flux_actif": ag.flux_agenda_actif(user=user, organisation=request.organisation),
            "url_flux": url_flux,
        },
    )


@never_cache
@require_GET
def flux_ics(request: HttpRequest, organisation_id: uuid.UUID, token: str) -> HttpResponse:
    """The public feed: the token is the credential. 404 for anything but an active feed of an
    active member of this organisation."""
    flux_agenda = ag.flux_agenda_par_jeton(organisation_public_id=organisation_id, token=token)
    if flux_agenda is None:
        raise Http404
    organisation = flux_agenda.organisation

    def url_dossier(seance: Seance) -> str:
        return request.build_absolute_uri(
            reverse("bilans:detail", kwargs={"bilan_id": seance.bilan.public_id})
        )

    with tenant_context(organisation):
        contenu = ag.seances_calendrier_ics(
            seances=ag.seances_du_flux(user=flux_agenda.user),
            url_dossier=url_dossier,
            nom_calendrier=_("Séances de bilan — %(organisme)s")
            % {"organisme": organisation.raison_sociale},
        )
    response = HttpResponse(contenu, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
