"""Benchmark: server time of each main page against the floor, on the generated volume.

Run (PostgreSQL and Redis up, as for ``make test``; a fresh, dedicated test database)::

    TEST_DATABASE_NAME=test_bilan_bench .venv/bin/python -m pytest -q -s --create-db \\
        -p no:cacheprovider tests/perf/test_session.py bench/bench_pages.py

(pytest-django creates only the databases the collected tests ask for, and this bench has no
``django_db`` mark: a database test in the same session creates it; later runs ``--reuse-db``
with ``bench/bench_pages.py`` alone.)

Environment: ``BENCH_MINI=1`` for the smoke run's tiny volume, ``BENCH_REQUETES`` (30) timed
requests per page after 3 warm-ups. The volume is ``manage.py bench_generer`` (defaults: 50
organisations, 5 000 bilans in the large one), then ANALYZE as the tables' owner. Requests go
through the whole Django stack in-process (Django's test client, every middleware, the real
session and cache), as the application role under row-level security; the time is the handler's
(no network, no gunicorn: see ``bench_charge.py`` for that). The floor fetches one row by primary
key through the same middleware and renders a trivial template. Prints one Markdown table
(queries, p50, p95, ratio of the p50 to the floor's p50) and the plans of the heavy queries.
"""

from __future__ import annotations

import os
import statistics
import time

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from bench.pages import clients, pages_principales, rendu_de_production
from beneficiaires import selectors as beneficiaires_selectors
from beneficiaires.models import Bilan
from bilan.core.models import Organisation, User
from bilan.core.tenancy import tenant_context
from espaces.management.commands.bench_generer import CONSULTANT_EMAIL, GRAND
from relances.models import Relance
from relances.selectors import relances_compter
from tests.conftest import _OWNER, django_db_setup  # noqa: F401  (run as the application role)

MINI = os.environ.get("BENCH_MINI") == "1"
REQUETES = int(os.environ.get("BENCH_REQUETES", "3" if MINI else "30"))


def analyser() -> None:
    """VACUUM ANALYZE as the owner (the application role may not): plans see the volume, and
    the visibility map lets counts read the indexes alone, as on a database that autovacuum
    has been keeping for months (a freshly bulk-loaded table sends every index-only scan back
    to the heap)."""
    reglages = connections["default"].settings_dict
    with psycopg.connect(
        host=reglages["HOST"] or None,
        port=reglages["PORT"] or None,
        dbname=reglages["NAME"],
        user=_OWNER[0],
        password=_OWNER[1],
        autocommit=True,
    ) as proprietaire:
        proprietaire.execute("VACUUM ANALYZE")
        # ANALYZE skips, with a mere warning, the tables of another owner: check it ran.
        analyse = proprietaire.execute(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'beneficiaires_bilan'"
        ).fetchone()
        assert analyse is not None
        assert analyse[0] is not None, "ANALYZE n'a pas porté sur les tables"


def percentile(valeurs: list[float], p: float) -> float:
    ordonnees = sorted(valeurs)
    return ordonnees[min(len(ordonnees) - 1, round(p * (len(ordonnees) - 1)))]


def mesurer(client, url: str) -> tuple[int, list[float], int]:
    for _ in range(3):
        reponse = client.get(url)
        assert reponse.status_code == 200, (url, reponse.status_code)
    connection.force_debug_cursor = True
    connection.queries_log.clear()
    try:
        client.get(url)
        requetes = list(connection.queries_log)
    finally:
        connection.force_debug_cursor = False
    durees = []
    with rendu_de_production():
        for _ in range(REQUETES):
            debut = time.perf_counter()
            reponse = client.get(url)
            durees.append((time.perf_counter() - debut) * 1000)
    return len(requetes), durees, len(reponse.content)


def plans() -> list[tuple[str, str]]:
    organisation = Organisation.objects.get(slug=GRAND)
    consultant = User.objects.get(email=CONSULTANT_EMAIL)
    with tenant_context(organisation):
        mes_bilans = beneficiaires_selectors.bilans_lister(consultant=consultant)[:25]
        dues = Relance.objects.filter(statut=Relance.Statut.A_ENVOYER).order_by("due_le")[:100]
        sortie = [
            ("mes bilans (page 1)", mes_bilans.explain(analyze=True)),
            ("relances dues (lot de 100)", dues.explain(analyze=True)),
        ]
        with CaptureQueriesContext(connection) as requetes:
            relances_compter()
        sortie.append(
            (
                "compteurs des relances",
                _explain_sql(requetes[0]["sql"]),
            )
        )
        sortie.append(
            ("tous les bilans (estimation RLS)", Bilan.objects.all().explain(analyze=True))
        )
    return sortie


def _explain_sql(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql)
        return "\n".join(ligne[0] for ligne in cursor.fetchall())


@pytest.mark.urls("bench.urls")
def test_pages_contre_le_plancher(django_db_setup, django_db_blocker):  # noqa: F811
    """No django_db mark: the volume is committed and kept (``--reuse-db`` then reuses it;
    ``--create-db`` starts over)."""
    django_db_blocker.unblock()
    # Without a django_db mark pytest-django leaves the connection on the main database's
    # name: point it at the test database that django_db_setup prepared.
    connection.close()
    connection.settings_dict["NAME"] = settings.DATABASES["default"]["TEST"]["NAME"]
    debut = time.perf_counter()
    if not Organisation.objects.filter(slug=GRAND).exists():
        call_command("bench_generer", mini=True) if MINI else call_command("bench_generer")
        analyser()
    generation = time.perf_counter() - debut
    comptes = clients()
    lignes = []
    plancher = None
    for page in pages_principales():
        nb, durees, taille = mesurer(comptes[page.compte], page.url)
        p50, p95 = statistics.median(durees), percentile(durees, 0.95)
        if plancher is None:
            plancher = p50
        lignes.append((page.label, nb, p50, p95, p50 / plancher, taille))
        print(f"{page.label} : {nb} requêtes, p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
    print(f"\nVolume prêt en {generation:.0f} s ; {REQUETES} requêtes mesurées par page.\n")
    print("| page | requêtes | p50 | p95 | × plancher (p50) | taille |")
    print("|---|---|---|---|---|---|")
    for label, nb, p50, p95, ratio, taille in lignes:
        print(
            f"| {label} | {nb} | {p50:.1f} ms | {p95:.1f} ms | {ratio:.1f} | {taille // 1024} Kio |"
        )
    for titre, plan in plans():
        print(f"\n### {titre}\n\n```\n{plan}\n```")
