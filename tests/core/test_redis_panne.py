"""Redis down must not lock everyone out (issue 12, item 3).

Each test starts its OWN redis-server on a free port (never the shared one on 6379), points the
cache and the Celery broker at it, stops it, and checks that a consultant still logs in (password,
then TOTP, through allauth's real views and rate limits) and plans a séance, that ``/healthz``
says ``degraded`` with the failing parts, and that everything is back to normal once Redis is
restarted: the cache is Redis again, and the reminders written while it was down go out.
"""

import datetime as dt
import logging
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest
import redis
from allauth.mfa import app_settings as mfa_settings
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from beneficiaires.models import Phase, StatutBilan
from bilan.celery import app
from bilan.core.mfa import totp_current_code
from bilan.core.tenancy import tenant_context
from relances import services as relances
from relances.models import Relance
from seances.models import Seance
from tests.factories.bilans import bilan_for
from tests.factories.core import TEST_PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REDIS_PARTAGE = 6379
REESSAI_SECONDES = 1


def _port_libre() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisPrive:
    """A throwaway redis-server of this test: no persistence, its own port and folder."""

    def __init__(self) -> None:
        self.port = _port_libre()
        assert self.port != REDIS_PARTAGE
        self.dossier = tempfile.mkdtemp(prefix="bilan-redis-")
        self.processus: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)

    def demarrer(self) -> None:
        binaire = shutil.which("redis-server")
        if binaire is None:
            pytest.fail("redis-server est introuvable : installez le paquet Debian redis-server.")
        self.processus = subprocess.Popen(
            [binaire, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", self.dossier],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        fin = time.monotonic() + 10
        while time.monotonic() < fin:
            try:
                if self.client().ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        pytest.fail(f"le Redis privé ne répond pas sur le port {self.port}")

    def arreter(self) -> None:
        if self.processus is not None and self.processus.poll() is None:
            self.processus.terminate()
            self.processus.wait(timeout=10)
        self.processus = None
        with pytest.raises(redis.exceptions.ConnectionError):
            self.client().ping()


@pytest.fixture
def redis_prive(settings, courtier) -> Iterator[RedisPrive]:
    """A private Redis behind the cache (settings as in production) and the Celery broker."""
    instance = RedisPrive()
    instance.demarrer()
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": instance.url,
            "OPTIONS": {"REESSAI_SECONDES": REESSAI_SECONDES},
        }
    }
    settings.CELERY_BROKER_URL = instance.url
    try:
        with courtier(instance.url):
            yield instance
    finally:
        instance.arreter()
        shutil.rmtree(instance.dossier, ignore_errors=True)


def _code_totp(user) -> str:
    """The current code, waiting for the next period if this one is about to expire."""
    periode = mfa_settings.TOTP_PERIOD
    reste = periode - (time.time() % periode)
    if reste < 3:
        time.sleep(reste + 0.2)
    return totp_current_code(user=user)


def _connexion(user) -> Client:
    """Password through allauth's login form (rate limited), then the TOTP step."""
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": _code_totp(user)})
    assert response.status_code == 302
    assert response["Location"] == "/app/"
    assert client.get("/app/").status_code == 200
    return client


def _planifier(client: Client, bilan, *, intitule: str) -> Seance:
    debut = timezone.localtime(timezone.now() + dt.timedelta(hours=3))
    response = client.post(
        f"/app/seances/nouvelle/{bilan.public_id}/",
        {
            "phase": Phase.PRELIMINAIRE,
            "type": "entretien",
            "intitule": intitule,
            "debut": debut.strftime("%Y-%m-%dT%H:%M"),
            "duree_minutes": "60",
            "modalite": "telephone",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/app/bilans/{bilan.public_id}/"
    with tenant_context(bilan.organisation):
        return Seance.objects.get(bilan=bilan, intitule=intitule)


def _rappels(seance: Seance) -> list[Relance]:
    with tenant_context(seance.organisation):
        return list(Relance.objects.filter(seance=seance).order_by("kind"))


def _outbox(world) -> list[Relance]:
    with tenant_context(world.org_a):
        return list(Relance.objects.all())


def _attendre(predicat, delai: float = 20.0) -> bool:
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        if predicat():
            return True
        time.sleep(0.1)
    return predicat()


def test_redis_down_a_consultant_logs_in_and_plans_then_all_is_normal_again(
    world, redis_prive, caplog
):
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    # Redis up: the cache is Redis.
    cache.set("avant-la-panne", "redis", 60)
    assert redis_prive.client().dbsize() >= 1

    redis_prive.arreter()
    caplog.set_level(logging.WARNING, logger="bilan.core.cache")

    # A consultant logs in (allauth's rate limits and the used-TOTP-code record need the cache).
    client = _connexion(world.consultant_a)
    # ... and plans a séance through the view: its reminders wait in the database outbox.
    seance = _planifier(client, bilan, intitule="Pendant la panne")
    rappels = _rappels(seance)
    assert [r.statut for r in rappels] == [Relance.Statut.A_ENVOYER] * 2
    assert all(r.due_le <= timezone.now() for r in rappels)  # due already (3 h < 24 h)
    # Other pages keep working too.
    assert client.get(f"/app/bilans/{bilan.public_id}/").status_code == 200

    # The health check says what is wrong, and that the app still serves (HTTP 200).
    response = Client().get("/healthz")
    assert response.status_code == 200
    sante = response.json()
    assert sante["status"] == "degraded"
    assert sante["database"] == "ok"
    assert sante["cache"] == "local-fallback"
    assert sante["celery"]["status"] == "broker-unreachable"
    assert sante["degraded"] == ["cache", "celery"]

    # The dispatcher cannot hand the rows to the broker: they go back to the queue, not lost.
    # Two reminders and the beneficiary's notice of the planned séance.
    assert relances.relances_reclamer(maintenant=timezone.now()) == 3
    assert {r.statut for r in _rappels(seance)} == {Relance.Statut.A_ENVOYER}

    # One warning for the outage, not one per request.
    pannes = [r for r in caplog.records if r.name == "bilan.core.cache"]
    assert len(pannes) == 1
    assert pannes[0].levelno == logging.WARNING
    assert "secours local" in pannes[0].getMessage()

    # Redis is back.
    redis_prive.demarrer()
    time.sleep(REESSAI_SECONDES + 0.2)
    sante = Client().get("/healthz").json()
    assert sante["status"] == "ok"
    assert sante["cache"] == "ok"
    assert "degraded" not in sante
    assert sante["celery"]["status"] == "no-worker"
    # The cache writes to Redis again (this instance restarted empty).
    cache.set("apres-la-panne", "redis", 60)
    assert redis_prive.client().exists(cache.make_key("apres-la-panne")) == 1
    # Logging in works as before, and the reminders written during the outage go out.
    client = _connexion(world.consultant_a)
    _planifier(client, bilan, intitule="Après la panne")
    mail.outbox.clear()
    app.loader.import_module("celery.contrib.testing.tasks")
    # Every queue, as the embedded worker: the reminders go to "courriels" (CELERY_TASK_ROUTES).
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=True,
        shutdown_timeout=10,
        queues=list(settings.CELERY_FILES),
    ):
        # (Not asserted here: /healthz seeing this worker. A worker started earlier in the same
        # process on another broker leaves kombu state that keeps this one's remote-control
        # channel silent; a real deployment runs one worker per process.)
        assert relances.relances_reclamer(maintenant=timezone.now()) == 6
        assert _attendre(lambda: {r.statut for r in _outbox(world)} == {Relance.Statut.ENVOYEE})
    # Each once: the two reminders (beneficiary, consultant) and the beneficiary's notice, for
    # each of the two séances.
    destinataires = sorted(m.to[0] for m in mail.outbox)
    assert destinataires == sorted(
        [world.beneficiaire_a.email] * 4 + [world.consultant_a.email] * 2
    )


def test_redis_down_rate_limits_still_hold_in_the_process(world, redis_prive):
    """The local fallback keeps allauth's limits: 5 failed logins per account in 5 minutes,
    after which even the right password is refused (``login_failed: 5/5m/key``)."""
    redis_prive.arreter()
    user = world.consultant_a
    for _essai in range(5):
        response = Client().post("/accounts/login/", {"login": user.email, "password": "faux"})
        assert response.status_code == 200  # the form again, with its error
    response = Client().post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "Trop de tentatives" in response.content.decode()
    # Another account is not affected.
    _connexion(world.admin_a)
