"""Constant query count of the job search page (issue 16): the same number of SQL queries on
the tiny ROME of the page tests and on a ROME with hundreds of fiches matching the query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exploration.models import Appellation, Fiche
from exploration.selectors.rome import normaliser
from tests.exploration.rome_fixtures import petit_rome

pytestmark = pytest.mark.django_db

URL = "/app/exploration/metiers/"


def _grossir(n: int) -> None:
    """``n`` more fiches, each with two appellations that match « boulanger »."""
    fiches = Fiche.objects.bulk_create(
        Fiche(
            code=f"Z{i:04d}",
            libelle=f"Boulanger spécialisé {i}",
            riasec_majeur="R",
            riasec_mineur="C",
            domaine_code="Z99",
            domaine_libelle="Essai",
            grand_domaine_libelle="Essai",
        )
        for i in range(n)
    )
    Appellation.objects.bulk_create(
        Appellation(
            code_ogr=100_000 + 2 * i + j,
            libelle=libelle,
            fiche=fiche,
            principale=j == 0,
            recherche=normaliser(libelle),
        )
        for i, fiche in enumerate(fiches)
        for j, libelle in enumerate((f"Boulanger spécialisé {i}", f"Boulanger de tradition {i}"))
    )


def _compter(client, params: dict[str, str]) -> int:
    assert client.get(URL, params).status_code == 200  # warm caches
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(URL, params)
    assert reponse.status_code == 200
    return len(requetes)


def test_job_search_runs_the_same_queries_on_a_small_and_a_large_rome(world, login_as):
    petit_rome()
    client = login_as(world.consultant_a)
    recherches = ({"q": "boulanger"}, {"q": "infirmiere"}, {"riasec": "RC"})
    petit = [_compter(client, params) for params in recherches]
    _grossir(400)
    grand = [_compter(client, params) for params in recherches]
    page = client.get(URL, {"q": "boulanger"}).content.decode()
    assert "Boulanger spécialisé" in page  # the large ROME is the one searched
    assert petit == grand, (petit, grand)
