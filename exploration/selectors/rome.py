"""Reads of the ROME reference: search by job title, fiche pages, suggestions by RIASEC code,
the attribution the licence requires.

The search is accent- and typo-tolerant and gives the same first results on both backends:
both fetch candidates from the accent-stripped, lower-cased ``Appellation.recherche`` column
and rank them with the same pure function (``appellations_classer``).

- PostgreSQL: candidates through the GIN trigram index (``pg_trgm``, operator ``<%``, word
  similarity with a lowered threshold set for the transaction only).
- SQLite (the embedded demo): an in-memory trigram index of the 13 120 titles, built once per
  process and loaded version (a few hundred kilobytes).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from exploration.models import (
    Appellation,
    Competence,
    Fiche,
    FicheCompetence,
    Mobilite,
    RomeVersion,
)

# --- Normalisation and ranking (pure, shared by both backends) --------------------------------

_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "’": " ", "'": " "}
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# A query word matches a title word from this similarity up (trigram Jaccard index, or 1 for
# the same word, 0.9 for a prefix typed so far).
SEUIL_MOT = 0.45
# Each title word left unmatched costs this much: "Boulanger / Boulangère" before
# "Boulanger industriel / Boulangère industrielle" for "boulanger".
PENALITE_MOT = 0.04
BONUS_PRINCIPALE = 0.02
# A fiche with many titles matching as well as its best one is the common meaning of the
# query ("infirmière": the general nurse's fiche, with fourteen such titles).
BONUS_PROCHES = 0.01
PROCHES_MAX = 10
LONGUEUR_MIN = 2
RESULTATS_MAX = 20
CANDIDATS_MAX = 600


def normaliser(texte: str | None) -> str:
    """Lower-case, accents and ligatures stripped, words separated by single spaces."""
    texte = unicodedata.normalize("NFKD", (texte or "").translate(_LIGATURES))
    texte = "".join(c for c in texte if not unicodedata.combining(c)).lower()
    return " ".join(_NON_ALNUM.sub(" ", texte).split())


@functools.lru_cache(maxsize=65536)  # the ROME has about 8 000 distinct title words
def trigrammes(mot: str) -> frozenset[str]:
    """Trigrams of one word, padded as pg_trgm pads them (two spaces before, one after)."""
    padded = f"  {mot} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def _similarite_mot(requete: str, mot: str) -> float:
    if requete == mot:
        return 1.0
    if len(requete) >= 3 and mot.startswith(requete):
        return 0.9
    a, b = trigrammes(requete), trigrammes(mot)
    return len(a & b) / len(a | b)


def appellation_score(mots_requete: Sequence[str], recherche: str) -> float:
    """How well a normalised title answers the query words (0 when a word is missing)."""
    mots = recherche.split()
    if not mots or not mots_requete:
        return 0.0
    total = 0.0
    couverts: set[int] = set()
    for mot_requete in mots_requete:
        similarites = [_similarite_mot(mot_requete, mot) for mot in mots]
        meilleure = max(similarites)
        if meilleure < SEUIL_MOT:
            return 0.0
        total += meilleure
        couverts.update(i for i, s in enumerate(similarites) if s >= SEUIL_MOT)
    return total / len(mots_requete) - PENALITE_MOT * (len(mots) - len(couverts))


@dataclass(frozen=True)
class Candidat:
    """An appellation as both backends hand it to the ranking."""

    appellation_id: int
    fiche_id: int
    libelle: str
    recherche: str
    principale: bool


@dataclass
class Resultat:
    """One fiche found, with the titles that matched (best first)."""

    fiche_id: int
    score: float
    appellations: list[Candidat] = field(default_factory=list)


def appellations_classer(requete: str, candidats: Iterable[Candidat]) -> list[Resultat]:
    """Rank candidates by fiche: the fiche's best title, plus a little for each other title
    about as good. Pure: the PostgreSQL and SQLite paths both end here, hence the same order."""
    mots = normaliser(requete).split()
    par_fiche: dict[int, list[tuple[float, Candidat]]] = defaultdict(list)
    for candidat in candidats:
        score = appellation_score(mots, candidat.recherche)
        if score > 0:
            score += BONUS_PRINCIPALE if candidat.principale else 0.0
            par_fiche[candidat.fiche_id].append((score, candidat))
    resultats = []
    for fiche_id, notes in par_fiche.items():
        notes.sort(key=lambda n: (-n[0], n[1].libelle))
        meilleur = notes[0][0]
        proches = sum(1 for score, _c in notes if score >= meilleur - 0.1)
        resultats.append(
            Resultat(
                fiche_id=fiche_id,
                score=meilleur + BONUS_PROCHES * min(proches, PROCHES_MAX),
                appellations=[c for _s, c in notes[:3]],
            )
        )
    resultats.sort(key=lambda r: (-r.score, r.appellations[0].libelle))
    return resultats


# --- Candidates: PostgreSQL ----------------------------------------------------------------------


def seuil_postgresql(mot: str) -> float:
    """The pg_trgm word-similarity threshold that keeps every title the ranking can accept
    for this word, and few others: a word of three letters or less is only accepted exactly
    or as a prefix (at least three of its four trigrams), a longer one from ``SEUIL_MOT``."""
    return 0.75 if len(mot) <= 3 else SEUIL_MOT


def _candidats_postgresql(mots: list[str]) -> list[Candidat]:
    """Titles whose words resemble every query word, through the GIN trigram index."""
    conditions = " AND ".join(["%s <%% a.recherche"] * len(mots))
    seuil = max(seuil_postgresql(mot) for mot in mots) if len(mots) == 1 else SEUIL_MOT
    with transaction.atomic(), connection.cursor() as cursor:
        # Settings for this statement only: set in a savepoint rolled back right after (a
        # read, nothing else is lost), so the request's transaction goes on without them. The
        # planner cannot see how dear word_similarity() is per row and would scan the whole
        # table (about 250 ms) instead of the index (about 10 ms).
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), "
            "set_config('enable_seqscan', 'off', true)",
            [str(seuil)],
        )
        cursor.execute(
            # Only the placeholder condition is repeated; the words are bound parameters.
            "SELECT a.id, a.fiche_id, a.libelle, a.recherche, a.principale "  # noqa: S608
            'FROM "exploration_appellation" a '
            f"WHERE {conditions} "
            "ORDER BY word_similarity(%s, a.recherche) DESC, a.id LIMIT %s",
            [*mots, " ".join(mots), CANDIDATS_MAX],
        )
        lignes = cursor.fetchall()
        transaction.set_rollback(True)
    return [Candidat(*ligne) for ligne in lignes]


# --- Candidates: SQLite (in-memory trigram index) ------------------------------------------------


@dataclass
class _Index:
    version: int | None
    candidats: list[Candidat]
    # The distinct title words, their number of trigrams, the words of each trigram, and the
    # titles of each word.
    mots: list[str]
    tailles: list[int]
    par_trigramme: dict[str, list[int]]
    postings: dict[str, list[int]]


_index: _Index | None = None
_index_lock = threading.Lock()


def _index_memoire() -> _Index:
    global _index
    version = RomeVersion.objects.values_list("numero", flat=True).first()
    if _index is not None and _index.version == version:
        return _index
    with _index_lock:
        candidats = [
            Candidat(*row)
            for row in Appellation.objects.order_by("id").values_list(
                "id", "fiche_id", "libelle", "recherche", "principale"
            )
        ]
        postings: dict[str, set[int]] = defaultdict(set)
        for position, candidat in enumerate(candidats):
            for mot in candidat.recherche.split():
                postings[mot].add(position)
        mots = sorted(postings)
        par_trigramme: dict[str, list[int]] = defaultdict(list)
        for rang, mot in enumerate(mots):
            for trigramme in trigrammes(mot):
                par_trigramme[trigramme].append(rang)
        _index = _Index(
            version=version,
            candidats=candidats,
            mots=mots,
            tailles=[len(trigrammes(mot)) for mot in mots],
            par_trigramme=dict(par_trigramme),
            postings={m: sorted(p) for m, p in postings.items()},
        )
        return _index


def _mots_proches(requete: str, index: _Index) -> list[str]:
    """The title words the ranking accepts for this query word: the same word, a word it is
    the prefix of, or a trigram Jaccard index from ``SEUIL_MOT`` (counted through the
    trigram-to-word index, so only words sharing a trigram are looked at)."""
    cibles = trigrammes(requete)
    communs: Counter[int] = Counter()
    for trigramme in cibles:
        communs.update(index.par_trigramme.get(trigramme, ()))
    proches = []
    for rang, commun in communs.items():
        mot = index.mots[rang]
        jaccard = commun / (len(cibles) + index.tailles[rang] - commun)
        if (
            jaccard >= SEUIL_MOT
            or mot == requete
            or (len(requete) >= 3 and mot.startswith(requete))
        ):
            proches.append(mot)
    return proches


def candidats_memoire(mots: list[str], index: _Index) -> list[Candidat]:
    """Titles having, for every query word, a word the ranking would accept (exactly the
    titles it can score above zero)."""
    retenus: set[int] | None = None
    for requete in mots:
        positions: set[int] = set()
        for mot in _mots_proches(requete, index):
            positions.update(index.postings[mot])
        retenus = positions if retenus is None else retenus & positions
        if not retenus:
            return []
    return [index.candidats[p] for p in sorted(retenus or ())]


# --- Search --------------------------------------------------------------------------------------


@dataclass
class FicheTrouvee:
    fiche: Fiche
    appellations: list[str]


def appellations_rechercher(*, requete: str, limite: int = RESULTATS_MAX) -> list[FicheTrouvee]:
    """Fiches whose job titles answer ``requete`` (accents and small typos forgiven), best
    first, each with its matching titles."""
    mots = normaliser(requete).split()
    if not mots or len("".join(mots)) < LONGUEUR_MIN:
        return []
    if connection.vendor == "postgresql":
        candidats = _candidats_postgresql(mots)
    else:
        candidats = candidats_memoire(mots, _index_memoire())
    resultats = appellations_classer(requete, candidats)[:limite]
    fiches = Fiche.objects.in_bulk([r.fiche_id for r in resultats])
    return [
        FicheTrouvee(fiche=fiches[r.fiche_id], appellations=[c.libelle for c in r.appellations])
        for r in resultats
        if r.fiche_id in fiches
    ]


# --- Fiches --------------------------------------------------------------------------------------


def version_chargee() -> RomeVersion | None:
    return RomeVersion.objects.first()


def attribution() -> str:
    """The mention the ROME licence requires: the source and the date of the version."""
    version = version_chargee()
    if version is None:
        return _("Source : France Travail, ROME 4.0 (données ouvertes).")
    return _(
        "Source : France Travail, ROME 4.0 version %(numero)s (données ouvertes, Licence "
        "Ouverte, mise à jour du %(date)s)."
    ) % {"numero": version.numero, "date": version.publiee_le.strftime("%d/%m/%Y")}


def fiche_obtenir(*, code: str) -> Fiche:
    """One fiche by its code ROME, or 404."""
    fiche = Fiche.objects.filter(code=(code or "").upper()).first()
    if fiche is None:
        raise Http404
    return fiche


@dataclass
class Groupe:
    titre: str
    elements: list[FicheCompetence]


def _grouper(
    liens: Iterable[FicheCompetence], cle: Callable[[FicheCompetence], str]
) -> list[Groupe]:
    groupes: dict[str, list[FicheCompetence]] = {}
    for lien in liens:
        groupes.setdefault(cle(lien), []).append(lien)
    return [Groupe(titre=t, elements=e) for t, e in groupes.items()]


def _ordre_coeur(lien: FicheCompetence) -> tuple[int, str]:
    rang = {FicheCompetence.Coeur.PRINCIPALE: 0, FicheCompetence.Coeur.EMERGENTE: 1}
    return rang.get(lien.coeur, 2), lien.competence.libelle  # type: ignore[call-overload]


def fiche_detail(*, fiche: Fiche) -> dict:
    """Everything the fiche page shows, in a constant number of queries."""
    liens = sorted(
        FicheCompetence.objects.filter(fiche=fiche).select_related("competence"),
        key=_ordre_coeur,
    )
    savoir_faire = [
        lien for lien in liens if lien.competence.nature == Competence.Nature.SAVOIR_FAIRE
    ]
    savoirs = [lien for lien in liens if lien.competence.nature == Competence.Nature.SAVOIR]
    savoir_etre = [
        lien for lien in liens if lien.competence.nature == Competence.Nature.SAVOIR_ETRE
    ]
    contextes: dict[str, list[str]] = {}
    for contexte in fiche.contextes.all():
        contextes.setdefault(contexte.type_libelle, []).append(contexte.libelle)
    return {
        "fiche": fiche,
        "appellations": list(fiche.appellations.order_by("-principale", "libelle")),
        "savoir_faire": sorted(
            _grouper(savoir_faire, lambda lien: lien.competence.groupe),
            key=lambda g: (min(_ordre_coeur(e)[0] for e in g.elements), g.titre),
        ),
        "savoirs": sorted(
            _grouper(savoirs, lambda lien: lien.competence.groupe), key=lambda g: g.titre
        ),
        "savoir_etre": savoir_etre,
        "contextes": sorted(contextes.items()),
        "mobilites": [
            m.cible for m in Mobilite.objects.filter(source=fiche).select_related("cible")
        ],
        "centres_interet": list(fiche.centres_interet.all()),
        "attribution": attribution(),
    }


def fiche_savoir_faire_coeur_items(*, fiche: Fiche) -> list[tuple[int, str]]:
    """(code OGR, wording) of the fiche's core savoir-faire (flag "Principale" of the ROME),
    the lines of the gap matrix and of the beneficiary's self-rating."""
    return list(
        FicheCompetence.objects.filter(
            fiche=fiche,
            coeur=FicheCompetence.Coeur.PRINCIPALE,
            competence__nature=Competence.Nature.SAVOIR_FAIRE,
        )
        .order_by("competence__libelle")
        .values_list("competence__code_ogr", "competence__libelle")
    )


def fiche_savoir_faire_coeur(*, fiche: Fiche) -> list[str]:
    """The wordings of the fiche's core savoir-faire."""
    return [libelle for _code, libelle in fiche_savoir_faire_coeur_items(fiche=fiche)]


RIASEC = "RIASEC"


def fiches_suggerees(*, code_riasec: str, limite: int = 6) -> list[Fiche]:
    """A handful of fiches whose RIASEC code matches a profile (e.g. "SA"): ideas to explore,
    never a ranking. Two-letter matches first (the profile's two letters, in either order),
    then the first letter alone; within each, the order is by code ROME (neutral), never by a
    fit score."""
    lettres = [c for c in (code_riasec or "").upper() if c in RIASEC][:2]
    if not lettres:
        return []
    fiches: QuerySet[Fiche] = Fiche.objects.all()
    choisies: list[Fiche] = []
    if len(lettres) == 2:
        a, b = lettres
        choisies = list(
            fiches.filter(riasec_majeur=a, riasec_mineur=b).order_by("code")[:limite]
        ) + list(fiches.filter(riasec_majeur=b, riasec_mineur=a).order_by("code")[:limite])
        choisies = _etaler(choisies, limite)
    if len(choisies) < limite:
        deja = {f.pk for f in choisies}
        reste = fiches.filter(riasec_majeur=lettres[0]).exclude(pk__in=deja).order_by("code")
        choisies += _etaler(list(reste), limite - len(choisies))
    return choisies


def _etaler(fiches: list[Fiche], nombre: int) -> list[Fiche]:
    """``nombre`` fiches spread over the list (sorted by code, hence over the domains), not the
    first ones of domain A."""
    if len(fiches) <= nombre:
        return fiches
    pas = len(fiches) / nombre
    return [fiches[int(i * pas)] for i in range(nombre)]
