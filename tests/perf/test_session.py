"""The staff session is written at most once per step of its sliding idle expiry, not on
every request (issue 16), and the idle timeout still slides."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bilan.core import middleware


def _ecritures_session(client, url):
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return [
        q["sql"]
        for q in requetes
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_session_pas_reecrite_a_chaque_page(world, login_as, settings):
    client = login_as(world.consultant_a)
    client.get("/app/")
    assert _ecritures_session(client, "/app/beneficiaires/") == []
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS


def test_session_prolongee_apres_un_pas(world, login_as, monkeypatch):
    client = login_as(world.consultant_a)
    client.get("/app/")
    depart = middleware.time.time()
    monkeypatch.setattr(middleware.time, "time", lambda: depart + middleware.PAS_PROLONGATION + 1)
    assert len(_ecritures_session(client, "/app/beneficiaires/")) == 1
