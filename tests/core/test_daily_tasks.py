"""Beat duplicated: each daily task run twice at the same moment has its effect once, and both
runs end without error (``run_alone_for_each_organisation``: one run at a time per task and
organisation, the second finds nothing left to do)."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from beneficiaires.models import Bilan, BilanEvenement, StatutBilan
from beneficiaires.tasks import refuser_conventions_expirees
from bilan.core.tenancy import tenant_context
from relances.models import Relance
from relances.tasks import balayage_quotidien
from syntheses.models import Purge
from syntheses.tasks import purger_bilans_clos
from tests.beneficiaires.test_bilans import _tripartite, org_a  # noqa: F401  (fixture)
from tests.syntheses.test_retention import Dossier

pytestmark = pytest.mark.django_db(transaction=True)


def _en_attente_de_verrou() -> int:
    """Other sessions of this test database waiting for a lock (row, key or advisory)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _deux_fois_en_meme_temps(tache, *, verrou: Bilan | None = None):
    """Run ``tache`` in two threads (two workers given the same beat tick). With ``verrou``, the
    test holds that bilan's row lock until both runs are waiting on something, so the two
    runs overlap for sure, whatever the scheduler does."""
    resultats, erreurs = [], []
    depart = threading.Barrier(2)

    def run():
        try:
            depart.wait()
            resultats.append(tache())
        except BaseException as exc:  # reported below
            erreurs.append(exc)
        finally:
            connection.close()

    fils = [threading.Thread(target=run) for _ in range(2)]
    if verrou is None:
        for fil in fils:
            fil.start()
    else:
        with tenant_context(verrou.organisation):
            Bilan.objects.select_for_update().get(pk=verrou.pk)
            for fil in fils:
                fil.start()
            fin = time.monotonic() + 30
            while _en_attente_de_verrou() < 2:
                assert time.monotonic() < fin, "les deux exécutions ne se sont pas rejointes"
                time.sleep(0.05)
    for fil in fils:
        fil.join(60)
    return resultats, erreurs


def test_expired_conventions_twice_at_once_refuse_once(org_a, world):  # noqa: F811
    bilan = _tripartite(world, transmise_il_y_a=15)  # deadline (+ 10, past a weekend) is over
    resultats, erreurs = _deux_fois_en_meme_temps(refuser_conventions_expirees, verrou=bilan)
    assert erreurs == []
    assert sorted(r[world.org_a.pk] for r in resultats) == [0, 1]
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.REFUSE
        assert BilanEvenement.objects.filter(bilan=bilan, vers=StatutBilan.REFUSE).count() == 1


def test_the_purge_twice_at_once_purges_once(world):
    dossier = Dossier(world)
    resultats, erreurs = _deux_fois_en_meme_temps(purger_bilans_clos, verrou=dossier.bilan)
    assert erreurs == []
    with tenant_context(world.org_a):
        objets = list(Purge.objects.filter(bilan=dossier.bilan).values_list("objet", flat=True))
    assert len(objets) >= 4
    assert len(set(objets)) == len(objets)  # nothing destroyed (or reported) twice
    assert sorted(r[world.org_a.pk] for r in resultats) == [0, len(objets)]


def test_the_daily_sweep_twice_at_once_plans_once(world):
    world.org_a.qualiopi_date_expiration = timezone.localdate() + dt.timedelta(days=30)
    world.org_a.save()
    resultats, erreurs = _deux_fois_en_meme_temps(balayage_quotidien)
    assert erreurs == []
    assert len(resultats) == 2
    with tenant_context(world.org_a):
        lignes = list(
            Relance.objects.filter(kind=Relance.Kind.QUALIOPI_EXPIRATION).values_list(
                "destinataire", flat=True
            )
        )
    assert lignes == ["alice@a.test"]
