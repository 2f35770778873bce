"""Reads for séances: one séance by public id, the 24-hour budget and its counters, agenda
queries, conflicts, the conclusion interview the phases require."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from beneficiaires.budget import BUDGET_MINUTES, TYPES_COMPTES
from beneficiaires.financement import cpf_heures_financees
from beneficiaires.models import Bilan, Financement, Modalite, Phase, TypeSeance
from bilan.core.models import Organisation, User
from bilan.core.tenancy import get_for_organisation
from seances.models import STATUTS_COMPTES, Seance


def seance_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> Seance:
    """One séance of ``organisation`` by public id (its bilan, beneficiary and consultants
    joined), or 404. Need-to-know is the caller's (``beneficiaires.acces``)."""
    return get_for_organisation(
        Seance,
        organisation=organisation,
        public_id=public_id,
        queryset=Seance.objects.select_related(
            "bilan", "bilan__beneficiaire", "bilan__consultant", "consultant"
        ),
    )


def bilan_minutes_comptees(*, bilan: Bilan, sauf: Seance | None = None) -> int:
    """Minutes counted in the bilan's 24 hours (``beneficiaires.budget``): its séances of a
    counted type, planned or realised, the larger of the planned and realised durations each;
    ``sauf`` (a séance being changed) left out."""
    qs = Seance.objects.filter(bilan=bilan, statut__in=STATUTS_COMPTES, type__in=TYPES_COMPTES)
    if sauf is not None and sauf.pk:
        qs = qs.exclude(pk=sauf.pk)
    return sum(
        s.minutes_comptees
        for s in qs.only("duree_minutes", "duree_realisee_minutes", "statut", "type")
    )


def bilan_minutes_du_plan(*, bilan: Bilan) -> list[tuple[str, int]]:
    """The plan: (type, counted minutes) of each of the bilan's counted séances
    (``beneficiaires.budget.heures_du_plan`` turns it into planned hours)."""
    return [
        (s.type, s.minutes_comptees)
        for s in Seance.objects.filter(
            bilan=bilan, statut__in=STATUTS_COMPTES, type__in=TYPES_COMPTES
        ).only("duree_minutes", "duree_realisee_minutes", "statut", "type")
    ]


def bilan_prochaine_seance(*, bilan: Bilan) -> Seance | None:
    """The bilan's next planned appointment from now on, if any (guided personal work is not
    one)."""
    return (
        Seance.objects.filter(
            bilan=bilan, statut=Seance.Statut.PLANIFIEE, debut__gte=timezone.now()
        )
        .exclude(type=TypeSeance.TRAVAIL_PERSONNEL)
        .order_by("debut")
        .first()
    )


def bilan_budget(*, bilan: Bilan) -> dict[str, Any]:
    """The 24-hour budget at a glance: totals, by phase, by type, and what the CPF finances."""
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
        infos["heures_financees"] = cpf_heures_financees(
            entree_le=entree,
            heures_accompagnement=Decimal(accompagnement) / 60,
            heures_travail_personnel=Decimal(total - accompagnement) / 60,
        )
    return infos


def seances_du_consultant(
    *, consultant: User, debut: dt.datetime, fin: dt.datetime
) -> QuerySet[Seance]:
    """Séances of ``consultant`` (theirs, or of their bilans when none is named on the séance)
    starting in [``debut``, ``fin``)."""
    return (
        Seance.objects.filter(debut__gte=debut, debut__lt=fin)
        .filter(
            # A sub-select rather than a join condition: the séances are then read from the
            # (organisation, consultant, debut) index and the week, not bilan by bilan.
            Q(consultant=consultant)
            | Q(
                consultant__isnull=True,
                bilan_id__in=Bilan.objects.filter(consultant=consultant).values("pk"),
            )
        )
        .select_related("bilan", "bilan__beneficiaire")
        .order_by("debut")
    )


def creneau_conflits(
    *,
    consultant_id: int | None,
    debut: dt.datetime,
    duree_minutes: int,
    sauf_ids: Iterable[int] = (),
) -> list[Seance]:
    """Planned appointments of the consultant (theirs, or of their bilans when none is named),
    any bilan of the organisation, that overlap [``debut``, ``debut`` + ``duree_minutes``).
    Guided personal work takes none of the consultant's time: it never clashes."""
    if consultant_id is None:
        return []
    fin = debut + dt.timedelta(minutes=duree_minutes)
    candidates = (
        Seance.objects.filter(statut=Seance.Statut.PLANIFIEE, debut__lt=fin)
        .filter(debut__gte=debut - dt.timedelta(minutes=480))
        .filter(
            Q(consultant_id=consultant_id)
            | Q(consultant__isnull=True, bilan__consultant_id=consultant_id)
        )
        .exclude(type=TypeSeance.TRAVAIL_PERSONNEL)
        .exclude(pk__in=list(sauf_ids))
        .order_by("debut")
    )
    return [
        other
        for other in candidates
        if other.debut + dt.timedelta(minutes=other.duree_minutes) > debut
    ]


def seance_conflits(*, seance: Seance) -> list[Seance]:
    """Other planned appointments of the same consultant that overlap this one."""
    if seance.type == TypeSeance.TRAVAIL_PERSONNEL:
        return []
    return creneau_conflits(
        consultant_id=seance.consultant_id or seance.bilan.consultant_id,
        debut=seance.debut,
        duree_minutes=seance.duree_minutes,
        sauf_ids=[seance.pk] if seance.pk else [],
    )


def seance_modalite_par_defaut(*, bilan: Bilan) -> Seance.Modalite:
    """The modality a planned séance gets from its bilan: video for a remote bilan, else in
    person."""
    if bilan.modalite == Modalite.DISTANCIEL:
        return Seance.Modalite.VISIO
    return Seance.Modalite.PRESENTIEL


def bilan_conclusion_a_un_entretien(*, bilan: Bilan, realise: bool) -> bool:
    """R6313-4 3°: the conclusion goes through personalised interviews (an interview or a
    restitution in the conclusion phase; realised only when ``realise``)."""
    statuts = [Seance.Statut.REALISEE] if realise else list(STATUTS_COMPTES)
    return Seance.objects.filter(
        bilan=bilan,
        phase=Phase.CONCLUSION,
        type__in=[TypeSeance.ENTRETIEN, TypeSeance.RESTITUTION],
        statut__in=statuts,
    ).exists()
