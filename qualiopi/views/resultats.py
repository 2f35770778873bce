"""Qualiopi pages of the administrators: the home page, the result indicators (rule 29) with the
completion of each dossier (rule 24), and the evidence store's retention schedule (rule 15).
Admins only (403 for other roles, as every administration page)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bilan.core.audit import TypeObjet, audit_record
from bilan.core.charts import barres_svg
from bilan.core.exports import csv_reponse
from bilan.core.form_errors import flash_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import AuditEvent, Membership, Role, User
from bilan.core.permissions import role_required
from qualiopi.conservation import PLANCHERS_ANS
from qualiopi.models import PointDepart
from qualiopi.referentiel import referentiel_courant
from qualiopi.selectors.conservation import registre_preuves_resumer
from qualiopi.selectors.resultats import (
    consultants_lister,
    periode_par_defaut,
    realisation_lignes_csv,
    resultats_lignes_csv,
    resultats_periode,
)
from qualiopi.services.conservation import preuves_indexer, regle_conservation_modifier

RESULTATS = TypeObjet("resultats_qualiopi", gettext_lazy("Export CSV des résultats Qualiopi"))


def _periode(request: HttpRequest) -> tuple[dt.date, dt.date]:
    debut_defaut, fin_defaut = periode_par_defaut()
    try:
        debut = dt.date.fromisoformat(request.GET.get("debut", ""))
    except ValueError:
        debut = debut_defaut
    try:
        fin = dt.date.fromisoformat(request.GET.get("fin", ""))
    except ValueError:
        fin = fin_defaut
    if fin < debut:
        debut, fin = fin, debut
    return debut, fin


def _consultant(request: StaffRequest) -> User | None:
    """The consultant filter: a member of the organisation by public id, else none."""
    valeur = request.GET.get("consultant", "")
    if not valeur:
        return None
    membre = (
        Membership.objects.filter(organisation_id=request.organisation.pk, public_id__in=[valeur])
        .select_related("user")
        .first()
        if _uuid(valeur)
        else None
    )
    return membre.user if membre else None


def _uuid(valeur: str) -> bool:
    try:
        uuid.UUID(valeur)
    except ValueError:
        return False
    return True


@never_cache
@role_required(Role.ADMIN)
@require_GET
def accueil(request: StaffRequest) -> HttpResponse:
    return render(request, "qualiopi/accueil.html", {"referentiel": referentiel_courant().libelle})


@never_cache
@role_required(Role.ADMIN)
@require_GET
def resultats(request: StaffRequest) -> HttpResponse:
    debut, fin = _periode(request)
    consultant = _consultant(request)
    r = resultats_periode(
        organisation=request.organisation, debut=debut, fin=fin, consultant=consultant
    )
    export = request.GET.get("export", "")
    suffixe = f"{debut.isoformat()}_{fin.isoformat()}"
    if export in {"indicateurs", "dossiers"}:
        audit_record(
            request=request,
            action=AuditEvent.Action.EXPORT,
            objet=RESULTATS,
            object_id=request.organisation.public_id,
        )
    if export == "indicateurs":
        entetes, lignes = resultats_lignes_csv(r=r)
        return csv_reponse(nom_fichier=f"resultats_{suffixe}.csv", entetes=entetes, lignes=lignes)
    if export == "dossiers":
        entetes, lignes = realisation_lignes_csv(lignes=r.realisation)
        return csv_reponse(
            nom_fichier=f"realisation_dossiers_{suffixe}.csv", entetes=entetes, lignes=lignes
        )
    graphique_bilans = barres_svg(
        identifiant="g-bilans",
        titre=_("Bilans de la période"),
        series=[
            (_("Commencés"), r.commences),
            (_("Terminés"), r.termines),
            (_("Abandonnés"), r.abandonnes),
        ],
    )
    graphique_causes = (
        barres_svg(
            identifiant="g-causes",
            titre=_("Causes d'abandon"),
            series=[(libelle, n) for _c, libelle, n in r.causes_abandon],
        )
        if r.causes_abandon
        else None
    )
    graphique_taux = barres_svg(
        identifiant="g-taux",
        titre=_("Taux de la période (%)"),
        series=[
            (libelle, valeur)
            for libelle, valeur in (
                (_("Abandon"), r.taux_abandon),
                (_("Réalisation"), r.taux_realisation_global),
                (_("Suivi réalisé"), r.taux_suivi),
                (_("Réponse à chaud"), r.satisfaction_chaud.taux_reponse),
                (_("Satisfaction à chaud"), r.satisfaction_chaud.taux),
                (_("Réponse à froid"), r.satisfaction_froid.taux_reponse),
                (_("Satisfaction à froid"), r.satisfaction_froid.taux),
            )
            if valeur is not None
        ],
    )
    consultants = consultants_lister(organisation=request.organisation)
    membres = {
        m.user_id: m.public_id
        for m in Membership.objects.filter(organisation_id=request.organisation.pk)
    }
    return render(
        request,
        "qualiopi/resultats/tableau.html",
        {
            "r": r,
            "debut": debut,
            "fin": fin,
            "consultant": consultant,
            "consultants": [(membres[c.pk], c) for c in consultants if c.pk in membres],
            "consultant_choisi": request.GET.get("consultant", ""),
            "graphique_bilans": graphique_bilans,
            "graphique_causes": graphique_causes,
            "graphique_taux": graphique_taux,
            "requete": request.GET.urlencode(),
        },
    )


@never_cache
@role_required(Role.ADMIN)
@require_GET
def conservation(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "qualiopi/resultats/conservation.html",
        {
            "lignes": registre_preuves_resumer(organisation=request.organisation),
            "points_depart": PointDepart.choices,
            "planchers": PLANCHERS_ANS,
        },
    )


@role_required(Role.ADMIN)
@require_POST
def conservation_regle(request: StaffRequest) -> HttpResponse:
    try:
        duree = int(request.POST.get("duree_ans", ""))
    except ValueError:
        duree = 0
    try:
        regle_conservation_modifier(
            organisation=request.organisation,
            nature=request.POST.get("nature", ""),
            duree_ans=duree,
            point_depart=request.POST.get("point_depart", ""),
            par=request.user,
        )
        preuves_indexer(organisation=request.organisation)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Durée de conservation enregistrée."))
    return redirect("qualiopi:conservation")


@role_required(Role.ADMIN)
@require_POST
def conservation_indexer(request: StaffRequest) -> HttpResponse:
    ajoutees = preuves_indexer(organisation=request.organisation)
    messages.success(
        request, _("Registre mis à jour : %(n)s nouvelle(s) pièce(s).") % {"n": ajoutees}
    )
    return redirect("qualiopi:conservation")
