"""The organisation's agenda, a day at a time (issue 16), in a real browser at 375 and 1280 px:
no sideways scroll, axe-core reports no serious or critical violation, the day navigation
leads to the next day. ``E2E_CAPTURES=<dir>`` also saves a screenshot of each width."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from tests.e2e.test_cockpit import AXE, AXE_SERIEUX, _contexte, _donnees

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("largeur", [375, 1280])
def test_agenda_de_l_organisme_jour_par_jour(world, live_server, browser, largeur):
    assert AXE.exists(), "axe-core manque : lancez « npm ci » (fait par make test)."
    _donnees(world)
    # The day of the séance planned in an hour (_donnees), even late in the evening.
    aujourdhui = timezone.localdate(timezone.now() + dt.timedelta(hours=1))
    context = _contexte(browser, live_server, world.admin_a, largeur)
    page = context.new_page()
    page.goto(f"{live_server.url}/app/agenda/?consultant=tous&vue=semaine&date={aujourdhui}")
    assert page.get_by_text("Toutes les séances de l'organisme, jour par jour").is_visible()
    assert page.get_by_role("cell", name="Entretien d'investigation").is_visible()
    assert page.get_by_role("link", name="Semaine").count() == 0
    if dossier := os.environ.get("E2E_CAPTURES"):
        page.screenshot(path=f"{dossier}/agenda-organisation-{largeur}.png", full_page=True)
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(AXE_SERIEUX) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= largeur
    page.get_by_role("link", name="Jour suivant →").click()
    assert "consultant=tous" in page.url
    assert page.get_by_role("cell", name="Entretien d'investigation").count() == 0
    context.close()
