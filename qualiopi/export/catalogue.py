"""Every provider of the evidence export, gathered in one list (the engine orders them by the
referential). Each module of ``qualiopi/export/`` exposes its ``FOURNISSEURS``."""

from qualiopi.export import dossiers, exploration, registres, resultats
from qualiopi.export.pieces import Fournisseur

FOURNISSEURS: list[Fournisseur] = [
    *dossiers.FOURNISSEURS,
    *registres.FOURNISSEURS,
    *resultats.FOURNISSEURS,
    *exploration.FOURNISSEURS,
]
