"""Staff agenda: the day and the week of a consultant (or of the organisation, for admins),
overlap warnings, rescheduling and cancelling a séance, and the private calendar feed."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
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
from bilan.core.models import Role
from bilan.core.permissions import staff_required
from bilan.core.tenancy import get_for_organisation, tenant_context
from seances import selectors
from seances.models import Seance
from seances.services import agenda as ag
from seances.services import seances as services

FORMAT_SAISIE = "%Y-%m-%dT%H:%M"


class DeplacerForm(forms.Form):
    debut = forms.DateTimeField(
        label=gettext_lazy("Nouvelle date et heure"),
        input_formats=[FORMAT_SAISIE, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=FORMAT_SAISIE),
        error_messages={
            "required": gettext_lazy("Indiquez la nouvelle date et l'heure."),
            "invalid": gettext_lazy("Indiquez une date et une heure valides."),
        },
    )
    motif = forms.CharField(
        label=gettext_lazy("Motif du report"),
        max_length=500,
        error_messages={"required": gettext_lazy("Indiquez pourquoi la séance est déplacée.")},
    )

    def __init__(self, *args, seance: Seance, **kwargs):
        self.seance = seance
        kwargs.setdefault("auto_id", f"deplacer-{seance.public_id}-%s")
        kwargs.setdefault(
            "initial",
            {"debut": timezone.localtime(seance.debut).strftime(FORMAT_SAISIE)},
        )
        super().__init__(*args, **kwargs)

    def clean_motif(self):
        motif = self.cleaned_data["motif"].strip()
        if not motif:
            raise ValidationError(_("Indiquez pourquoi la séance est déplacée."))
        return motif

    def clean_debut(self):
        debut = self.cleaned_data["debut"]
        if debut == self.seance.debut:
            raise ValidationError(_("Choisissez une date ou une heure différente de l'actuelle."))
        return debut


class AnnulerForm(forms.Form):
    NATURES = [
        ("annulee", gettext_lazy("Annulée")),
        ("excusee", gettext_lazy("Absence excusée")),
        ("non_excusee", gettext_lazy("Absence non excusée")),
    ]
    nature = forms.ChoiceField(
        label=gettext_lazy("Nature"),
        choices=NATURES,
        initial="annulee",
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez : annulée, absence excusée ou non excusée."),
            "invalid_choice": gettext_lazy("Choisissez : annulée, absence excusée ou non excusée."),
        },
    )
    motif = forms.CharField(
        label=gettext_lazy("Motif"),
        max_length=500,
        error_messages={"required": gettext_lazy("Indiquez le motif.")},
    )

    def __init__(self, *args, seance: Seance, **kwargs):
        self.seance = seance
        kwargs.setdefault("auto_id", f"annuler-{seance.public_id}-%s")
        super().__init__(*args, **kwargs)

    def clean_motif(self):
        motif = self.cleaned_data["motif"].strip()
        if not motif:
            raise ValidationError(_("Indiquez le motif."))
        return motif

    @property
    def absence(self) -> str:
        nature = self.cleaned_data["nature"]
        return "" if nature == "annulee" else nature


# --- The agenda page --------------------------------------------------------------------------


def _parametres(source, *, request) -> dict:
    """vue / date / consultant from a query string or a posted form, sanitised."""
    vue = source.get("vue") if source.get("vue") in ag.VUES else "semaine"
    jour = ag.lire_date(source.get("date"), defaut=timezone.localdate())
    consultant_param = ""
    if request.membership.role == Role.ADMIN:
        valeur = source.get("consultant", "")
        if valeur == "tous":
            consultant_param = "tous"
        else:
            try:
                consultant_param = str(uuid.UUID(valeur)) if valeur else ""
            except ValueError:
                consultant_param = ""
    return {"vue": vue, "date": jour, "consultant": consultant_param}


def _query(*, vue: str, date: dt.date, consultant: str) -> str:
    params = {"vue": vue, "date": date.isoformat()}
    if consultant:
        params["consultant"] = consultant
    return urlencode(params)


def _url_agenda(params: dict) -> str:
    return f"{reverse('app:agenda')}?{_query(**params)}"


def _consultant_choisi(request, consultant_param: str):
    """(consultant, label): the member whose agenda is shown; None for the whole organisation."""
    if consultant_param == "tous":
        return None
    if consultant_param:
        choisi = consultants_of(request.organisation).filter(public_id=consultant_param).first()
        if choisi is not None:
            return choisi
    return request.user


def _page_agenda(request, params: dict, *, form_erreur: forms.Form | None = None, status=200):
    consultant = _consultant_choisi(request, params["consultant"])
    per = ag.periode(vue=params["vue"], jour=params["date"])
    seances = list(ag.seances_agenda(consultant=consultant, debut=per.debut, fin=per.fin))
    budget = ag.BudgetCache()
    lignes_par_jour = {jour: [] for jour in per.jours}
    for seance in seances:
        modifiable = seance.statut == Seance.Statut.PLANIFIEE and ag.peut_modifier(
            seance=seance, membership=request.membership
        )
        ligne = {
            "seance": seance,
            "fin": ag.fin_de(seance),
            "budget": budget(seance.bilan),
            "modifiable": modifiable,
            "ouvert": "",
        }
        if modifiable:
            ligne["form_deplacer"] = DeplacerForm(seance=seance)
            ligne["form_annuler"] = AnnulerForm(seance=seance)
            if form_erreur is not None and form_erreur.seance.pk == seance.pk:
                cle = "form_deplacer" if isinstance(form_erreur, DeplacerForm) else "form_annuler"
                ligne[cle] = form_erreur
                ligne["ouvert"] = cle
                form_erreur = None
        lignes_par_jour.setdefault(timezone.localdate(seance.debut), []).append(ligne)
    if form_erreur is not None:
        # The séance is not on the page (another consultant's agenda shown): say why here.
        for erreurs in form_erreur.errors.values():
            for erreur in erreurs:
                messages.error(request, erreur)
    is_admin = request.membership.role == Role.ADMIN
    base = {"vue": params["vue"], "consultant": params["consultant"]}
    aujourdhui = timezone.localdate()
    context = {
        "periode": per,
        "params": params,
        "jours": [(jour, lignes_par_jour[jour]) for jour in per.jours],
        "nb_seances": len(seances),
        "conflits": ag.conflits_dans(seances),
        "consultant": consultant,
        "vue_organisation": consultant is None,
        "is_admin": is_admin,
        "consultants": consultants_of(request.organisation) if is_admin else [],
        "aujourdhui": aujourdhui,
        "url_precedente": _url_agenda({**base, "date": per.precedente}),
        "url_suivante": _url_agenda({**base, "date": per.suivante}),
        "url_aujourdhui": _url_agenda({**base, "date": aujourdhui}),
        "url_jour": _url_agenda({**base, "vue": "jour", "date": params["date"]}),
        "url_semaine": _url_agenda({**base, "vue": "semaine", "date": params["date"]}),
        "retour": params,
        "retour_date": params["date"].isoformat(),
    }
    return render(request, "agenda/agenda.html", context, status=status)


@require_GET
@staff_required
def agenda(request):
    return _page_agenda(request, _parametres(request.GET, request=request))


# --- Rescheduling and cancelling --------------------------------------------------------------


def _seance_modifiable(request, seance_id) -> Seance:
    """The séance (404 outside the organisation or need-to-know), if the member may move or
    cancel it (403)."""
    seance = get_for_organisation(
        Seance,
        organisation=request.organisation,
        public_id=seance_id,
        queryset=Seance.objects.select_related("bilan", "bilan__beneficiaire"),
    )
    acces.exiger_bilan(
        membership=request.membership, bilan=seance.bilan, consultant_seance_id=seance.consultant_id
    )
    if not ag.peut_modifier(seance=seance, membership=request.membership):
        raise PermissionDenied(
            _(
                "Seul·e le ou la consultant·e de la séance ou du bilan, ou un·e "
                "administrateur·rice, peut déplacer ou annuler cette séance."
            )
        )
    return seance


def _refus(request, params, form, exc: ValidationError | None = None):
    if exc is not None:
        add_errors(form, exc)
    messages.error(request, _("La séance n'a pas été modifiée : corrigez le formulaire."))
    # Show the period holding the séance, so that its form and errors are on the page.
    jour = timezone.localdate(form.seance.debut)
    per = ag.periode(vue=params["vue"], jour=params["date"])
    if not per.premier_jour <= jour <= per.dernier_jour:
        params = {**params, "date": jour}
    return _page_agenda(request, params, form_erreur=form, status=400)


@require_POST
@staff_required
def seance_deplacer(request, seance_id):
    seance = _seance_modifiable(request, seance_id)
    params = _parametres(request.POST, request=request)
    form = DeplacerForm(request.POST, seance=seance)
    if not form.is_valid():
        return _refus(request, params, form)
    try:
        seance = services.seance_modifier(
            seance=seance, motif=form.cleaned_data["motif"], debut=form.cleaned_data["debut"]
        )
    except ValidationError as exc:
        return _refus(request, params, form, exc)
    messages.success(
        request,
        _("La séance est déplacée au %(date)s.")
        % {"date": timezone.localtime(seance.debut).strftime("%d/%m/%Y à %H:%M")},
    )
    if selectors.conflits(seance=seance):
        messages.warning(
            request, _("Attention : ce nouveau créneau chevauche une autre séance planifiée.")
        )
    return redirect(_url_agenda({**params, "date": timezone.localdate(seance.debut)}))


@require_POST
@staff_required
def seance_annuler(request, seance_id):
    seance = _seance_modifiable(request, seance_id)
    params = _parametres(request.POST, request=request)
    form = AnnulerForm(request.POST, seance=seance)
    if not form.is_valid():
        return _refus(request, params, form)
    try:
        seance = services.seance_annuler(
            seance=seance, motif=form.cleaned_data["motif"], absence=form.absence
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
def flux(request):
    """Create, renew or revoke the member's private feed. The URL is shown once, on creation."""
    url_flux = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "creer":
            token = ag.agenda_flux_creer(user=request.user, organisation=request.organisation)
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
            if ag.agenda_flux_revoquer(user=request.user, organisation=request.organisation):
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
            "flux_actif": ag.flux_actif(user=request.user, organisation=request.organisation),
            "url_flux": url_flux,
        },
    )


@never_cache
@require_GET
def flux_ics(request, organisation_id, token):
    """The public feed: the token is the credential. 404 for anything but an active feed of an
    active member of this organisation."""
    flux_agenda = ag.flux_par_token(organisation_public_id=organisation_id, token=token)
    if flux_agenda is None:
        raise Http404
    organisation = flux_agenda.organisation

    def url_dossier(seance: Seance) -> str:
        return request.build_absolute_uri(
            reverse("bilans:detail", kwargs={"bilan_id": seance.bilan.public_id})
        )

    with tenant_context(organisation):
        contenu = ag.calendrier_ics(
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
