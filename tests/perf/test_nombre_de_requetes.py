"""Constant query counts (issue 16): each main page runs the same number of SQL queries on a
small and on a larger volume of ``manage.py bench_generer``. A change of these numbers is a
decision: look for an N+1 before updating the table."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.pages import clients, pages_principales

# Per page, on both volumes. The floor: session, user, membership and organisation, the
# tenant binding and its reset, the row; the rest of each page is its own.
ATTENDU = {
    "plancher": 10,
    "plancher + mise en page": 10,
    "tableau de bord": 19,
    "mes bilans": 12,
    "tous les bilans": 12,
    "bilans en cours": 12,
    "recherche de bilans": 12,
    "bénéficiaires": 11,
    "dossier": 22,  # 19 in the first pass, before the exploration and Qualiopi merges
    "agenda semaine": 11,
    "agenda organisation": 11,
    "relances": 13,  # 12 with the join; + the page's dossiers by primary key (séances: none here)
    "journal des accès": 12,
    "portail": 19,  # 18 in the first pass, before the same merges
    "résultats qualiopi": 22,  # 24 before the satisfaction counts were merged
}

PETIT = {"mini": True}
GRAND = {
    "organisations": 3,
    "bilans": 160,
    "bilans_petits": 10,
    "consultants": 4,
    "relances": 800,
    "journal": 800,
    "portail": 4,
}


def compter() -> dict[str, int]:
    comptes = clients()
    resultat = {}
    for page in pages_principales():
        client = comptes[page.compte]
        assert client.get(page.url).status_code == 200, page.url  # warm caches
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as requetes:
            reponse = client.get(page.url)
        assert reponse.status_code == 200, page.url
        resultat[page.label] = len(requetes)
    return resultat


@pytest.mark.urls("bench.urls")
@pytest.mark.parametrize("volume", [PETIT, GRAND], ids=["petit", "grand"])
def test_nombre_de_requetes_constant(db, volume):
    call_command("bench_generer", **volume)
    mesure = compter()
    assert mesure == ATTENDU, mesure
