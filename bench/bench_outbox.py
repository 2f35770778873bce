"""Benchmark: 10 000 due outbox rows drained exactly once by one real Celery worker.

Run (PostgreSQL and Redis up, as for ``make test``; a fresh, dedicated test database and Redis
database)::

    TEST_DATABASE_NAME=test_bilan_bench REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python -m pytest -q -s --create-db -p no:cacheprovider bench/bench_outbox.py

``BENCH_MINI=1``: 200 rows and the plan on 20 000 (the smoke run); ``BENCH_LIGNES``: the rows.
The worker is the ``make test`` kind (as in ``tests/relances/panne.py``): ``celery worker
--pool=prefork --concurrency=2`` started as another process (so this process does not take
its CPU), as the application role under row-level security, on a private queue of the real
Redis broker, with production's persistent database connections (``bench/reglages_outbox.py``)
and a mail server made of files (``tests.relances.courriers.Journal``: each message serialised
as for SMTP, then one line per accepted message). The dispatcher runs here
(``relances_reclamer``: batches of 100, SKIP LOCKED, handed over after each commit), as beat
would, and again every 30 s. Measured: from the first claim to the last row ``envoyee``; then
the checks: every row's ``Message-ID`` received once (no loss, no duplicate), nothing else
received, each row one attempt, a second claim finds nothing. Then ``test_plan_des_relances_dues``
writes 1 000 000 rows (generate_series, as the owner) and prints the due-row query's plan.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections
from django.db.models import Q
from django.utils import timezone

from bilan.celery import app
from bilan.core.tenancy import tenant_context
from relances import services
from relances.models import Relance
from relances.services import relances_reclamer
from tests.conftest import _OWNER, django_db_setup  # noqa: F401  (run as the application role)
from tests.factories.core import OrganisationFactory
from tests.relances.panne import RACINE, _arreter, _attendre, _celery

MINI = os.environ.get("BENCH_MINI") == "1"
LIGNES = int(os.environ.get("BENCH_LIGNES", "200" if MINI else "10000"))
LIGNES_PLAN = 20_000 if MINI else 1_000_000
# 2: the ``make test`` worker (tests/relances/panne.py); 4: docker-compose's worker-courriels.
CONCURRENCE = int(os.environ.get("BENCH_CONCURRENCE", "2"))
# One private queue per run: other runs may share the Redis database.
FILE = f"banc-relances-{uuid.uuid4().hex}"


def _lignes_dues(organisation, nombre: int) -> set[str]:
    """``nombre`` due rows; returns the ``Message-ID`` each must arrive with, once."""
    due = timezone.now() - dt.timedelta(minutes=1)
    with tenant_context(organisation):
        lignes = Relance.objects.bulk_create(
            (
                Relance(
                    organisation=organisation,
                    kind=Relance.Kind.QUALIOPI_EXPIRATION,
                    target_type="organisation",
                    target_id=organisation.public_id,
                    destinataire=f"r{i}@banc.test",
                    due_le=due,
                    cle_unique=f"banc:{i}",
                )
                for i in range(nombre)
            ),
            batch_size=5000,
        )
    return {f"<relance-{ligne.public_id}@bilan.localhost>" for ligne in lignes}


def _router(routes) -> None:
    # Celery builds its router once, from the routes of that moment (tests/relances/test_worker.py).
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@pytest.fixture
def worker(tmp_path):
    """A real prefork worker (``CONCURRENCE`` processes) in its own process group, on this
    run's queue. Yields the mail server's folder and the worker's process group."""
    boite = tmp_path / "boite"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.reglages_outbox",
        "BANC_BASE": connection.settings_dict["NAME"],
        "BANC_BOITE": str(boite),
        "BANC_FILE": FILE,
        "PYTHONPATH": str(RACINE),
    }
    journal = tmp_path / "worker.log"
    processus = _celery(
        [
            "worker",
            "--pool=prefork",
            f"--concurrency={CONCURRENCE}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--queues={FILE}",
            f"--hostname=banc-{FILE}@%h",
        ],
        env=env,
        journal=journal,
    )
    routes = app.conf.task_routes
    try:
        _attendre(
            lambda: processus.poll() is not None or _pret(app, FILE),
            delai=60,
            message="le worker ne démarre pas",
        )
        assert processus.poll() is None, journal.read_text()
        _router({"relances.tasks.*": {"queue": FILE}})
        yield boite, processus.pid
    finally:
        _router(routes)
        _arreter(processus, groupe=True)


def _pret(application, file: str) -> bool:
    """The worker consumes the queue (it answers a ping sent to its own name)."""
    nom = f"banc-{file}@{socket.gethostname()}"
    return bool(application.control.ping(destination=[nom], timeout=0.5))


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid``; 0 once it is gone."""
    try:
        champs = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(champs[11]) + int(champs[12])) / TICKS


def _groupe(pgid: int) -> list[int]:
    """The processes of process group ``pgid`` (the worker and its pool)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            champs = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(champs[2]) == pgid:
            pids.append(int(stat.parent.name))
    return pids


def _recus(boite: Path) -> Counter:
    """Message-ID → messages accepted by the mail server."""
    recus: Counter = Counter()
    for journal in boite.glob("*.journal"):
        recus.update(ligne.split(" ", 1)[0] for ligne in journal.read_text().splitlines())
    return recus


@pytest.mark.django_db(transaction=True)
def test_vidage_de_10000_relances(worker):
    """The rows, drained by the worker; the dispatcher called as beat would."""
    organisation = OrganisationFactory(raison_sociale="Organisme banc relances")
    attendus = _lignes_dues(organisation, LIGNES)
    boite, groupe = worker
    charge_avant = os.getloadavg()
    cpu_worker = sum(_cpu(pid) for pid in _groupe(groupe))
    cpu_banc = time.process_time()
    debut = time.perf_counter()
    reclamees = relances_reclamer(maintenant=timezone.now(), lot=100)
    tick = time.perf_counter()
    while True:
        with tenant_context(organisation):
            if not Relance.objects.exclude(statut=Relance.Statut.ENVOYEE).exists():
                break
        assert time.perf_counter() - debut < 1200, "vidage trop long"
        time.sleep(0.1)
        if time.perf_counter() - tick >= 30:
            # Beat's tick: rows whose message expired with its lease are claimed again.
            relances_reclamer(maintenant=timezone.now(), lot=100)
            tick = time.perf_counter()
    duree = time.perf_counter() - debut
    charge_apres = os.getloadavg()
    cpu_banc = time.process_time() - cpu_banc
    cpu_worker = sum(_cpu(pid) for pid in _groupe(groupe)) - cpu_worker
    time.sleep(1)  # a late duplicate would land now
    recus = _recus(boite)
    assert reclamees == LIGNES
    assert relances_reclamer(maintenant=timezone.now()) == 0
    assert set(recus) == attendus, "perte ou message inattendu"
    assert sum(recus.values()) == LIGNES, "doublon"
    with tenant_context(organisation):
        tentatives = Counter(Relance.objects.values_list("tentatives", flat=True))
    print(
        f"\nworker prefork x{CONCURRENCE} : {LIGNES} relances vidées en {duree:.1f} s, "
        f"{LIGNES / duree:.0f} lignes/s ; "
        f"{sum(recus.values())} courriels reçus, {len(recus)} Message-ID distincts ; "
        f"tentatives {dict(tentatives)} ; charge (1 min) {charge_avant[0]:.2f} avant, "
        f"{charge_apres[0]:.2f} après ; CPU par ligne : "
        f"worker {cpu_worker / LIGNES * 1000:.2f} ms, banc (dispatcher) "
        f"{cpu_banc / LIGNES * 1000:.2f} ms ; {sys.executable}"
    )


@pytest.mark.django_db(transaction=True)
def test_cpu_par_ligne(tmp_path, settings):
    """What one row costs in CPU, whatever the machine's load: the send batches' body
    (``relances_envoyer_lot``, batches of ``ENVOI_PAR_TACHE``) run here, on one connection, with
    the same mail server; this process's CPU and its PostgreSQL server process's CPU, per row."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "tests.relances.courriers.Journal",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    lignes = min(LIGNES, 2000)
    organisation = OrganisationFactory(raison_sociale="Organisme banc CPU")
    _lignes_dues(organisation, lignes)
    with tenant_context(organisation):
        ids, jeton = services._reclamer_lot(maintenant=timezone.now(), lot=lignes)
    lots = [
        ids[i : i + services.ENVOI_PAR_TACHE] for i in range(0, lignes, services.ENVOI_PAR_TACHE)
    ]
    services.relances_envoyer_lot(
        organisation_id=organisation.pk, relance_ids=lots[0], jeton=str(jeton)
    )
    with connection.cursor() as curseur:
        curseur.execute("SELECT pg_backend_pid()")
        serveur = curseur.fetchone()[0]
    cpu_serveur, cpu, debut = _cpu(serveur), time.process_time(), time.perf_counter()
    for lot in lots[1:]:
        services.relances_envoyer_lot(
            organisation_id=organisation.pk, relance_ids=lot, jeton=str(jeton)
        )
    mesurees = lignes - len(lots[0])
    duree = time.perf_counter() - debut
    cpu, cpu_serveur = time.process_time() - cpu, _cpu(serveur) - cpu_serveur
    assert len(_recus(tmp_path)) == lignes
    print(
        f"\nCPU par ligne ({mesurees} lignes, lots de {services.ENVOI_PAR_TACHE}) : "
        f"Python {cpu / mesurees * 1000:.2f} ms, "
        f"PostgreSQL {cpu_serveur / mesurees * 1000:.2f} ms ; {mesurees / duree:.0f} lignes/s "
        f"sur un processus ; charge (1 min) {os.getloadavg()[0]:.2f}"
    )


@pytest.mark.django_db(transaction=True)
def test_plan_des_relances_dues():
    """The dispatcher's due-row query on LIGNES_PLAN rows (1 % due, the rest sent history)."""
    organisations = [OrganisationFactory(raison_sociale=f"Organisme plan {i}") for i in range(4)]
    reglages = connections["default"].settings_dict
    with psycopg.connect(
        host=reglages["HOST"] or None,
        port=reglages["PORT"] or None,
        dbname=reglages["NAME"],
        user=_OWNER[0],
        password=_OWNER[1],
        autocommit=True,
    ) as proprietaire:
        for rang, organisation in enumerate(organisations):
            # Row-level security is forced on the owner too: bind each organisation.
            proprietaire.execute(
                "SELECT set_config('app.current_org', %s, false)", [str(organisation.pk)]
            )
            proprietaire.execute(
                """
                INSERT INTO relances_relance (organisation_id, public_id, created_at, updated_at,
                    kind, target_type, target_id, destinataire, due_le, cle_unique, statut,
                    tentatives, derniere_erreur)
                SELECT %(org)s, gen_random_uuid(), now(), now(), 'qualiopi_expiration',
                    'organisation', gen_random_uuid(), 'x@banc.test',
                    now() - (g || ' minutes')::interval, 'plan:' || g,
                    CASE WHEN g %% 100 = 0 THEN 'a_envoyer' ELSE 'envoyee' END, 1, ''
                FROM generate_series(1, %(n)s) AS g
                """,
                {"org": organisation.pk, "n": LIGNES_PLAN // len(organisations) * (rang + 1) // 2},
            )
        proprietaire.execute("ANALYZE relances_relance")
        total = proprietaire.execute("SELECT count(*) FROM relances_relance").fetchone()[0]
    maintenant = timezone.now()
    with tenant_context(organisations[-1]):
        S = Relance.Statut
        dues = (
            Relance.objects.filter(
                Q(statut=S.A_ENVOYER, due_le__lte=maintenant)
                | Q(statut=S.EN_COURS, bail_expire_le__lt=maintenant)
                | Q(statut=S.EN_COURS, bail_expire_le__isnull=True)
            )
            .order_by("due_le", "pk")
            .values_list("pk", flat=True)[:100]
        )
        plan = dues.explain(analyze=True)
    print(
        f"\nPlan de la requête des relances dues ({total} lignes dans l'organisme lié, "
        f"environ {LIGNES_PLAN + LIGNES_PLAN // 4} dans la table) :\n{plan}"
    )
    assert "Index" in plan, "la requête des relances dues ne passe pas par un index"
    connection.close()
