"""The evidence export built by a real Celery worker on the real broker, and in-process (a
background thread) on the embedded default, with the same progress row polled by the page."""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

import qualiopi.tasks  # noqa: F401  (registers the task with the worker started here)
from bilan.celery import app
from bilan.core.tenancy import tenant_context
from qualiopi.models import ExportQualiopi
from tests.qualiopi.donnees_export import dossier_clos

URL = "/app/qualiopi/export/"


@pytest.fixture
def celery_worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def _attendre(organisation, *, secondes=60):
    limite = time.monotonic() + secondes
    while time.monotonic() < limite:
        with tenant_context(organisation):
            export = ExportQualiopi.objects.get()
        if export.statut in ("pret", "echec"):
            return export
        time.sleep(0.3)
    raise AssertionError(f"export toujours {export.statut} ({export.etape})")


def _demander(client):
    fin = timezone.localdate()
    return client.post(URL, {"debut": fin - dt.timedelta(days=365), "fin": fin})


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_request_is_built_by_the_celery_worker(world, login_as, celery_worker):
    dossier_clos(world.beneficiaire_a, admin=world.admin_a, numero="BC-2026-0042")
    client = login_as(world.admin_a)
    assert _demander(client).status_code == 302
    export = _attendre(world.org_a)
    assert export.statut == "pret", export.erreur
    assert export.progression_faite == export.progression_totale > 1
    response = client.get(reverse("qualiopi:export_fichier", args=[export.public_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_embedded_default_builds_in_a_background_thread_and_the_page_polls(world, login_as):
    dossier_clos(world.beneficiaire_a, admin=world.admin_a, numero="BC-2026-0042")
    client = login_as(world.admin_a)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        debut = time.monotonic()
        response = _demander(client)
        duree_requete = time.monotonic() - debut
        assert response.status_code == 302
        with tenant_context(world.org_a):
            export = ExportQualiopi.objects.get()
        # The page answered while the archive was still waiting or being built, and the
        # cell polls until it is ready.
        cellule = client.get(reverse("qualiopi:export_etat", args=[export.public_id]))
        assert cellule.status_code == 200
        export = _attendre(world.org_a)
    assert export.statut == "pret", export.erreur
    assert duree_requete < 10
    cellule = client.get(reverse("qualiopi:export_etat", args=[export.public_id])).content
    assert b"hx-trigger" not in cellule
    assert reverse("qualiopi:export_fichier", args=[export.public_id]).encode() in cellule
