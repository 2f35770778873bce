"""How long `make run`'s demo takes to load: `migrate` then `seed_demo` (first load, then the
idempotent second one) on a fresh embedded SQLite database, in subprocesses as `make run` does.

    .venv/bin/python -m bench.bench_seed_demo [--runs 3]

Target (issue 14): the first `seed_demo` under 30 s. Results go to bench/RESULTS.md by hand.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent


def _manage(environnement: dict[str, str], *args: str) -> float:
    debut = time.monotonic()
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=RACINE,
        env=environnement,
        check=True,
        capture_output=True,
    )
    return time.monotonic() - debut


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    premiers, seconds = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as dossier:
            environnement = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "bilan.settings.base",
                "DATABASE_URL": f"sqlite:///{dossier}/db.sqlite3",
                "BILAN_DATA_DIR": dossier,
            }
            environnement.pop("REDIS_URL", None)
            _manage(environnement, "migrate", "--noinput", "-v0")
            premiers.append(_manage(environnement, "seed_demo"))
            seconds.append(_manage(environnement, "seed_demo"))
    print(
        f"seed_demo, {runs} runs: first load median {statistics.median(premiers):.1f} s "
        f"(min {min(premiers):.1f}, max {max(premiers):.1f}); second (idempotent) median "
        f"{statistics.median(seconds):.1f} s"
    )


if __name__ == "__main__":
    main()
