"""Tasks bind the organisation they receive, in a real Celery worker on Redis."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from bilan.celery import app
from bilan.core.tasks import run_for_organisation
from bilan.core.tenancy import for_each_organisation


def _visible_beneficiaires(organisation=None) -> list[int]:
    # Deliberately unfiltered SQL: only row-level security limits it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT organisation_id FROM beneficiaires_beneficiaire")
        return sorted({row[0] for row in cursor.fetchall()})


@app.task(name="tests.visible_beneficiaires")
def visible_beneficiaires(organisation_id: int) -> list[int]:
    return run_for_organisation(organisation_id, _visible_beneficiaires)


@app.task(name="tests.visible_unbound")
def visible_unbound() -> list[int]:
    return _visible_beneficiaires()


@pytest.fixture
def celery_worker():
    app.loader.import_module("celery.contrib.testing.tasks")
    with start_worker(app, pool="solo", perform_ping_check=True, shutdown_timeout=10) as worker:
        yield worker


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_task_sees_only_the_organisation_it_received(world, celery_worker):
    assert visible_beneficiaires.delay(world.org_a.pk).get(timeout=10) == [world.org_a.pk]
    assert visible_beneficiaires.delay(world.org_b.pk).get(timeout=10) == [world.org_b.pk]
    # A task that forgets to bind sees nothing, and the previous binding did not leak.
    assert visible_unbound.delay().get(timeout=10) == []


@pytest.mark.django_db
def test_cross_organisation_jobs_bind_each_organisation_in_turn(world):
    seen = for_each_organisation(lambda organisation: _visible_beneficiaires())
    assert seen == {world.org_a.pk: [world.org_a.pk], world.org_b.pk: [world.org_b.pk]}
    assert _visible_beneficiaires() == []
