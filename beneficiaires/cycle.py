"""The life cycle of a bilan: the order of its legal phases (R6313-4) and its end states.

Pure rules, no database access; every service, selector and view takes them from here.
"""

from __future__ import annotations

from collections.abc import Iterable

from beneficiaires.models import Phase, StatutBilan

# R6313-4: three phases, in this order, none skipped.
ORDRE_PHASES: tuple[Phase, ...] = (Phase.PRELIMINAIRE, Phase.INVESTIGATION, Phase.CONCLUSION)

# A bilan in one of these states is over for good: nothing is planned or changed in it any more.
TERMINAUX: frozenset[StatutBilan] = frozenset(
    {StatutBilan.CLOS, StatutBilan.ABANDONNE, StatutBilan.REFUSE}
)

# The bilan has reached its end (synthèse handed over, or closed): the follow-up may be planned.
FINIS: frozenset[StatutBilan] = frozenset({StatutBilan.SYNTHESE_REMISE, StatutBilan.CLOS})


def rang_phase(*, phase: str) -> int:
    """0, 1 or 2 for the préliminaire, investigation and conclusion phases (ValueError for
    anything else)."""
    return ORDRE_PHASES.index(Phase(phase))


def phases_dans_l_ordre(*, phases: Iterable[str]) -> bool:
    """Whether ``phases``, in sequence, never go back to an earlier phase."""
    rangs = [rang_phase(phase=p) for p in phases]
    return all(avant <= apres for avant, apres in zip(rangs, rangs[1:], strict=False))
