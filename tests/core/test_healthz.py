import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_component(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "ok"
    assert payload["database"] == "ok"
    assert payload["cache"] == "ok"
    # Redis is up but no worker listens in this test.
    assert payload["celery"]["status"] in {"ok", "no-worker"}


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connexion refusée")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_healthz_reports_an_unreachable_broker(client, settings):
    from bilan.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        payload = client.get("/healthz").json()
    finally:
        app.conf.broker_url = previous
    assert payload["celery"]["status"] == "broker-unreachable"
    assert payload["status"] == "ok"  # the web app keeps working without the broker
