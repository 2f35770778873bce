"""The Qualiopi referential (RNQ) as data: criteria, indicators, what applies to bilans de
compétences and the evidence kinds that prove each indicator.

The referential is a versioned JSON file in ``qualiopi/data/`` (``settings.QUALIOPI_REFERENTIEL``
names the one in force). A new version of the RNQ (a new indicator, a renumbering, another mapping
of evidence) is a new data file, not code: the export and the dashboards read the indicators and
their evidence kinds from here, and each says which version it followed. Evidence kinds are stable
codes (``reclamations``, ``conventions_signees``...) that the export's providers declare.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

DOSSIER_DONNEES = Path(__file__).resolve().parent / "data"
PREUVE_ADMINISTRATIVE = "administratif"


@dataclass(frozen=True)
class Critere:
    numero: int
    titre: str


@dataclass(frozen=True)
class Indicateur:
    numero: int
    critere: int
    titre: str
    bilan: bool
    non_conformite: str
    note_bilan: str
    motif_exclusion: str
    preuves: tuple[str, ...]


@dataclass(frozen=True)
class Referentiel:
    code: str
    version: str
    titre: str
    publie_le: str
    applicable_depuis: str
    source: str
    criteres: tuple[Critere, ...]
    indicateurs: tuple[Indicateur, ...]
    preuves: dict[str, str]

    @property
    def libelle(self) -> str:
        """What exports and dashboards print: « RNQ V9 (applicable depuis le 2024-03-08) »."""
        return f"{self.version} (applicable depuis le {self.applicable_depuis})"

    def indicateurs_bilan(self) -> tuple[Indicateur, ...]:
        return tuple(i for i in self.indicateurs if i.bilan)

    def indicateurs_du_critere(self, critere: int) -> tuple[Indicateur, ...]:
        return tuple(i for i in self.indicateurs if i.critere == critere)

    def indicateur(self, numero: int) -> Indicateur:
        for indicateur in self.indicateurs:
            if indicateur.numero == numero:
                return indicateur
        raise KeyError(numero)

    def indicateurs_prouves_par(self, preuve: str) -> tuple[Indicateur, ...]:
        return tuple(i for i in self.indicateurs if preuve in i.preuves)


def charger_referentiel(code: str) -> Referentiel:
    """Reads ``qualiopi/data/<code>.json``; checks that every evidence kind it maps is declared."""
    donnees = json.loads((DOSSIER_DONNEES / f"{code}.json").read_text(encoding="utf-8"))
    preuves = dict(donnees["preuves"])
    indicateurs = tuple(
        Indicateur(
            numero=i["numero"],
            critere=i["critere"],
            titre=i["titre"],
            bilan=i["bilan"],
            non_conformite=i.get("non_conformite", ""),
            note_bilan=i.get("note_bilan", ""),
            motif_exclusion=i.get("motif_exclusion", ""),
            preuves=tuple(i.get("preuves", ())),
        )
        for i in donnees["indicateurs"]
    )
    inconnues = {p for i in indicateurs for p in i.preuves} - preuves.keys()
    if inconnues:
        raise ValueError(f"Référentiel {code} : preuves non déclarées {sorted(inconnues)}")
    return Referentiel(
        code=code,
        version=donnees["version"],
        titre=donnees["titre"],
        publie_le=donnees["publie_le"],
        applicable_depuis=donnees["applicable_depuis"],
        source=donnees["source"],
        criteres=tuple(Critere(c["numero"], c["titre"]) for c in donnees["criteres"]),
        indicateurs=indicateurs,
        preuves=preuves,
    )


@cache
def referentiel_courant() -> Referentiel:
    """The referential in force (``settings.QUALIOPI_REFERENTIEL``), read once per process."""
    return charger_referentiel(settings.QUALIOPI_REFERENTIEL)
