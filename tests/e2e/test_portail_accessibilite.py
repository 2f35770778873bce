"""axe-core (npm, injected by Playwright) finds no serious violation on the portal pages,
at phone width, and no page scrolls sideways."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from beneficiaires.models import Phase, StatutBilan
from tests.factories.bilans import bilan_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    "/portail/",
    "/portail/documents/",
    "/portail/donnees/",
    "/portail/acces/",
    "/portail/emargement/",
    "/portail/travail/",
]


def _logged_in_context(browser, live_server, user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    # bypass_csp: the test injects axe-core; the pages themselves keep their strict policy.
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="fr-FR", bypass_csp=True
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def test_portal_pages_have_no_serious_accessibility_violation(world, live_server, browser):
    assert AXE.exists(), "axe-core manque : lancez « npm ci » (fait par make test)."
    bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    context = _logged_in_context(browser, live_server, world.beneficiaire_user_a)
    page = context.new_page()
    problems = {}
    for path in PAGES:
        page.goto(live_server.url + path)
        assert page.url.endswith(path), page.url
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations
                    .filter(v => v.impact === "serious" || v.impact === "critical")
                    .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
            }"""
        )
        if violations:
            problems[path] = violations
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    # Guard: the check does catch a real violation (an image without text alternative).
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x>')")
    caught = page.evaluate("""async () => (await axe.run(document)).violations.map(v => v.id)""")
    assert "image-alt" in caught
    context.close()
    assert problems == {}
