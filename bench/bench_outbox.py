"""Benchmark: 10 000 due outbox rows drained exactly once by one real Celery worker.

Run (PostgreSQL and Redis up, as for ``make test``; a fresh, dedicated test database)::

    TEST_DATABASE_NAME=test_bilan_bench .venv/bin/python -m pytest -q -s --create-db \\
        -p no:cacheprovider bench/bench_outbox.py

``BENCH_MINI=1``: 200 rows and the plan on 20 000 (the smoke run). The worker is Celery's own
(``start_worker``, solo pool, in this process, on a private queue of the real Redis broker), as
the application role under row-level security; the locmem mail backend stands for the mail
server. The dispatcher runs here (``relances_reclamer``: batches of 100, SKIP LOCKED, handed
over after each commit), as beat would. Measured: from the first claim to the last row
``envoyee``; then the checks (every row sent once: as many e-mails as rows, distinct
recipients, a second claim finds nothing). Then ``test_plan_des_relances_dues`` writes
1 000 000 rows (generate_series, as the owner) and prints the due-row query's plan.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection, connections
from django.db.models import Q
from django.utils import timezone

from bilan.celery import app
from bilan.core.tenancy import tenant_context
from relances import services
from relances.models import Relance
from relances.services import relances_reclamer
from tests.conftest import _OWNER, django_db_setup  # noqa: F401  (run as the application role)
from tests.factories.core import OrganisationFactory

MINI = os.environ.get("BENCH_MINI") == "1"
LIGNES = int(os.environ.get("BENCH_LIGNES", "200" if MINI else "10000"))
LIGNES_PLAN = 20_000 if MINI else 1_000_000


def _lignes_dues(organisation, nombre: int) -> None:
    due = timezone.now() - dt.timedelta(minutes=1)
    with tenant_context(organisation):
        Relance.objects.bulk_create(
            (
                Relance(
                    organisation=organisation,
                    kind=Relance.Kind.QUALIOPI_EXPIRATION,
                    target_type="organisation",
                    target_id=organisation.public_id,
                    destinataire=f"r{i}@banc.test",
                    due_le=due,
                    cle_unique=f"banc:{i}",
                )
                for i in range(nombre)
            ),
            batch_size=5000,
        )


# One private queue per run (other runs share Redis), the same for every test of the run:
# Celery builds its router once, at the first message sent.
FILE = f"banc-relances-{uuid.uuid4().hex}"


@pytest.fixture
def worker():
    """A real worker on this run's private queue of the real broker."""
    file = FILE
    routes = app.conf.task_routes
    app.conf.task_routes = {"relances.tasks.*": {"queue": file}}
    app.loader.import_module("celery.contrib.testing.tasks")
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=True, shutdown_timeout=30, queues=["celery", file]
        ) as w:
            yield w
    finally:
        app.conf.task_routes = routes


@pytest.mark.parametrize("par_tache", [1, services.ENVOI_PAR_TACHE])
@pytest.mark.django_db(transaction=True)
def test_vidage_de_10000_relances(worker, monkeypatch, par_tache):
    """``par_tache`` rows per task message and mail-server session: 1 is the former one row per
    task; the default batches them."""
    monkeypatch.setattr(services, "ENVOI_PAR_TACHE", par_tache)
    organisation = OrganisationFactory(raison_sociale=f"Organisme banc relances {par_tache}")
    _lignes_dues(organisation, LIGNES)
    mail.outbox = []
    debut = time.perf_counter()
    reclamees = relances_reclamer(maintenant=timezone.now(), lot=100)
    tick = time.perf_counter()
    while True:
        with tenant_context(organisation):
            if not Relance.objects.exclude(statut=Relance.Statut.ENVOYEE).exists():
                break
        assert time.perf_counter() - debut < 1200, "vidage trop long"
        time.sleep(0.2)
        if time.perf_counter() - tick >= 30:
            # Beat's tick: rows whose message expired with its lease are claimed again.
            relances_reclamer(maintenant=timezone.now(), lot=100)
            tick = time.perf_counter()
    duree = time.perf_counter() - debut
    assert reclamees == LIGNES
    assert relances_reclamer(maintenant=timezone.now()) == 0
    destinataires = [m.to[0] for m in mail.outbox]
    assert len(destinataires) == LIGNES, "perte ou doublon"
    assert len(set(destinataires)) == LIGNES, "doublon"
    print(
        f"\n{par_tache} ligne(s) par tâche : {LIGNES} relances vidées en {duree:.1f} s, "
        f"{LIGNES / duree:.0f} lignes/s, "
        f"{len(destinataires)} courriels, {len(set(destinataires))} destinataires distincts."
    )


@pytest.mark.django_db(transaction=True)
def test_plan_des_relances_dues():
    """The dispatcher's due-row query on LIGNES_PLAN rows (1 % due, the rest sent history)."""
    organisations = [OrganisationFactory(raison_sociale=f"Organisme plan {i}") for i in range(4)]
    reglages = connections["default"].settings_dict
    with psycopg.connect(
        host=reglages["HOST"] or None,
        port=reglages["PORT"] or None,
        dbname=reglages["NAME"],
        user=_OWNER[0],
        password=_OWNER[1],
        autocommit=True,
    ) as proprietaire:
        for rang, organisation in enumerate(organisations):
            # Row-level security is forced on the owner too: bind each organisation.
            proprietaire.execute(
                "SELECT set_config('app.current_org', %s, false)", [str(organisation.pk)]
            )
            proprietaire.execute(
                """
                INSERT INTO relances_relance (organisation_id, public_id, created_at, updated_at,
                    kind, target_type, target_id, destinataire, due_le, cle_unique, statut,
                    tentatives, derniere_erreur)
                SELECT %(org)s, gen_random_uuid(), now(), now(), 'qualiopi_expiration',
                    'organisation', gen_random_uuid(), 'x@banc.test',
                    now() - (g || ' minutes')::interval, 'plan:' || g,
                    CASE WHEN g %% 100 = 0 THEN 'a_envoyer' ELSE 'envoyee' END, 1, ''
                FROM generate_series(1, %(n)s) AS g
                """,
                {"org": organisation.pk, "n": LIGNES_PLAN // len(organisations) * (rang + 1) // 2},
            )
        proprietaire.execute("ANALYZE relances_relance")
        total = proprietaire.execute("SELECT count(*) FROM relances_relance").fetchone()[0]
    maintenant = timezone.now()
    with tenant_context(organisations[-1]):
        S = Relance.Statut
        dues = (
            Relance.objects.filter(
                Q(statut=S.A_ENVOYER, due_le__lte=maintenant)
                | Q(statut=S.EN_COURS, bail_expire_le__lt=maintenant)
                | Q(statut=S.EN_COURS, bail_expire_le__isnull=True)
            )
            .order_by("due_le", "pk")
            .values_list("pk", flat=True)[:100]
        )
        plan = dues.explain(analyze=True)
    print(
        f"\nPlan de la requête des relances dues ({total} lignes dans l'organisme lié, "
        f"environ {LIGNES_PLAN + LIGNES_PLAN // 4} dans la table) :\n{plan}"
    )
    assert "Index" in plan, "la requête des relances dues ne passe pas par un index"
    connection.close()
