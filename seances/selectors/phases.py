"""Reads of the legal phases at the end of a bilan (R6313-4, rules 05, 06 and 13): the
conclusion's individual interviews and their attendance, the accompaniment realised. The
closing itself needs the synthèse too: it is ``syntheses.services.cloture``'s.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from beneficiaires.models import Bilan, Phase, TypeSeance
from seances.models import Seance
from seances.selectors.emargement import PARIS, seance_emargee

TYPES_ENTRETIEN_INDIVIDUEL = (TypeSeance.ENTRETIEN, TypeSeance.RESTITUTION)


def conclusion_entretiens_realises(*, bilan: Bilan) -> list[Seance]:
    """The realised individual interviews (entretien, restitution) of the conclusion phase,
    latest first."""
    return list(
        Seance.objects.filter(
            bilan=bilan,
            phase=Phase.CONCLUSION,
            type__in=TYPES_ENTRETIEN_INDIVIDUEL,
            statut=Seance.Statut.REALISEE,
        ).order_by("-debut")
    )


def conclusion_entretien_emarge(*, bilan: Bilan) -> Seance | None:
    """The latest realised conclusion interview signed by both the beneficiary and the
    consultant (rule 13: closing-séance attendance), or None."""
    for seance in conclusion_entretiens_realises(bilan=bilan):
        if seance_emargee(seance=seance):
            return seance
    return None


def seances_encore_planifiees(*, bilan: Bilan) -> list[Seance]:
    """The séances of the bilan still planned (neither realised nor cancelled), by date: a
    closed bilan keeps none (rule 13), or its reminders would reach the beneficiary."""
    return list(
        Seance.objects.filter(bilan=bilan, statut=Seance.Statut.PLANIFIEE).order_by("debut")
    )


def derniere_seance_realisee_le(*, bilan: Bilan) -> dt.date | None:
    """The day (Europe/Paris) of the bilan's latest realised séance."""
    seance = (
        Seance.objects.filter(bilan=bilan, statut=Seance.Statut.REALISEE).order_by("-debut").first()
    )
    if seance is None:
        return None
    return seance.debut.astimezone(PARIS).date()


def accompagnement_realise_heures(*, bilan: Bilan) -> Decimal:
    """Hours of accompaniment realised (rule 05), from the realised durations."""
    minutes = sum(
        s.duree_realisee_minutes or 0
        for s in Seance.objects.filter(bilan=bilan, statut=Seance.Statut.REALISEE)
        if s.est_accompagnement
    )
    return Decimal(minutes) / 60
