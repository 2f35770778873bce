"""Reads for séances: the 24-hour budget and its counters, agenda queries, conflicts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q

from beneficiaires.models import Financement, Phase, TypeSeance
from seances.models import BUDGET_MINUTES, STATUTS_COMPTES, Seance


def duree_fr(minutes: int) -> str:
    """90 -> "1 h 30"; 120 -> "2 h"; 45 -> "45 min"; 0 -> "0 min"."""
    minutes = max(int(minutes), 0)
    heures, reste = divmod(minutes, 60)
    if heures == 0:
        return f"{reste} min"
    if reste == 0:
        return f"{heures} h"
    return f"{heures} h {reste:02d}"


def minutes_comptees(*, bilan, sauf: Seance | None = None) -> int:
    """Counted minutes of the bilan: planned or realised séances, the larger duration each."""
    qs = Seance.objects.filter(bilan=bilan, statut__in=STATUTS_COMPTES)
    if sauf is not None and sauf.pk:
        qs = qs.exclude(pk=sauf.pk)
    return sum(
        s.minutes_comptees for s in qs.only("duree_minutes", "duree_realisee_minutes", "statut")
    )


def budget(*, bilan) -> dict:
    """The 24-hour budget at a glance: totals, by phase, by type, and what the CPF finances."""
    from beneficiaires import financement as fin

    seances = list(Seance.objects.filter(bilan=bilan))
    comptees = [s for s in seances if s.statut in STATUTS_COMPTES]
    total = sum(s.minutes_comptees for s in comptees)
    accompagnement = sum(s.minutes_comptees for s in comptees if s.est_accompagnement)
    realise = sum(
        s.duree_realisee_minutes or 0 for s in seances if s.statut == Seance.Statut.REALISEE
    )
    par_phase = {
        label: sum(s.minutes_comptees for s in comptees if s.phase == value) / 60
        for value, label in Phase.choices
    }
    par_type = {
        label: sum(s.minutes_comptees for s in comptees if s.type == value) / 60
        for value, label in TypeSeance.choices
    }
    infos = {
        "total": total / 60,
        "reste": (BUDGET_MINUTES - total) / 60,
        "accompagnement": accompagnement / 60,
        "travail_personnel": (total - accompagnement) / 60,
        "realise": realise / 60,
        "pourcentage": min(round(total / BUDGET_MINUTES * 100), 100),
        "par_phase": par_phase,
        "par_type": {k: v for k, v in par_type.items() if v},
        "heures_financees": None,
    }
    if bilan.financement == Financement.CPF:
        entree = bilan.date_debut_reelle or bilan.date_debut_prevue or dt.date.today()
        infos["heures_financees"] = fin.cpf_heures_financees(
            entree_le=entree,
            heures_accompagnement=Decimal(accompagnement) / 60,
            heures_travail_personnel=Decimal(total - accompagnement) / 60,
        )
    return infos


def seances_du_consultant(*, consultant, debut: dt.datetime, fin: dt.datetime):
    return (
        Seance.objects.filter(debut__gte=debut, debut__lt=fin)
        .filter(Q(consultant=consultant) | Q(consultant__isnull=True, bilan__consultant=consultant))
        .select_related("bilan", "bilan__beneficiaire")
        .order_by("debut")
    )


def conflits(*, seance: Seance):
    """Other planned séances of the same consultant that overlap this one."""
    fin = seance.debut + dt.timedelta(minutes=seance.duree_minutes)
    consultant_id = seance.consultant_id or seance.bilan.consultant_id
    candidates = (
        Seance.objects.filter(statut=Seance.Statut.PLANIFIEE, debut__lt=fin)
        .filter(debut__gte=seance.debut - dt.timedelta(hours=8))
        .filter(
            Q(consultant_id=consultant_id)
            | Q(consultant__isnull=True, bilan__consultant_id=consultant_id)
        )
        .exclude(pk=seance.pk)
    )
    return [
        other
        for other in candidates
        if other.debut + dt.timedelta(minutes=other.duree_minutes) > seance.debut
    ]
