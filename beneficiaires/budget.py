"""The 24 hours of a bilan (L6313-4): what counts, the cap, and the one refusal message.

Counted in the 24 hours: accompaniment (synchronous with the consultant) and guided personal
work, i.e. every type of séance; never the free prior interview nor the follow-up interview,
which are not séances. Which séance *statuses* count (planned or realised: a cancellation or an
absence gives its time back) is the séances' rule (``seances.models.STATUTS_COMPTES``), and the
database computation is ``seances.selectors.minutes_comptees``; the database itself caps the
total (trigger + CHECK ``bilan_24_heures_au_plus``).

Pure rules, no database access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires.models import TypeSeance
from bilan.core.formatting import duree_fr

BUDGET_MINUTES = 24 * 60
TYPES_COMPTES: frozenset[str] = frozenset(
    TypeSeance.accompagnement() | {TypeSeance.TRAVAIL_PERSONNEL}
)


class Demande(models.TextChoices):
    """What asks for the time, as the refusal message names it."""

    SEANCE = "seance", gettext_lazy("cette séance")
    PLANNING = "planning", gettext_lazy("ce planning")
    TRAVAIL = "travail", gettext_lazy("ce travail")
    PREVISION = "prevision", gettext_lazy("cette prévision d'heures")


def est_compte(*, type_seance: str) -> bool:
    """Whether a séance of this type counts in the 24 hours."""
    return type_seance in TYPES_COMPTES


def etapes_minutes_comptees(*, etapes: Iterable[Mapping[str, Any]]) -> int:
    """Minutes counted by planned étapes or séances (dicts with ``type`` and
    ``duree_minutes``), e.g. a programme template."""
    return sum(int(e["duree_minutes"]) for e in etapes if est_compte(type_seance=e["type"]))


def depasse(*, deja_minutes: int, demande_minutes: int) -> bool:
    return deja_minutes + demande_minutes > BUDGET_MINUTES


def message_depassement(
    *, deja_minutes: int, demande_minutes: int, demande: Demande = Demande.SEANCE
) -> str:
    """The French refusal when ``demande_minutes`` more would pass the 24 hours, with
    ``deja_minutes`` already counted: names the time left and the time asked."""
    return _(
        "Le bilan ne peut pas dépasser 24 heures (L6313-4) : il reste %(reste)s, "
        "et %(demande)s en demande %(minutes)s."
    ) % {
        "reste": duree_fr(minutes=max(BUDGET_MINUTES - deja_minutes, 0)),
        "demande": Demande(demande).label,
        "minutes": duree_fr(minutes=demande_minutes),
    }


def heures_du_plan(*, minutes_par_type: Iterable[tuple[str, int]]) -> tuple[Decimal, Decimal]:
    """The planned hours a plan adds up to: (accompaniment, guided personal work), each to the
    hundredth of an hour, from (séance type, counted minutes) pairs. What ``Bilan.heures_*``
    hold once séances are planned, and what a convention prints."""
    accompagnement = personnel = 0
    for type_seance, minutes in minutes_par_type:
        if not est_compte(type_seance=type_seance):
            continue
        if type_seance == TypeSeance.TRAVAIL_PERSONNEL:
            personnel += minutes
        else:
            accompagnement += minutes

    def heures(minutes: int) -> Decimal:
        return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    return heures(accompagnement), heures(personnel)
