"""Which document a financing route needs (rules only, no database access).

- Employer plan and congé de reclassement: tripartite convention (R6313-8), signed by the
  employee, the employer and the organisation.
- OPCO, Transitions Pro, France Travail, other funder: convention (L6353-1, D6353-1).
- Self-funded: contract (L6353-3 and L6353-4), with the 10-day withdrawal right.
- CPF: Mon Compte Formation's terms stand in for the convention (D6353-1 III): no document.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Bilan, Financement
from bilan.core.models import SignatureRole

TRIPARTITE = {Financement.PLAN_EMPLOYEUR, Financement.CONGE_RECLASSEMENT}


FINANCEURS = {
    Financement.OPCO,
    Financement.TRANSITIONS_PRO,
    Financement.FRANCE_TRAVAIL,
    Financement.AUTRE_FINANCEUR,
}


DOCUMENTS = {
    "convention_tripartite": {
        "titre": _("Convention tripartite de bilan de compétences"),
        "roles": [SignatureRole.BENEFICIAIRE, SignatureRole.EMPLOYEUR, SignatureRole.ORGANISME],
    },
    "convention": {
        "titre": _("Convention de bilan de compétences"),
        "roles": [SignatureRole.BENEFICIAIRE, SignatureRole.ORGANISME],
    },
    "contrat": {
        "titre": _("Contrat de bilan de compétences"),
        "roles": [SignatureRole.BENEFICIAIRE, SignatureRole.ORGANISME],
    },
}


def type_document(*, bilan: Bilan) -> str | None:
    """The kind of signed document the bilan's route needs, or None (CPF)."""
    if bilan.financement in TRIPARTITE:
        return "convention_tripartite"
    if bilan.financement in FINANCEURS:
        return "convention"
    if bilan.financement == Financement.PERSONNEL:
        return "contrat"
    return None
