"""A real Celery worker on the real Redis broker: the health check sees it answer."""

import pytest
from celery.contrib.testing.worker import start_worker

from bilan.celery import app


@pytest.fixture
def celery_worker():
    app.loader.import_module("celery.contrib.testing.tasks")
    with start_worker(app, pool="solo", perform_ping_check=True, shutdown_timeout=10) as worker:
        yield worker


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_healthz_sees_a_running_worker(celery_worker, client):
    payload = client.get("/healthz").json()
    assert payload["celery"]["status"] == "ok"
    assert payload["celery"]["workers"] >= 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_task_goes_through_the_broker(celery_worker):
    from celery.contrib.testing.tasks import ping

    assert ping.delay().get(timeout=10) == "pong"
