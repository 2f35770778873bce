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
from qualiopi.models.resultats import NaturePreuve, PiecePreuve, PointDepart, RegleConservation

__all__ = [
    "AccuseLecture",
    "ActionAmelioration",
    "AdaptationHandicap",
    "DocumentVersion",
    "ExportQualiopi",
    "Intervenant",
    "KindDocument",
    "NaturePreuve",
    "Offre",
    "OffreVersion",
    "ParametresQualite",
    "PartenaireHandicap",
    "PieceIntervenant",
    "PiecePreuve",
    "PointDepart",
    "Reclamation",
    "RegleConservation",
    "RetourPartiePrenante",
    "VeilleEntree",
]
