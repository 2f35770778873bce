"""The Qualiopi pages of the administrators (home, results, BPF, evidence store) in a real
browser at 375 and 1280 px: axe-core reports no serious or critical violation and the page
itself never scrolls sideways (wide tables scroll inside their own region)."""

import pytest

from tests.e2e.test_cockpit import AXE, _contexte, _verifier
from tests.qualiopi.jeu_resultats import DEBUT, FIN, jeu_construire

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = (
    "/app/qualiopi/",
    f"/app/qualiopi/resultats/?debut={DEBUT.isoformat()}&fin={FIN.isoformat()}",
    "/app/qualiopi/bpf/?annee=2026",
    "/app/qualiopi/conservation/",
)


@pytest.mark.parametrize("largeur", [375, 1280])
def test_pages_qualiopi_accessibles(world, live_server, browser, largeur):
    assert AXE.exists(), "axe-core manque : lancez « npm ci » (fait par make test)."
    jeu_construire(world)
    context = _contexte(browser, live_server, world.admin_a, largeur)
    page = context.new_page()
    problemes = {}
    for chemin in PAGES:
        reponse = page.goto(live_server.url + chemin)
        assert reponse is not None
        assert reponse.status == 200, chemin
        violations, largeur_page = _verifier(page, chemin, largeur, chemin)
        assert largeur_page <= largeur, (chemin, largeur_page)
        if violations:
            problemes[chemin] = violations
    context.close()
    assert problemes == {}
