"""Scoring of the questionnaires: pure functions, no database, no file (the instrument is
passed in, see ``exploration.instruments``).

Rules, as the data files' keys say:

- **Likert 1-5.** A plus-keyed item scores its answer; a minus-keyed item (``Item.inverse``)
  scores ``6 - answer``. A scale's score is the **sum** of its items: IPIP-NEO-120 facet = 4
  items (4-20), domain = its 24 items (24-120); Big-Five 50 factor = 10 items (10-50; the
  factor « Stabilité émotionnelle » is high for a stable person); RIASEC letter = 8 items
  (8-40, no reverse key).
- **Level** of a scale (to choose an interpretation text): the mean item score below 2.5 is
  « bas », above 3.5 « haut », otherwise « moyen » (thresholds of the project, the data give
  none; a tendency, never a norm-referenced verdict).
- **RIASEC code**: the three letters with the highest sums, highest first. Tie rule: equal sums
  are ordered by the hexagon's order R, I, A, S, E, C; ``egalite`` is set when a tie decides a
  letter of the code (two of the top three equal, or the third equal to the fourth), so the
  pages say that another order is as valid.
- **Card sort**: every card goes to one of three piles; the top five are chosen, ranked, among
  the « très important » pile (all of it when it holds fewer than five cards).

Bad input raises ``ValueError`` with a French message (missing or out-of-range answer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from exploration.instruments import LIKERT, PILES, RIASEC_48, TOP, TRI, Instrument

ORDRE_RIASEC = "RIASEC"
SEUIL_BAS = 2.5
SEUIL_HAUT = 3.5


def note_item(*, reponse: int, inverse: bool) -> int:
    """An item's score: the answer, or ``6 - answer`` for a minus-keyed item."""
    if not isinstance(reponse, int) or isinstance(reponse, bool) or not 1 <= reponse <= 5:
        raise ValueError("Réponse hors de l'échelle 1 à 5.")
    return 6 - reponse if inverse else reponse


def niveau(*, score: int, nombre_items: int) -> str:
    """« bas », « moyen » or « haut » from the mean item score (module docstring)."""
    moyenne = score / nombre_items
    if moyenne < SEUIL_BAS:
        return "bas"
    if moyenne > SEUIL_HAUT:
        return "haut"
    return "moyen"


def reponses_manquantes(*, instrument: Instrument, reponses: Mapping[str, Any]) -> list[str]:
    """Ids of the items not answered yet, in presentation order."""
    return [item.id for item in instrument.items if item.id not in reponses]


def _ligne(code: str, libelle: str, score: int, n: int, parent: str = "") -> dict[str, Any]:
    ligne: dict[str, Any] = {
        "code": code,
        "libelle": libelle,
        "score": score,
        "min": n,
        "max": 5 * n,
        "items": n,
        "niveau": niveau(score=score, nombre_items=n),
    }
    if parent:
        ligne["domaine"] = parent
    return ligne


def code_riasec(*, scores: Mapping[str, int]) -> tuple[str, bool]:
    """The 3-letter code and whether a tie decided it (tie rule in the module docstring)."""
    ordre = sorted(ORDRE_RIASEC, key=lambda lettre: (-scores[lettre], ORDRE_RIASEC.index(lettre)))
    valeurs = [scores[lettre] for lettre in ordre]
    egalite = len(set(valeurs[:3])) < 3 or valeurs[2] == valeurs[3]
    return "".join(ordre[:3]), egalite


def score_likert(*, instrument: Instrument, reponses: Mapping[str, int]) -> dict[str, Any]:
    """Scores of a complete Likert answer set: ``domaines`` (and ``facettes`` for the
    IPIP-NEO-120), each with its sum, range and level; for the RIASEC, ``code`` and
    ``egalite``. ValueError when an item is missing or out of range."""
    if instrument.type != LIKERT:
        raise ValueError("Cet instrument n'est pas une échelle de Likert.")
    manquantes = reponses_manquantes(instrument=instrument, reponses=reponses)
    if manquantes:
        raise ValueError(f"{len(manquantes)} question(s) sans réponse.")
    feuilles: dict[str, list[int]] = {}
    for item in instrument.items:
        note = note_item(reponse=reponses[item.id], inverse=item.inverse)
        feuilles.setdefault(item.echelle, []).append(note)
    facettes = [
        _ligne(f.code, f.libelle, sum(feuilles[f.code]), len(feuilles[f.code]), f.parent)
        for f in instrument.facettes
    ]
    domaines = []
    for d in instrument.domaines:
        notes = [
            n
            for code, liste in feuilles.items()
            for n in liste
            if code == d.code
            or any(f.code == code and f.parent == d.code for f in instrument.facettes)
        ]
        domaines.append(_ligne(d.code, d.libelle, sum(notes), len(notes)))
    resultat: dict[str, Any] = {
        "instrument": instrument.code,
        "domaines": domaines,
        "facettes": facettes,
    }
    if instrument.code == RIASEC_48:
        code, egalite = code_riasec(scores={d["code"]: d["score"] for d in domaines})
        resultat["code"] = code
        resultat["egalite"] = egalite
    return resultat


def score_tri(
    *, instrument: Instrument, piles: Mapping[str, str], top: Sequence[str]
) -> dict[str, Any]:
    """The card sort's result: the cards of each pile (source order) and the ranked top five.
    ValueError when a card has no pile or the top is not as the module docstring says."""
    if instrument.type != TRI:
        raise ValueError("Cet instrument n'est pas un tri de cartes.")
    ids = [c.id for c in instrument.cartes]
    sans_pile = [i for i in ids if piles.get(i) not in PILES]
    if sans_pile:
        raise ValueError(f"{len(sans_pile)} carte(s) sans pile.")
    par_pile = {p: [i for i in ids if piles[i] == p] for p in PILES}
    attendu = min(TOP, len(par_pile["tres_important"]))
    if len(top) != attendu or len(set(top)) != len(top):
        raise ValueError(f"Classez {attendu} valeurs différentes.")
    if any(i not in par_pile["tres_important"] for i in top):
        raise ValueError("Le classement se fait parmi les valeurs « très importantes ».")
    return {
        "instrument": instrument.code,
        "piles": par_pile,
        "comptes": {p: len(v) for p, v in par_pile.items()},
        "top": list(top),
    }
