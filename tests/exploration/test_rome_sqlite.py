"""The embedded default (SQLite, as `make run`): the full ROME loads once, the second run is
skipped, and the acceptance queries find the same first fiches as on PostgreSQL."""

import json

import pytest

from tests.core.test_embedded_default import _embedded_environment, _manage_in
from tests.exploration.test_rome import ACCEPTATION

RECHERCHE = (
    "import json; from exploration.selectors.rome import appellations_rechercher; "
    "from exploration.models import Appellation; "
    "print(json.dumps({'n': Appellation.objects.count(), 'premieres': {q: "
    "appellations_rechercher(requete=q)[0].fiche.code for q in %r}}))"
)


@pytest.mark.slow
def test_rome_on_sqlite_loads_once_and_finds_the_acceptance_fiches(tmp_path):
    manage = _manage_in(_embedded_environment(tmp_path))
    manage("migrate", "--noinput", "-v0")
    assert "chargée en" in manage("rome_charger").stdout
    assert "déjà chargée" in manage("rome_charger").stdout
    sortie = manage("shell", "--no-imports", "-c", RECHERCHE % list(ACCEPTATION)).stdout
    resultat = json.loads(sortie.strip().splitlines()[-1])
    assert resultat["n"] == 13120
    assert resultat["premieres"] == ACCEPTATION
