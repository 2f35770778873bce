import logging

import pytest
from django.core.cache import cache
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


def test_healthz_reports_an_unreachable_broker(client, courtier):
    with courtier("redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    payload = response.json()
    assert payload["celery"]["status"] == "broker-unreachable"
    # The web app keeps working without the broker (HTTP 200), but says it is degraded.
    assert response.status_code == 200
    assert payload["status"] == "degraded"
    assert payload["degraded"] == ["celery"]
    assert payload["cache"] == "ok"


def test_healthz_reports_a_cache_serving_from_its_local_fallback(client, settings, caplog):
    """Redis unreachable (nothing listens on port 1): the cache answers from the process's
    fallback, logs it once, and the health check names it."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    }
    with caplog.at_level(logging.WARNING, logger="bilan.core.cache"):
        cache.set("cle", "valeur", 30)
        assert cache.get("cle") == "valeur"
        assert cache.add("compteur", 1, 30)
        assert cache.incr("compteur") == 2
        response = client.get("/healthz")
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "degraded"
    assert payload["cache"] == "local-fallback"
    assert payload["database"] == "ok"
    assert payload["degraded"] == ["cache"]
    assert [r.levelno for r in caplog.records if r.name == "bilan.core.cache"] == [logging.WARNING]


def test_healthz_is_ok_and_lists_nothing_when_all_answers(client):
    payload = client.get("/healthz").json()
    assert payload["status"] == "ok"
    assert "degraded" not in payload
