"""A real Celery worker on the real Redis: a due reminder is sent exactly once, even when the
dispatcher runs twice and the task message is delivered twice."""

import datetime as dt
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from bilan.celery import app
from bilan.core.tenancy import tenant_context
from relances import services
from relances.models import Relance
from relances.tasks import envoyer_relance

S = Relance.Statut


@pytest.fixture
def celery_worker():
    """A worker of this process on its own queue: another test run sharing the Redis database
    (and its default queue) cannot take our messages."""
    queue = f"relances-tests-{uuid.uuid4().hex}"
    routes_before = app.conf.task_routes
    _router(
        {
            "relances.tasks.envoyer_relance": {"queue": queue},
            "relances.tasks.envoyer_lot": {"queue": queue},
        }
    )
    app.loader.import_module("celery.contrib.testing.tasks")
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=True, shutdown_timeout=10, queues=["celery", queue]
        ) as worker:
            yield worker
    finally:
        _router(routes_before)


def _router(routes):
    # Celery builds its router once, from the routes of that moment: after an earlier test sent a
    # task, a new ``task_routes`` alone would still send ours to the settings' queue.
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


def _wait_for(predicate, timeout=15.0):
    import time

    fin = time.monotonic() + timeout
    while time.monotonic() < fin:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _statut(org, pk):
    with tenant_context(org):
        return Relance.objects.get(pk=pk).statut


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_due_reminder_goes_through_the_worker_exactly_once(world, celery_worker):
    with tenant_context(world.org_a):
        relance = Relance.objects.create(
            organisation=world.org_a,
            kind=Relance.Kind.QUALIOPI_EXPIRATION,
            target_type="organisation",
            target_id=world.org_a.public_id,
            destinataire="admin@a.test",
            due_le=timezone.now() - dt.timedelta(minutes=1),
            cle_unique="worker",
        )
        # A row left "en cours" by a worker killed mid-task 20 minutes ago.
        bloquee = Relance.objects.create(
            organisation=world.org_a,
            kind=Relance.Kind.QUALIOPI_EXPIRATION,
            target_type="organisation",
            target_id=world.org_a.public_id,
            destinataire="admin2@a.test",
            due_le=timezone.now() - dt.timedelta(hours=1),
            cle_unique="tuee",
            statut=S.EN_COURS,
            reclamee_le=timezone.now() - dt.timedelta(minutes=20),
        )
    mail.outbox.clear()
    # Beat fires twice in a row: the second run claims nothing.
    assert services.relances_reclamer(maintenant=timezone.now()) == 2
    assert services.relances_reclamer(maintenant=timezone.now()) == 0
    assert _wait_for(
        lambda: {_statut(world.org_a, relance.pk), _statut(world.org_a, bloquee.pk)} == {S.ENVOYEE}
    )
    # The same message delivered again (acks_late redelivery): acted on zero more times.
    assert (
        envoyer_relance.delay(world.org_a.pk, relance.pk).get(timeout=10)
        == services.Resultat.IGNOREE
    )
    assert (
        envoyer_relance.delay(world.org_a.pk, bloquee.pk).get(timeout=10)
        == services.Resultat.IGNOREE
    )
    # The worker thread shares this process's locmem outbox.
    assert sorted(m.to[0] for m in mail.outbox) == ["admin2@a.test", "admin@a.test"]
