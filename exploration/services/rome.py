"""Loading the ROME 4.0 open data (France Travail) into the reference tables.

Idempotent: a version already loaded is skipped. Everything is inserted in one transaction
with bulk inserts (about 180 000 rows, well under a minute), so a failed load leaves nothing.
The CSV files ship gzipped in ``exploration/data/rome-4.0-v60/`` with their README and the
attribution the licence requires.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Field, Model

from exploration.models import (
    Appellation,
    CentreInteret,
    Competence,
    ContexteTravail,
    Fiche,
    FicheCompetence,
    Mobilite,
    RomeVersion,
)
from exploration.selectors.rome import normaliser

DOSSIER_ROME = Path(__file__).resolve().parent.parent / "data" / "rome-4.0-v60"
LOT = 2000
GROUPES_SAVOIR_FAIRE = {
    "Technique": "Savoir-faire techniques",
    "Technique expert": "Savoir-faire techniques experts",
    "Transverse": "Savoir-faire transverses",
}
COEUR = {
    "Principale": FicheCompetence.Coeur.PRINCIPALE,
    "Émergente": FicheCompetence.Coeur.EMERGENTE,
}


@dataclass
class Chargement:
    version: RomeVersion
    charge: bool  # False: this version was already there, nothing done
    compteurs: dict[str, int]


def _lignes(dossier: Path, nom: str) -> Iterator[dict[str, str]]:
    chemin = dossier / f"unix_{nom}_v460_utf8.csv.gz"
    with gzip.open(chemin, "rt", encoding="utf-8", newline="") as fichier:
        yield from csv.DictReader(fichier)


def _inserer(modele: type[Model], colonnes: list[str], lignes: Iterable[tuple]) -> int:
    """Plain INSERTs by ``executemany`` for the large link tables (about 120 000 rows): model
    instances and the ORM's SQL compilation were most of the load time."""
    table = connection.ops.quote_name(modele._meta.db_table)
    champs = [modele._meta.get_field(c) for c in colonnes]
    noms = ", ".join(
        connection.ops.quote_name(champ.column or champ.name)
        for champ in champs
        if isinstance(champ, Field)
    )
    marques = ", ".join(["%s"] * len(colonnes))
    lignes = list(lignes)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({noms}) VALUES ({marques})", lignes)  # noqa: S608
    return len(lignes)


def _texte(valeur: str) -> str:
    # France Travail publishes doubled apostrophes in the texts (README of the data).
    return (valeur or "").replace("''", "'").strip()


def _version_lire(dossier: Path) -> tuple[int, str, dt.date]:
    contenu = (dossier / "version.txt").read_text(encoding="utf-8")
    numero = int(re.search(r"Numero de version\s*:\s*(\d+)", contenu).group(1))  # type: ignore[union-attr]
    date = re.search(r"Date de publication\s*:\s*(\d{2})/(\d{2})/(\d{4})", contenu)
    titre = re.search(r"Titre/commentaire\s*:\s*(.+)", contenu)
    assert date is not None
    publiee = dt.date(int(date.group(3)), int(date.group(2)), int(date.group(1)))
    return numero, (titre.group(1).strip() if titre else f"ROME 4.0 version {numero}"), publiee


@transaction.atomic
def rome_charger(*, dossier: Path = DOSSIER_ROME) -> Chargement:
    """Load the ROME version found in ``dossier`` unless it is already loaded.

    Refuses (ValueError) when another version is loaded: replacing one would have to keep the
    fiches that pistes point at, which this loader does not do.
    """
    numero, titre, publiee = _version_lire(dossier)
    existante = RomeVersion.objects.filter(numero=numero).first()
    if existante is not None:
        return Chargement(version=existante, charge=False, compteurs={})
    if RomeVersion.objects.exists() or Fiche.objects.exists():
        raise ValueError(
            f"Une autre version du ROME est déjà chargée : la version {numero} n'est pas chargée."
        )
    compteurs: dict[str, int] = {}

    # Fiches, with hierarchy, texts and RIASEC.
    hierarchie = {r["code_rome"]: r for r in _lignes(dossier, "cr_gd_dp")}
    riasec = {r["code_rome"]: r for r in _lignes(dossier, "referentiel_code_rome_riasec")}
    textes: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for r in _lignes(dossier, "texte"):
        textes.setdefault((r["code_rome"], r["code_compo_bloc"]), []).append(
            (int(r["position_phrase"] or 0), _texte(r["libelle_texte"]))
        )

    def paragraphe(code: str, bloc: str) -> str:
        return "\n".join(t for _p, t in sorted(textes.get((code, bloc), [])))

    fiches = []
    for r in _lignes(dossier, "referentiel_code_rome"):
        code = r["code_rome"]
        h = hierarchie.get(code, {})
        rs = riasec.get(code, {})
        fiches.append(
            Fiche(
                code=code,
                libelle=_texte(r["libelle_rome"]),
                definition=paragraphe(code, "3"),
                acces=paragraphe(code, "4"),
                riasec_majeur=rs.get("riasec_majeur", ""),
                riasec_mineur=rs.get("riasec_mineur", ""),
                domaine_code=code[:3],
                domaine_libelle=h.get("libelle_domaine_professionel", ""),
                grand_domaine_libelle=h.get("libelle_grand_domaine", ""),
                emploi_cadre=r["emploi_cadre"] == "O",
                emploi_reglemente=r["emploi_reglemente"] == "O",
            )
        )
    Fiche.objects.bulk_create(fiches, batch_size=LOT)
    fiche_ids = dict(Fiche.objects.values_list("code", "id"))
    compteurs["fiches"] = len(fiche_ids)

    appellations = [
        Appellation(
            code_ogr=int(r["code_ogr"]),
            libelle=_texte(r["libelle_appellation_long"]),
            fiche_id=fiche_ids[r["code_rome"]],
            principale=r["classification"] == "PRINCIPALE",
            peu_usitee=r["peu_usite"] == "O",
            recherche=normaliser(_texte(r["libelle_appellation_long"]))[:300],
        )
        for r in _lignes(dossier, "referentiel_appellation")
    ]
    Appellation.objects.bulk_create(appellations, batch_size=LOT)
    compteurs["appellations"] = len(appellations)

    # Skills referential: compétences and macro-compétences, then savoirs.
    # Savoir-faire are grouped as the ROME tags them: technique, technique expert, transverse.
    competences = []
    for r in _lignes(dossier, "referentiel_competence"):
        macro = r["nature"] == "Macro-compétence"
        nature = (
            Competence.Nature.SAVOIR_ETRE
            if r["cat_comp"] == "Savoir-être professionnel"
            else Competence.Nature.SAVOIR_FAIRE
        )
        libelle = _texte(r["libelle_competence"])
        competences.append(
            Competence(
                code_ogr=int(r["code_ogr"]),
                libelle=libelle[:400],
                nature=nature,
                macro=macro,
                groupe=GROUPES_SAVOIR_FAIRE.get(r["sous_cat_comp"], r["sous_cat_comp"]),
            )
        )
    for r in _lignes(dossier, "referentiel_savoir"):
        competences.append(
            Competence(
                code_ogr=int(r["code_ogr_savoir"]),
                libelle=_texte(r["libelle_savoir"])[:400],
                nature=Competence.Nature.SAVOIR,
                groupe=_texte(r["categorie_savoir"]),
            )
        )
    Competence.objects.bulk_create(competences, batch_size=LOT)
    competence_ids = dict(Competence.objects.values_list("code_ogr", "id"))
    compteurs["competences"] = len(competence_ids)

    contextes = [
        ContexteTravail(
            code_ogr=int(r["code_ogr"]),
            libelle=_texte(r["libelle_cont_travail"]),
            type_libelle=_texte(r["libelle_type_cont_trav"]),
        )
        for r in _lignes(dossier, "referentiel_contexte_travail")
    ]
    ContexteTravail.objects.bulk_create(contextes, batch_size=LOT)
    contexte_ids = dict(ContexteTravail.objects.values_list("code_ogr", "id"))

    # Links from each fiche to its skills (with the core/emerging flag) and work contexts.
    coeur = {
        (r["code_rome"], int(r["code_ogr"])): COEUR.get(r["coeur_metier"], "")
        for r in _lignes(dossier, "coherence_item")
    }
    liens: dict[tuple[int, int], str] = {}
    liens_contextes: set[tuple[int, int]] = set()
    for r in _lignes(dossier, "liens_rome_referentiels"):
        fiche_id = fiche_ids.get(r["code_rome"])
        ogr = int(r["code_ogr"])
        if fiche_id is None:
            continue
        if r["code_compo_bloc"] == "5" and ogr in competence_ids:
            liens.setdefault((fiche_id, competence_ids[ogr]), coeur.get((r["code_rome"], ogr), ""))
        elif r["code_compo_bloc"] == "6" and ogr in contexte_ids:
            liens_contextes.add((fiche_id, contexte_ids[ogr]))
    compteurs["liens_competences"] = _inserer(
        FicheCompetence,
        ["fiche", "competence", "coeur"],
        ((f, c, drapeau) for (f, c), drapeau in liens.items()),
    )
    _inserer(Fiche.contextes.through, ["fiche", "contextetravail"], sorted(liens_contextes))
    compteurs["liens_contextes"] = len(liens_contextes)

    mobilites: dict[tuple[int, int], int] = {}
    for r in _lignes(dossier, "rubrique_mobilite"):
        source, cible = fiche_ids.get(r["code_rome"]), fiche_ids.get(r["code_rome_cible"])
        if source and cible and source != cible:
            mobilites.setdefault((source, cible), int(r["numero_ordre"] or 0))
    _inserer(Mobilite, ["source", "cible", "ordre"], ((s, c, o) for (s, c), o in mobilites.items()))
    compteurs["mobilites"] = len(mobilites)

    CentreInteret.objects.bulk_create(
        [
            CentreInteret(
                code=int(r["code_centre_interet"]),
                libelle=_texte(r["libelle_centre_interet"]),
                definition=_texte(r["definition_centre_interet"]),
            )
            for r in _lignes(dossier, "centre_interet")
        ]
    )
    centre_ids = dict(CentreInteret.objects.values_list("code", "id"))
    paires = {
        (fiche_ids[r["code_rome"]], centre_ids[int(r["code_centre_interet"])])
        for r in _lignes(dossier, "arborescence_centre_interet")
        if r["code_rome"] in fiche_ids and int(r["code_centre_interet"]) in centre_ids
    }
    _inserer(Fiche.centres_interet.through, ["fiche", "centreinteret"], sorted(paires))
    compteurs["liens_centres_interet"] = len(paires)

    version = RomeVersion.objects.create(numero=numero, titre=titre, publiee_le=publiee)
    return Chargement(version=version, charge=True, compteurs=compteurs)
