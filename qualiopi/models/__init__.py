"""Qualiopi rows, one module per role (registers, offer pages, organisation documents, exports),
gathered here so that Django finds them."""

from qualiopi.models.documents import AccuseLecture, DocumentVersion, KindDocument
from qualiopi.models.exports import ExportQualiopi
from qualiopi.models.offres import Offre, OffreVersion
from qualiopi.models.registres import (
    ActionAmelioration,
    AdaptationHandicap,
    Intervenant,
    ParametresQualite,
    PartenaireHandicap,
    PieceIntervenant,
    Reclamation,
    RetourPartiePrenante,
    VeilleEntree,
)

__all__ = [
    "AccuseLecture",
    "ActionAmelioration",
    "AdaptationHandicap",
    "DocumentVersion",
    "ExportQualiopi",
    "Intervenant",
    "KindDocument",
    "Offre",
    "OffreVersion",
    "ParametresQualite",
    "PartenaireHandicap",
    "PieceIntervenant",
    "Reclamation",
    "RetourPartiePrenante",
    "VeilleEntree",
]
