"""Retention of administrative and quality evidence (domain rule 15, domain.md §4.1): the default
schedule per kind, the legal floors an organisation cannot go below, and the day until which a
piece is kept. Pure rules, no database access.

Defaults (configurable per organisation, ``RegleConservation``):

- conventions and contracts: 5 years after the end of the bilan (commercial prescription);
- payments and accounting pieces: 10 years from their date (Code de commerce L123-22);
- attendance proofs, attestations and certificates: 3 full years after the end of the year of
  the bilan's last payment (controls of the funders and of the State, decree 2023-1350 notice);
- administrative files of the dossier: 5 years after the end of the bilan;
- satisfaction surveys, complaints and registers: 3 years (the Qualiopi cycle, R6316-2).

A piece of a bilan still running has no date yet: nothing is destroyed before the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bilan.core.dates import ajouter_mois
from qualiopi.models.resultats import NaturePreuve, PointDepart


@dataclass(frozen=True)
class Regle:
    nature: str
    duree_ans: int
    point_depart: str


REGLES_DEFAUT: dict[str, Regle] = {
    NaturePreuve.CONTRATS: Regle(NaturePreuve.CONTRATS, 5, PointDepart.FIN_BILAN),
    NaturePreuve.PAIEMENTS: Regle(NaturePreuve.PAIEMENTS, 10, PointDepart.DATE_PIECE),
    NaturePreuve.EMARGEMENTS: Regle(
        NaturePreuve.EMARGEMENTS, 3, PointDepart.FIN_ANNEE_DERNIER_PAIEMENT
    ),
    NaturePreuve.ATTESTATIONS: Regle(
        NaturePreuve.ATTESTATIONS, 3, PointDepart.FIN_ANNEE_DERNIER_PAIEMENT
    ),
    NaturePreuve.PIECES_ADMINISTRATIVES: Regle(
        NaturePreuve.PIECES_ADMINISTRATIVES, 5, PointDepart.FIN_BILAN
    ),
    NaturePreuve.ENQUETES: Regle(NaturePreuve.ENQUETES, 3, PointDepart.DATE_PIECE),
    NaturePreuve.REGISTRES: Regle(NaturePreuve.REGISTRES, 3, PointDepart.DATE_PIECE),
}

# Below these durations the organisation would destroy what a control may still ask for.
PLANCHERS_ANS: dict[str, int] = {
    NaturePreuve.PAIEMENTS: 10,
    NaturePreuve.EMARGEMENTS: 3,
    NaturePreuve.ATTESTATIONS: 3,
    NaturePreuve.ENQUETES: 3,
    NaturePreuve.REGISTRES: 3,
}


def conserver_jusqu_au(
    *,
    regle: Regle,
    date_piece: dt.date,
    lie_a_un_bilan: bool,
    fin_bilan: dt.date | None,
    dernier_paiement: dt.date | None,
) -> dt.date | None:
    """The last day the piece is kept, or None while its bilan runs (``lie_a_un_bilan`` and no
    ``fin_bilan``). Without a bilan, the piece's own date is the starting point."""
    if regle.point_depart == PointDepart.DATE_PIECE:
        return ajouter_mois(jour=date_piece, mois=12 * regle.duree_ans)
    if lie_a_un_bilan and fin_bilan is None:
        return None
    fin = fin_bilan or date_piece
    if regle.point_depart == PointDepart.FIN_BILAN:
        return ajouter_mois(jour=fin, mois=12 * regle.duree_ans)
    # Full years after the end of the year of the last payment (or of the end, when none).
    annee = (dernier_paiement or fin).year
    return dt.date(annee + regle.duree_ans, 12, 31)
