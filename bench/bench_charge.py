"""Load test: gunicorn as in production (3 sync workers), a Python load generator on loopback.

Run after ``bench/bench_pages.py`` (it leaves the generated volume in its test database)::

    BENCH_BASE=test_bilan_bench .venv/bin/python -m bench.bench_charge --rps 60 --duree 60

``--mini``: 10 s at 10 requests/s (the smoke run). ``--rps 0``: closed loop (each connection
sends its next request when the previous one has answered), as the issue's baseline.
Sessions of the three accounts of the large organisation (consultant, administrator,
beneficiary) are written in the database as a login would (MFA step recorded), then gunicorn
serves ``bench.reglages_charge`` (base settings, DEBUG off, persistent connections) and the
generator sends the mix for ``--duree`` seconds over ``--connexions`` keep-alive connections; at
``--rps`` (open loop) the requests start on schedule whether or not the previous ones have
answered, so a slow server shows in the latencies instead of lowering the rate. Then the floor
alone, closed loop, as fast as it goes. Prints requests/s, p50/p95/p99 and errors of each run.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
# Always its own settings, whatever the shell exports (the test settings would miss the volume).
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.reglages_charge"
sys.path.insert(0, str(RACINE))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench.pages import clients, pages_principales  # noqa: E402

# Weights of the mix: what a working day looks like (consultants most, then admins, then
# beneficiaries in their portal).
POIDS = {
    "tableau de bord": 6,
    "mes bilans": 5,
    "dossier": 6,
    "agenda semaine": 4,
    "recherche de bilans": 2,
    "bénéficiaires": 2,
    "tous les bilans": 2,
    "bilans en cours": 1,
    "agenda organisation": 1,
    "relances": 1,
    "journal des accès": 1,
    "portail": 4,
}


def percentile(valeurs: list[float], p: float) -> float:
    ordonnees = sorted(valeurs)
    return ordonnees[min(len(ordonnees) - 1, round(p * (len(ordonnees) - 1)))]


def demarrer_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.reglages_charge"}
    processus = subprocess.Popen(
        [
            str(RACINE / ".venv/bin/gunicorn"),
            "bilan.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--worker-tmp-dir",
            "/dev/shm",
        ],
        cwd=RACINE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    fin = time.monotonic() + 60
    while time.monotonic() < fin:
        try:
            connexion = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connexion.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            connexion.getresponse().read()
            return processus
        except OSError:
            time.sleep(0.5)
    processus.kill()
    raise RuntimeError("gunicorn ne démarre pas")


def courir(
    port: int, requetes: list[tuple[str, str]], *, rps: float | None, duree: float, connexions: int
) -> dict[str, float]:
    """Send ``requetes`` (url, cookie) in turn: at ``rps`` (open loop) or as fast as the
    ``connexions`` allow (rps None). Returns the figures of the run."""
    latences: list[float] = []
    erreurs = [0]
    verrou = threading.Lock()
    suivant = [0]
    debut = time.monotonic()

    def travailleur() -> None:
        connexion = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with verrou:
                rang = suivant[0]
                suivant[0] += 1
            prevu = debut + (rang / rps if rps else 0)
            if prevu - debut >= duree or time.monotonic() - debut >= duree:
                break
            attente = prevu - time.monotonic()
            if attente > 0:
                time.sleep(attente)
            url, cookie = requetes[rang % len(requetes)]
            depart = time.monotonic()
            try:
                connexion.request("GET", url, headers={"Host": "127.0.0.1", "Cookie": cookie})
                reponse = connexion.getresponse()
                reponse.read()
                ok = reponse.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connexion.close()
                connexion = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            # Open loop: the latency counts from when the request was due.
            fin = time.monotonic()
            with verrou:
                latences.append((fin - (prevu if rps else depart)) * 1000)
                if not ok:
                    erreurs[0] += 1

    fils = [threading.Thread(target=travailleur) for _ in range(connexions)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    total = time.monotonic() - debut
    return {
        "requetes": len(latences),
        "rps": len(latences) / total,
        "p50": statistics.median(latences),
        "p95": percentile(latences, 0.95),
        "p99": percentile(latences, 0.99),
        "erreurs": erreurs[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rps", type=float, default=60)
    parser.add_argument("--duree", type=float, default=60)
    parser.add_argument("--connexions", type=int, default=12)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--mini", action="store_true")
    args = parser.parse_args()
    if args.mini:
        args.rps, args.duree = 10, 10
    comptes = clients()
    nom = settings.SESSION_COOKIE_NAME
    cookies = {compte: f"{nom}={client.cookies[nom].value}" for compte, client in comptes.items()}
    pages = {page.label: page for page in pages_principales()}
    melange = [
        (pages[label].url, cookies[pages[label].compte])
        for label, poids in POIDS.items()
        for _ in range(poids)
    ]
    # Interleaved, so that each stretch of the run has the whole mix.
    melange = [melange[(i * 7) % len(melange)] for i in range(len(melange))]
    plancher = [(pages["plancher"].url, cookies["consultant"])]
    gunicorn = demarrer_gunicorn(args.port)
    try:
        courir(args.port, melange, rps=None, duree=3, connexions=3)  # warm the workers
        mix = courir(
            args.port, melange, rps=args.rps or None, duree=args.duree, connexions=args.connexions
        )
        sol = courir(args.port, plancher, rps=None, duree=min(args.duree / 2, 20), connexions=6)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(30)
    charge = os.getloadavg()[0]
    print(f"\nMachine : {os.cpu_count()} cœurs, charge moyenne (1 min) {charge:.1f}")
    print("| scénario | requêtes | req/s | p50 | p95 | p99 | erreurs |")
    print("|---|---|---|---|---|---|---|")
    for nom, r in (
        (
            f"mélange à {args.rps:g} req/s visées, {args.connexions} connexions"
            if args.rps
            else f"mélange, boucle fermée, {args.connexions} connexions",
            mix,
        ),
        ("plancher seul, boucle fermée, 6 connexions", sol),
    ):
        print(
            f"| {nom} | {r['requetes']:.0f} | {r['rps']:.1f} | {r['p50']:.0f} ms "
            f"| {r['p95']:.0f} ms | {r['p99']:.0f} ms | {r['erreurs']:.0f} |"
        )


if __name__ == "__main__":
    main()
