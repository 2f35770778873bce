"""Exploration rows, one module per role (questionnaires, ROME reference tables, pistes and
enquêtes métier), gathered here so that Django finds them."""

from exploration.models.pistes import EnqueteMetier, Piste
from exploration.models.questionnaires import Passation
from exploration.models.rome import (
    Appellation,
    CentreInteret,
    Competence,
    ContexteTravail,
    Fiche,
    FicheCompetence,
    Mobilite,
    RomeVersion,
)

__all__ = [
    "Appellation",
    "CentreInteret",
    "Competence",
    "ContexteTravail",
    "EnqueteMetier",
    "Fiche",
    "FicheCompetence",
    "Mobilite",
    "Passation",
    "Piste",
    "RomeVersion",
]
