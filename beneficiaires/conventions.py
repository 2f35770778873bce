"""Which document a financing route needs (rules only, no database access).

- Employer plan and congé de reclassement: tripartite convention (R6313-8), signed by the
  employee, the employer and the organisation.
- OPCO, Transitions Pro, France Travail, other funder: convention (L6353-1, D6353-1).
- Self-funded: contract (L6353-3 and L6353-4), with the 10-day withdrawal right.
- CPF: Mon Compte Formation's terms stand in for the convention (D6353-1 III): no document.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
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


class TypeDocument(StrEnum):
    """The signed-document kinds of the dossier (``SignedDocument.kind``)."""

    CONVENTION_TRIPARTITE = "convention_tripartite"
    CONVENTION = "convention"
    CONTRAT = "contrat"


@dataclass(frozen=True)
class SpecDocument:
    titre: Promise
    roles: tuple[SignatureRole, ...]
    # French agrees with the document's gender: one sentence per kind, never "émis(e)".
    pas_emis: Promise
    emis: Promise  # %(v)s: the version


DOCUMENTS: dict[TypeDocument, SpecDocument] = {
    TypeDocument.CONVENTION_TRIPARTITE: SpecDocument(
        titre=_("Convention tripartite de bilan de compétences"),
        roles=(SignatureRole.BENEFICIAIRE, SignatureRole.EMPLOYEUR, SignatureRole.ORGANISME),
        pas_emis=_("La convention tripartite n'est pas encore émise."),
        emis=_("Convention tripartite émise (version %(v)s) : elle attend les signatures."),
    ),
    TypeDocument.CONVENTION: SpecDocument(
        titre=_("Convention de bilan de compétences"),
        roles=(SignatureRole.BENEFICIAIRE, SignatureRole.ORGANISME),
        pas_emis=_("La convention n'est pas encore émise."),
        emis=_("Convention émise (version %(v)s) : elle attend les signatures."),
    ),
    TypeDocument.CONTRAT: SpecDocument(
        titre=_("Contrat de bilan de compétences"),
        roles=(SignatureRole.BENEFICIAIRE, SignatureRole.ORGANISME),
        pas_emis=_("Le contrat n'est pas encore émis."),
        emis=_("Contrat émis (version %(v)s) : il attend les signatures."),
    ),
}


def type_document(*, bilan: Bilan) -> TypeDocument | None:
    """The kind of signed document the bilan's route needs, or None (CPF)."""
    if bilan.financement in TRIPARTITE:
        return TypeDocument.CONVENTION_TRIPARTITE
    if bilan.financement in FINANCEURS:
        return TypeDocument.CONVENTION
    if bilan.financement == Financement.PERSONNEL:
        return TypeDocument.CONTRAT
    return None
