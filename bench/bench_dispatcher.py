"""Benchmark: the outbox dispatcher drains 10 000 due rows with no duplicate and no loss.

Run (PostgreSQL and Redis up, as for ``make test``; a fresh, dedicated test database)::

    TEST_DATABASE_NAME=test_bilan_bench .venv/bin/python -m pytest -q -s --create-db \\
        -p no:cacheprovider bench/bench_dispatcher.py

It runs as the application role under row-level security (the suite's ``django_db_setup``),
in the embedded mode (tasks in-process, ``CELERY_TASK_ALWAYS_EAGER``) with the locmem email
backend: each row is claimed (SKIP LOCKED, batches of 100, one transaction per batch and
organisation), handed over after the commit, locked again, rendered (subject, text, HTML),
"sent" and marked sent by the real task code. Prints the figure recorded in bench/RESULTS.md.

``test_500_rows_one_worker_killed`` (``-k killed``): 500 due rows, a real worker (prefork, 2
processes) and beat with the production lease and tick, one pool process ``kill -9``ed in the
middle of a send and the (private) Redis restarted empty (``tests/relances/panne.py``). Prints
e-mails received, duplicates, lost, and the time to recover.
"""

import datetime as dt
import time

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from bilan.celery import app
from bilan.core.tenancy import tenant_context
from relances.models import Relance
from relances.services import relances_reclamer
from tests.conftest import django_db_setup  # noqa: F401  (run as the application role)
from tests.factories.core import OrganisationFactory
from tests.relances.panne import panne_executer

ROWS = 10_000
ORGANISATIONS = 2


@pytest.mark.django_db(transaction=True)
def test_dispatcher_drains_10000_rows_once():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        organisations = [
            OrganisationFactory(raison_sociale=f"Organisme banc {i}") for i in range(ORGANISATIONS)
        ]
        due = timezone.now() - dt.timedelta(minutes=1)
        par_org = ROWS // ORGANISATIONS
        for organisation in organisations:
            with tenant_context(organisation):
                Relance.objects.bulk_create(
                    (
                        Relance(
                            organisation=organisation,
                            kind=Relance.Kind.QUALIOPI_EXPIRATION,
                            target_type="organisation",
                            target_id=organisation.public_id,
                            destinataire=f"o{organisation.pk}-{i}@banc.test",
                            due_le=due,
                            cle_unique=f"banc:{i}",
                        )
                        for i in range(par_org)
                    ),
                    batch_size=2000,
                )
        mail.outbox = []
        start = time.perf_counter()
        claimed = relances_reclamer(maintenant=timezone.now(), lot=100)
        elapsed = time.perf_counter() - start
        again = relances_reclamer(maintenant=timezone.now())

        assert claimed == ROWS
        assert again == 0
        recipients = [m.to[0] for m in mail.outbox]
        assert len(recipients) == ROWS, "perte ou doublon"
        assert len(set(recipients)) == ROWS, "doublon"
        for organisation in organisations:
            with tenant_context(organisation):
                statuts = set(Relance.objects.values_list("statut", flat=True))
                assert statuts == {Relance.Statut.ENVOYEE}
        print(
            f"\nBENCH dispatcher: {ROWS} rows, {ORGANISATIONS} organisations, "
            f"{elapsed:.1f} s, {ROWS / elapsed:.0f} rows/s, emails={len(recipients)}, "
            f"unique={len(set(recipients))}"
        )
    finally:
        app.conf.task_always_eager = before


@pytest.mark.django_db(transaction=True)
def test_500_rows_one_worker_killed(tmp_path):
    organisation = OrganisationFactory(raison_sociale="Organisme panne")
    bail = settings.RELANCES_BAIL_SECONDES
    tick = settings.CELERY_BEAT_SCHEDULE["relances-dispatcher"]["schedule"]
    mesure = panne_executer(
        organisation=organisation,
        lignes=500,
        bail=bail,
        tick=tick,
        dossier=tmp_path,
        delai_max=600,
    )
    print(f"\nBENCH panne (bail {bail} s, tick {tick:.0f} s): {mesure.resume()}")
    assert mesure.perdus == 0
    assert mesure.doublons == 0
    assert mesure.reprise_s is not None
