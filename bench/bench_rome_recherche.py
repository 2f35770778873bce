"""Search by job title over the full ROME (13 120 titles), on SQLite and on PostgreSQL, and
the load time of ``rome_charger``.

    .venv/bin/python -m bench.bench_rome_recherche [--runs 50] [--backend sqlite|postgresql|tous]

Each backend runs in its own subprocess on a fresh database: the embedded SQLite file in a
temporary folder, or a PostgreSQL database created for the run by the owner role (dropped at
the end; ``BENCH_PG_URL`` names the server and role, default the local ``bilan_owner``).
Per backend: migrate, time ``rome_charger`` (target under 60 s), then each query ``--runs``
times (target: median and p95 under 100 ms). The first query on SQLite also builds the
in-memory trigram index: it is reported apart ("1er appel"). Results go to bench/RESULTS.md
by hand.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

RACINE = Path(__file__).resolve().parent.parent
REQUETES = [
    "developpeur web",
    "infirmiere",
    "boulangé",
    "aide soignante",
    "comptable",
    "chauffeur poids lourd",
    "professeur des ecoles",
    "dev",
]
ATTENDUS = {"developpeur web": "M1855", "infirmiere": "J1506", "boulangé": "D1102"}
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://bilan_owner:bilan_owner@127.0.0.1:5432/")


def _percentile(valeurs: list[float], p: float) -> float:
    ordonnees = sorted(valeurs)
    rang = max(0, min(len(ordonnees) - 1, round(p / 100 * len(ordonnees)) - 1))
    return ordonnees[rang]


def travailleur(runs: int) -> None:
    """In the subprocess: Django configured by the environment."""
    import django  # heavy: configured only in the subprocess

    django.setup()
    from django.core.management import call_command

    from exploration.models import Fiche
    from exploration.selectors.rome import appellations_rechercher
    from exploration.services.rome import rome_charger

    call_command("migrate", "--noinput", verbosity=0)
    debut = time.perf_counter()
    chargement = rome_charger()
    charge_s = time.perf_counter() - debut
    assert chargement.charge
    debut = time.perf_counter()
    premier = appellations_rechercher(requete=REQUETES[0])
    premier_ms = (time.perf_counter() - debut) * 1000
    mesures = {}
    for requete in REQUETES:
        durees = []
        for _ in range(runs):
            debut = time.perf_counter()
            resultats = appellations_rechercher(requete=requete)
            durees.append((time.perf_counter() - debut) * 1000)
        mesures[requete] = {
            "mediane": statistics.median(durees),
            "p95": _percentile(durees, 95),
            "premiere": resultats[0].fiche.code if resultats else "",
        }
    for requete, code in ATTENDUS.items():
        assert mesures[requete]["premiere"] == code, (requete, mesures[requete]["premiere"])
    print(
        json.dumps(
            {
                "chargement_s": charge_s,
                "premier_appel_ms": premier_ms,
                "premiere_fiche": premier[0].fiche.code,
                "fiches": Fiche.objects.count(),
                "mesures": mesures,
            }
        )
    )


def _lancer(environnement: dict[str, str], runs: int) -> dict:
    sortie = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, "-m", "bench.bench_rome_recherche", "--travailleur", "--runs", str(runs)],
        cwd=RACINE,
        env=environnement,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(sortie.stdout.strip().splitlines()[-1])


def _sqlite(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as dossier:
        environnement = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bilan.settings.base",
            "DATABASE_URL": f"sqlite:///{dossier}/db.sqlite3",
            "BILAN_DATA_DIR": dossier,
        }
        environnement.pop("REDIS_URL", None)
        return _lancer(environnement, runs)


def _postgresql(runs: int) -> dict:
    import psycopg  # only for this backend

    serveur = urlparse(PG_URL)
    nom = f"bench_rome_{uuid.uuid4().hex[:8]}"
    connexion = {
        "host": serveur.hostname,
        "port": serveur.port or 5432,
        "user": serveur.username,
        "password": serveur.password,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**connexion) as admin:
        admin.execute(f'CREATE DATABASE "{nom}"')
    try:
        with tempfile.TemporaryDirectory() as dossier:
            environnement = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "bilan.settings.base",
                "DATABASE_URL": f"{PG_URL.rstrip('/')}/{nom}",
                "BILAN_DATA_DIR": dossier,
            }
            environnement.pop("REDIS_URL", None)
            return _lancer(environnement, runs)
    finally:
        with psycopg.connect(**connexion) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{nom}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "tous"], default="tous")
    parser.add_argument("--travailleur", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.travailleur:
        travailleur(arguments.runs)
        return
    backends = ["sqlite", "postgresql"] if arguments.backend == "tous" else [arguments.backend]
    print(f"Recherche ROME, {arguments.runs} exécutions par requête ({time.strftime('%Y-%m-%d')})")
    for backend in backends:
        resultat = _sqlite(arguments.runs) if backend == "sqlite" else _postgresql(arguments.runs)
        print(
            f"\n{backend} : chargement {resultat['chargement_s']:.1f} s, "
            f"{resultat['fiches']} fiches, 1er appel {resultat['premier_appel_ms']:.0f} ms"
        )
        print("| Requête | 1re fiche | Médiane | p95 |\n|---|---|---|---|")
        for requete, m in resultat["mesures"].items():
            print(f"| {requete} | {m['premiere']} | {m['mediane']:.1f} ms | {m['p95']:.1f} ms |")


if __name__ == "__main__":
    main()
