import datetime as dt

import pytest
from django.utils import timezone

from bilan.celery import app
from bilan.core.tenancy import tenant_context
from tests.factories.bilans import bilan_for


@pytest.fixture
def eager():
    """Tasks run in-process, as in the embedded default (no Redis)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def drain(django_capture_on_commit_callbacks):
    """``drain(maintenant)``: one dispatcher run whose after-commit hand-overs do execute."""
    from relances.services import relances_reclamer

    def _drain(maintenant=None):
        with django_capture_on_commit_callbacks(execute=True):
            return relances_reclamer(maintenant=maintenant or timezone.now())

    return _drain


def seance_de(bilan, *, debut, consultant=None):
    from seances.services.seances import seance_planifier

    with tenant_context(bilan.organisation):
        return seance_planifier(
            bilan=bilan,
            phase="preliminaire",
            type="entretien",
            intitule="Entretien",
            debut=debut,
            duree_minutes=60,
            modalite="telephone",
            consultant=consultant or bilan.consultant,
        )


@pytest.fixture
def bilan_a(world):
    return bilan_for(
        world.beneficiaire_a,
        statut="en_cours",
        phase="preliminaire",
        date_debut_reelle=timezone.localdate() - dt.timedelta(days=3),
    )
