"""A real worker killed mid-batch, and the broker restarted empty: the harness of
``test_panne.py`` and of ``bench/bench_dispatcher.py``.

Started as other processes, owned by the harness (and stopped by their ids): a private
``redis-server`` on a free port (never the shared one), a Celery worker (prefork, 2 processes)
and one beat, both with ``tests.relances.reglages_panne``: the test database as the application
role, the lease and beat tick given, a mail server made of files (``BoiteFichiers``). Every row
is due; one recipient (``lent@…``) makes its first send hang. The harness waits for a pool
process to be in the middle of that send, ``kill -9``s it, kills Redis (nothing persisted: every
queued message is lost) and starts it again, then measures until every row is sent.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bilan.core.tenancy import tenant_context
from relances.models import Relance

RACINE = Path(__file__).resolve().parents[2]
S = Relance.Statut


@dataclass
class Mesure:
    lignes: int
    recus: int  # messages accepted by the mail server
    distincts: int  # distinct Message-ID among them
    doublons: int  # messages beyond the first of a Message-ID
    perdus: int  # rows whose Message-ID never arrived
    reclamees_non_envoyees: int  # rows claimed, not yet sent, at the failure
    envoyees_avant_panne: int
    premiere_reprise_s: float | None  # failure → first message sent after the restart
    reprise_s: float | None  # failure → every row sent
    tentatives: Counter = field(default_factory=Counter)  # attempts per row → rows
    tentatives_lent: int = 0  # attempts of the row whose send was killed
    statuts: Counter = field(default_factory=Counter)
    message_ids_attendus: set[str] = field(default_factory=set)
    message_ids: Counter = field(default_factory=Counter)

    def resume(self) -> str:
        reprise = "—" if self.reprise_s is None else f"{self.reprise_s:.1f} s"
        premiere = "—" if self.premiere_reprise_s is None else f"{self.premiere_reprise_s:.1f} s"
        return (
            f"{self.lignes} lignes, {self.envoyees_avant_panne} envoyées avant la panne, "
            f"{self.reclamees_non_envoyees} réclamées non envoyées à la panne ; "
            f"reçus={self.recus} distincts={self.distincts} doublons={self.doublons} "
            f"perdus={self.perdus} ; première reprise {premiere}, tout envoyé {reprise} ; "
            f"tentatives {dict(sorted(self.tentatives.items()))} (la ligne tuée : "
            f"{self.tentatives_lent})"
        )


def _port_libre() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_demarrer(port: int, dossier: Path) -> subprocess.Popen:
    processus = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(dossier),
        ],
        stdout=(dossier / f"redis-{time.monotonic_ns()}.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(port=port, socket_timeout=1)
    fin = time.monotonic() + 20
    while True:
        try:
            if client.ping():
                return processus
        except redis.exceptions.ConnectionError:
            pass
        if processus.poll() is not None or time.monotonic() > fin:
            raise RuntimeError(f"redis-server ne démarre pas sur le port {port}")
        time.sleep(0.05)


def _arreter(processus: subprocess.Popen | None, *, groupe: bool = False) -> None:
    if processus is None or processus.poll() is not None:
        return
    if groupe:
        os.killpg(processus.pid, signal.SIGTERM)
    else:
        processus.terminate()
    try:
        processus.wait(20)
    except subprocess.TimeoutExpired:
        if groupe:
            os.killpg(processus.pid, signal.SIGKILL)
        else:
            processus.kill()
        processus.wait(10)


def _celery(commande: list[str], *, env: dict[str, str], journal: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bilan", *commande],
        cwd=RACINE,
        env=env,
        stdout=journal.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group: the harness stops the worker and its pool
    )


def _attendre(condition, *, delai: float, message: str, pas: float = 0.05):
    fin = time.monotonic() + delai
    while True:
        resultat = condition()
        if resultat:
            return resultat
        if time.monotonic() > fin:
            raise AssertionError(message)
        time.sleep(pas)


def _statuts(organisation) -> Counter:
    with tenant_context(organisation):
        return Counter(Relance.objects.values_list("statut", flat=True))


def _processus_lent(boite: Path) -> int | None:
    for marqueur in boite.glob("*.debut"):
        pid, destinataire, _reste = marqueur.read_text().split(" ", 2)
        if destinataire.startswith("lent@"):
            return int(pid)
    return None


def _message_ids(boite: Path) -> Counter:
    messages = (email.message_from_bytes(chemin.read_bytes()) for chemin in boite.glob("*.eml"))
    return Counter(message["Message-ID"] for message in messages)


def panne_executer(
    *,
    organisation,
    lignes: int,
    bail: int,
    tick: float,
    dossier: Path,
    delai_max: float,
) -> Mesure:
    """Write ``lignes`` due rows for ``organisation`` (committed: a transactional test), run the
    scenario and measure. ``bail`` and ``tick``: the lease and the beat period, in seconds."""
    dossier.mkdir(parents=True, exist_ok=True)
    boite = dossier / "boite"
    due = timezone.now() - dt.timedelta(minutes=1)
    lent = lignes // 5
    with tenant_context(organisation):
        Relance.objects.bulk_create(
            Relance(
                organisation=organisation,
                kind=Relance.Kind.QUALIOPI_EXPIRATION,
                target_type="organisation",
                target_id=organisation.public_id,
                destinataire="lent@panne.test" if i == lent else f"r{i}@panne.test",
                due_le=due + dt.timedelta(milliseconds=i),
                cle_unique=f"panne:{i}",
            )
            for i in range(lignes)
        )
        attendus = {
            f"<relance-{public_id}@bilan.localhost>"
            for public_id in Relance.objects.values_list("public_id", flat=True)
        }
    port = _port_libre()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.relances.reglages_panne",
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "PANNE_BASE": connection.settings_dict["NAME"],
        "PANNE_BOITE": str(boite),
        "PANNE_BAIL": str(bail),
        "PANNE_TICK": str(tick),
        "PANNE_LENT": "300",
        "PYTHONPATH": str(RACINE),
    }
    serveur = worker = beat = None
    try:
        serveur = _redis_demarrer(port, dossier)
        journal_worker = dossier / "worker.log"
        worker = _celery(
            [
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--loglevel=INFO",
                "--without-gossip",
                f"--queues={','.join(settings.CELERY_FILES)}",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=panne-{port}@%h",
            ],
            env=env,
            journal=journal_worker,
        )
        _attendre(
            lambda: b" ready." in journal_worker.read_bytes() or worker.poll() is not None,
            delai=60,
            message="le worker ne démarre pas",
        )
        assert worker.poll() is None, journal_worker.read_text()
        beat = _celery(
            ["beat", "--loglevel=INFO", f"--schedule={dossier / 'beat-schedule'}", "--pidfile="],
            env=env,
            journal=dossier / "beat.log",
        )
        # A pool process is in the middle of the slow send: kill it, and lose the broker.
        pid = _attendre(
            lambda: _processus_lent(boite), delai=120, message="l'envoi lent n'a pas commencé"
        )
        os.kill(pid, signal.SIGKILL)
        panne = time.monotonic()
        serveur.kill()  # no persistence: every message waiting in Redis is lost
        serveur.wait(10)
        statuts = _statuts(organisation)
        envoyes_avant = len(list(boite.glob("*.eml")))
        serveur = _redis_demarrer(port, dossier)

        premiere = None
        fin = None
        limite = panne + delai_max
        while time.monotonic() < limite:
            if premiere is None and len(list(boite.glob("*.eml"))) > envoyes_avant:
                premiere = time.monotonic() - panne
            if _statuts(organisation)[S.ENVOYEE] == lignes:
                fin = time.monotonic() - panne
                if premiere is None:
                    premiere = fin
                break
            time.sleep(0.2)
        # Let any late duplicate land before counting.
        time.sleep(min(2.0, bail))
    finally:
        _arreter(beat, groupe=True)
        _arreter(worker, groupe=True)
        _arreter(serveur)
    with tenant_context(organisation):
        tentatives = Counter(Relance.objects.values_list("tentatives", flat=True))
        tentatives_lent = Relance.objects.get(destinataire__startswith="lent@").tentatives
    message_ids = _message_ids(boite)
    return Mesure(
        lignes=lignes,
        recus=sum(message_ids.values()),
        distincts=len(message_ids),
        doublons=sum(n - 1 for n in message_ids.values()),
        perdus=len(attendus - set(message_ids)),
        reclamees_non_envoyees=statuts[S.EN_COURS],
        envoyees_avant_panne=envoyes_avant,
        premiere_reprise_s=premiere,
        reprise_s=fin,
        tentatives=tentatives,
        tentatives_lent=tentatives_lent,
        statuts=_statuts(organisation),
        message_ids_attendus=attendus,
        message_ids=message_ids,
    )
