"""Profile of main pages on the benchmark's volume (issue 16, deliverable 9): where a page's
server time goes, function by function (cProfile), before and after a fix.

Run after ``bench_pages.py`` has generated the volume (same database, ``--reuse-db``)::

    TEST_DATABASE_NAME=test_bilan_bench BENCH_PAGES="tableau de bord,agenda semaine" \\
        .venv/bin/python -m pytest -q -s --reuse-db -p no:cacheprovider bench/profil_pages.py

``BENCH_PAGES``: labels of ``bench.pages.pages_principales`` (all when empty); ``BENCH_REQUETES``
(10) profiled requests per page after 3 warm-ups; ``BENCH_LIGNES`` (25) rows printed, by own time
then by cumulative time; ``BENCH_SQL=1``: the page's statements of one request instead,
slowest first, with their time.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats

import pytest
from django.conf import settings
from django.db import connection

from bench.pages import clients, pages_principales, rendu_de_production
from tests.conftest import django_db_setup  # noqa: F401  (run as the application role)

PAGES = [p for p in os.environ.get("BENCH_PAGES", "").split(",") if p]
REQUETES = int(os.environ.get("BENCH_REQUETES", "10"))
LIGNES = int(os.environ.get("BENCH_LIGNES", "25"))
SQL = os.environ.get("BENCH_SQL") == "1"


def _requetes(client, url: str) -> None:
    connection.force_debug_cursor = True
    connection.queries_log.clear()
    try:
        with rendu_de_production():
            client.get(url)
        requetes = sorted(connection.queries_log, key=lambda q: -float(q["time"]))
    finally:
        connection.force_debug_cursor = False
    total = sum(float(q["time"]) for q in requetes) * 1000
    print(f"\n## {url} : {len(requetes)} requêtes, {total:.1f} ms")
    for q in requetes:
        print(f"{float(q['time']) * 1000:7.1f} ms  {q['sql'][: LIGNES * 20]}")


@pytest.mark.urls("bench.urls")
def test_profil(django_db_setup, django_db_blocker):  # noqa: F811
    django_db_blocker.unblock()
    connection.close()
    connection.settings_dict["NAME"] = settings.DATABASES["default"]["TEST"]["NAME"]
    comptes = clients()
    for page in pages_principales():
        if PAGES and page.label not in PAGES:
            continue
        client = comptes[page.compte]
        for _ in range(3):
            assert client.get(page.url).status_code == 200
        if SQL:
            _requetes(client, page.url)
            continue
        profil = cProfile.Profile()
        with rendu_de_production():
            profil.enable()
            for _ in range(REQUETES):
                client.get(page.url)
            profil.disable()
        for tri in ("tottime", "cumulative"):
            sortie = io.StringIO()
            pstats.Stats(profil, stream=sortie).sort_stats(tri).print_stats(LIGNES)
            print(f"\n## {page.label} ({REQUETES} requêtes), par {tri}\n{sortie.getvalue()}")
