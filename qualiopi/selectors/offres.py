"""Reads of the public offer pages: published offers, current version, history, and the
results snapshot a version publishes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from bilan.core.models import Organisation
from bilan.core.tenancy import get_for_organisation
from qualiopi.models.offres import CHAMPS_CONTENU, Offre, OffreVersion
from qualiopi.selectors.resultats import resultats_instantane, resultats_periode


def offre_resultats_snapshot(*, organisation: Organisation, debut: dt.date, fin: dt.date) -> dict:
    """The results a version publishes (ind. 2), computed from the data for [debut, fin] by
    ``qualiopi.selectors.resultats.resultats_periode`` (one definition of each figure), as
    JSON-ready values: bilans started, ended and abandoned in the period, the satisfaction
    surveys (sent, answered, satisfaction rate) à chaud and à froid, and every indicator of the
    period under ``indicateurs``. Runs in the bound organisation."""
    r = resultats_periode(organisation=organisation, debut=debut, fin=fin)
    return {
        "debut": debut.isoformat(),
        "fin": fin.isoformat(),
        "bilans_commences": r.commences,
        "bilans_termines": r.termines,
        "bilans_abandonnes": r.abandonnes,
        "satisfaction": {
            s.kind: {
                "envoyees": s.envoyees,
                "repondues": s.repondues,
                "taux_satisfaction": s.taux,
            }
            for s in (r.satisfaction_chaud, r.satisfaction_froid)
        },
        "indicateurs": resultats_instantane(r=r),
    }


def offres_lister() -> QuerySet[Offre]:
    """Every offer of the bound organisation, with its programme."""
    return Offre.objects.select_related("programme").order_by("programme__nom")


def offre_obtenir(*, organisation: Organisation, public_id: uuid.UUID) -> Offre:
    return get_for_organisation(
        Offre, organisation=organisation, public_id=public_id, queryset=offres_lister()
    )


def offre_versions(*, offre: Offre) -> QuerySet[OffreVersion]:
    """The history, latest first."""
    return (
        OffreVersion.objects.filter(offre=offre).select_related("publiee_par").order_by("-numero")
    )


def offre_version_courante(*, offre: Offre) -> OffreVersion | None:
    return offre_versions(offre=offre).first()


def offres_publiques(*, organisation: Organisation) -> list[tuple[Offre, OffreVersion]]:
    """The published offers of ``organisation`` (bound) with their current version."""
    resultat = []
    for offre in offres_lister().filter(publiee=True):
        courante = offre_version_courante(offre=offre)
        if courante is not None:
            resultat.append((offre, courante))
    return resultat


def offre_publique(
    *, organisation: Organisation, public_id: uuid.UUID
) -> tuple[Offre, OffreVersion]:
    """A published offer and its current version, or 404 (unknown, withdrawn, never
    published, or another organisation's)."""
    offre = offre_obtenir(organisation=organisation, public_id=public_id)
    courante = offre_version_courante(offre=offre)
    if not offre.publiee or courante is None:
        raise Http404
    return offre, courante


def offre_versions_periode(*, debut: dt.date, fin: dt.date) -> list[OffreVersion]:
    """Every version in force at some point of [debut, fin] (both included): published in the
    window, or the one in force when it opened."""
    versions: list[OffreVersion] = []
    for offre in offres_lister():
        historique = list(offre_versions(offre=offre))
        for index, version in enumerate(historique):
            publiee = version.publiee_le.date()
            suivante = historique[index - 1].publiee_le.date() if index > 0 else None
            if publiee <= fin and (suivante is None or suivante >= debut):
                versions.append(version)
    return sorted(versions, key=lambda v: (v.offre.programme.nom, v.numero))


CHAMPS_CSV = [
    "numero",
    "publiee_le",
    *CHAMPS_CONTENU,
    "resultats_debut",
    "resultats_fin",
    "resultats",
]


def offre_versions_csv_lignes(versions: Iterable[OffreVersion]) -> list[list[object]]:
    """One CSV row per version (history export, evidence export)."""
    lignes = []
    for v in versions:
        ligne: list[object] = []
        for champ in CHAMPS_CSV:
            valeur = getattr(v, champ)
            if champ == "publiee_le":
                valeur = timezone.localtime(valeur).isoformat(timespec="minutes")
            ligne.append(valeur)
        lignes.append(ligne)
    return lignes


def offre_version_html(*, version: OffreVersion, organisation: Organisation) -> str:
    """A standalone HTML document of one version (history export, evidence export)."""
    return render_to_string(
        "qualiopi/offres/version_export.html",
        {"version": version, "organisation": organisation},
    )
