"""The questionnaires as data: the four instruments read from the files shipped in
``exploration/data/questionnaires/`` (each folder keeps its README, licence and attribution).

No database: the instruments are not tenant rows. A passation stores the instrument's code
(``CODES``); everything else (items, scales, keys, French texts) is read here, once per process.

- IPIP-NEO-120: French items, facet and domain names and interpretation texts from the data
  (MIT, Alheimsins; items public domain).
- RIASEC markers (48) and IPIP Big-Five 50: English public-domain items, French by the project
  (``fr_projet_bilan.json`` in each folder, marked as the project's own translation).
- Values card sort: cards translated by the project; five cards about religion, sexual or
  love life are left out (RGPD art. 9 data, no use in a bilan de compétences).
"""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "questionnaires"

IPIP_NEO_120 = "ipip_neo_120"
RIASEC_48 = "riasec_48"
IPIP_BF_50 = "ipip_bf_50"
VALEURS = "valeurs"
CODES = (IPIP_NEO_120, RIASEC_48, IPIP_BF_50, VALEURS)

LIKERT = "likert"
TRI = "tri"

# The three piles of the card sort, in display order.
PILES = ("tres_important", "important", "peu_important")
TOP = 5


@dataclass(frozen=True)
class Option:
    valeur: int
    libelle: str


@dataclass(frozen=True)
class Item:
    """One statement. ``echelle`` is the leaf scale it scores on (a facet such as ``N1``, a
    RIASEC letter, a Big-Five factor); ``inverse``: minus-keyed, scored ``6 - answer``."""

    id: str
    texte: str
    echelle: str
    inverse: bool = False


@dataclass(frozen=True)
class Echelle:
    """A scale of results: a domain (``parent`` empty) or a facet of ``parent``."""

    code: str
    libelle: str
    parent: str = ""
    description: str = ""
    # Interpretation by level ("bas", "moyen", "haut"), careful wording, never a verdict.
    textes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Carte:
    id: str
    nom: str
    description: str


@dataclass(frozen=True)
class Source:
    """What the « À propos des outils » page says of an instrument."""

    origine: str
    licence: str
    attribution: str
    traduction: str
    dossier: str


@dataclass(frozen=True)
class Instrument:
    code: str
    nom: str
    type: str
    consigne: str
    duree: str
    par_page: int
    options: tuple[Option, ...] = ()
    items: tuple[Item, ...] = ()
    domaines: tuple[Echelle, ...] = ()
    facettes: tuple[Echelle, ...] = ()
    cartes: tuple[Carte, ...] = ()
    source: Source | None = None

    @property
    def nombre(self) -> int:
        """Questions to answer: items, or cards to place."""
        return len(self.items) if self.type == LIKERT else len(self.cartes)

    def domaine(self, code: str) -> Echelle:
        return next(d for d in self.domaines if d.code == code)


def _json(*parts: str) -> Any:
    with (DATA.joinpath(*parts)).open(encoding="utf-8") as handle:
        return json.load(handle)


def _sans_html(texte: str) -> str:
    # The NEO texts separate paragraphs with <br />: the templates escape, so keep plain text.
    return " ".join(texte.replace("<br />", " ").replace("<br/>", " ").split())


NIVEAUX_NEO = {"low": "bas", "neutral": "moyen", "high": "haut"}

# Facet labels the data's README flags as mistranslated, corrected by the project (the
# interpretation texts are kept as they are).
FACETTES_CORRIGEES = {
    "E1": "Chaleur",  # Friendliness (« Bienveillance » in the data)
    "E2": "Sociabilité",  # Gregariousness (« Conformisme »)
    "C3": "Sens du devoir",  # Dutifulness (« Respect »)
    "O3": "Émotivité",  # Emotionality (« Affection »)
}


def _ipip_neo_120() -> Instrument:
    data = _json("ipip-neo-120", "ipip_neo_120_items.json")
    textes = _json("ipip-neo-120", "ipip_neo_result_texts_en_fr.json")["fr"]
    items = tuple(
        Item(
            id=str(row["num"]),
            texte=row["text_fr"],
            echelle=row["facet_code"],
            inverse=bool(row["reverse_keyed"]),
        )
        for row in sorted(data["items"], key=lambda r: r["num"])
    )
    domaines: list[Echelle] = []
    facettes: list[Echelle] = []
    for code in ("N", "E", "O", "A", "C"):
        texte = textes[code]
        domaines.append(
            Echelle(
                code=code,
                libelle=texte["title"],
                description=_sans_html(texte["shortDescription"]),
                textes={NIVEAUX_NEO[r["score"]]: _sans_html(r["text"]) for r in texte["results"]},
            )
        )
        for facette in texte["facets"]:
            facettes.append(
                Echelle(
                    code=f"{code}{facette['facet']}",
                    libelle=FACETTES_CORRIGEES.get(f"{code}{facette['facet']}", facette["title"]),
                    parent=code,
                    description=_sans_html(facette["text"]),
                )
            )
    return Instrument(
        code=IPIP_NEO_120,
        nom="IPIP-NEO-120",
        type=LIKERT,
        consigne=(
            "Voici des phrases qui décrivent des comportements. Pour chacune, indiquez dans "
            "quelle mesure elle vous décrit tel·le que vous êtes en général aujourd'hui. Il n'y "
            "a pas de bonne ou de mauvaise réponse."
        ),
        duree="20 à 30 minutes",
        par_page=10,
        # The data's labels, with the missing accents of « Plutôt » restored.
        options=tuple(
            Option(valeur=o["score_if_plus_keyed"], libelle=o["label"].replace("Plutot", "Plutôt"))
            for o in data["response_scale"]["fr"]
        ),
        items=items,
        domaines=tuple(domaines),
        facettes=tuple(facettes),
        source=Source(
            origine=(
                "Johnson, J. A. (2014). Measuring thirty facets of the Five Factor Model with a "
                "120-item public domain inventory: Development of the IPIP-NEO-120. Journal of "
                "Research in Personality, 51, 78-89. Items de l'International Personality Item "
                "Pool (ipip.ori.org)."
            ),
            licence=(
                "Items : domaine public (IPIP). Traduction française, noms des facettes et textes "
                "d'interprétation : licence MIT, © 2017 Geir Gåsodden (dépôts Alheimsins "
                "b5-johnson-120-ipip-neo-pi-r et b5-result-text)."
            ),
            attribution=(
                "© 2017 Geir Gåsodden, licence MIT ; traduction de Mathew Gravel et contributeurs."
            ),
            traduction=(
                "Traduction communautaire (bénévole) reprise telle quelle, non validée "
                "psychométriquement. Le projet a corrigé quatre noms de facettes mal traduits "
                "(Chaleur, Sociabilité, Sens du devoir, Émotivité) et l'accent de « Plutôt »."
            ),
            dossier="ipip-neo-120",
        ),
    )


def _riasec_48() -> Instrument:
    data = _json("riasec-markers-48", "riasec_markers_items.json")
    fr = _json("riasec-markers-48", "fr_projet_bilan.json")
    return Instrument(
        code=RIASEC_48,
        nom="RIASEC (48 activités)",
        type=LIKERT,
        consigne=fr["consigne"],
        duree="10 minutes",
        par_page=8,
        options=tuple(Option(valeur=o["valeur"], libelle=o["libelle"]) for o in fr["echelle"]),
        items=tuple(
            Item(id=row["item_id"], texte=fr["items"][row["item_id"]], echelle=row["scale"])
            for row in data["items"]
        ),
        domaines=tuple(
            Echelle(code=code, libelle=e["libelle"], description=e["description"])
            for code, e in fr["echelles"].items()
        ),
        source=Source(
            origine=(
                "Armstrong, P. I., Allison, W. & Rounds, J. (2008). Development and initial "
                "validation of brief public domain RIASEC marker scales. Journal of Vocational "
                "Behavior, 73, 287-299 (items de l'Interest Item Pool, numérotation d'Open "
                "Psychometrics)."
            ),
            licence="Domaine public.",
            attribution="Armstrong, Allison & Rounds (2008).",
            traduction=fr["traduction"],
            dossier="riasec-markers-48",
        ),
    )


def _ipip_bf_50() -> Instrument:
    data = _json("ipip-bigfive-50", "ipip50_items.json")
    fr = _json("ipip-bigfive-50", "fr_projet_bilan.json")
    rows = sorted(data["items"], key=lambda r: r["ipip_questionnaire_position"])
    return Instrument(
        code=IPIP_BF_50,
        nom="Big Five IPIP (50 items)",
        type=LIKERT,
        consigne=fr["consigne"],
        duree="10 à 15 minutes",
        par_page=10,
        options=tuple(Option(valeur=o["valeur"], libelle=o["libelle"]) for o in fr["echelle"]),
        items=tuple(
            Item(
                id=row["item_id"],
                texte=fr["items"][row["item_id"]],
                echelle=row["factor"],
                inverse=bool(row["reverse_keyed"]),
            )
            for row in rows
        ),
        domaines=tuple(
            Echelle(
                code=code,
                libelle=f["libelle"],
                textes={"bas": f["bas"], "moyen": f["moyen"], "haut": f["haut"]},
            )
            for code, f in fr["facteurs"].items()
        ),
        source=Source(
            origine=(
                "Goldberg, L. R. (1992). The development of markers for the Big-Five factor "
                "structure. Psychological Assessment, 4, 26-42 ; version IPIP en 50 items "
                "(ipip.ori.org)."
            ),
            licence="Domaine public (IPIP).",
            attribution="Goldberg (1992) ; International Personality Item Pool.",
            traduction=fr["traduction"],
            dossier="ipip-bigfive-50",
        ),
    )


def _valeurs() -> Instrument:
    fr = _json("values-card-sort", "fr_projet_bilan.json")
    exclues = {str(i) for i in fr["exclues"]["ids"]}
    with (DATA / "values-card-sort" / "values_card_sort.csv").open(encoding="utf-8") as handle:
        ids = [row["value_id"] for row in csv.DictReader(handle)]
    cartes = tuple(
        Carte(id=i, nom=fr["cartes"][i][0], description=fr["cartes"][i][1])
        for i in ids
        if i not in exclues
    )
    return Instrument(
        code=VALEURS,
        nom="Tri de cartes des valeurs",
        type=TRI,
        consigne=fr["consigne"],
        duree="15 à 20 minutes",
        par_page=10,
        cartes=cartes,
        source=Source(
            origine=(
                "Miller, W. R., C'de Baca, J., Matthews, D. B. & Wilbourne, P. L. (2001). "
                "Personal Values Card Sort. University of New Mexico (83 cartes) ; 9 cartes "
                "ajoutées par le dépôt service-guild/values."
            ),
            licence=(
                "Cartes de Miller et al. (2001) : domaine public. Fichier et cartes ajoutées : "
                "licence MIT, © 2025 « alice » (dépôt service-guild/values)."
            ),
            attribution=(
                "Miller, C'de Baca, Matthews & Wilbourne (2001) ; © 2025 « alice », licence MIT."
            ),
            traduction=fr["traduction"] + " " + fr["exclues"]["motif"],
            dossier="values-card-sort",
        ),
    )


@functools.cache
def instruments() -> dict[str, Instrument]:
    """Every instrument by code, read once from the shipped files."""
    return {i.code: i for i in (_ipip_neo_120(), _riasec_48(), _ipip_bf_50(), _valeurs())}


def instrument(code: str) -> Instrument:
    """The instrument ``code`` (KeyError for an unknown code)."""
    return instruments()[code]
