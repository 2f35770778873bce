"""The staff shell in a real browser, at 375 px and 1280 px: no sideways scroll, nothing
wrapping in the navigation, the current space marked, the menu on phones, the global search
("/" focuses it, results as you type, Escape closes them) and axe-core reporting no serious
or critical violation on every space of the navigation.

Screenshots: ``COQUE_CAPTURES=<dossier>`` saves one per page and width there."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from beneficiaires.models import Phase, StatutBilan
from tests.factories.bilans import bilan_for
from tests.factories.core import connecter_avec_mfa

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LARGEURS = [(375, 812), (1280, 800)]
AXE_GRAVES = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""
# Height of each navigation link: one line of text (44 px touch target), never two.
HAUTEURS_LIENS = """() => [...document.querySelectorAll('#coque-nav .coque-liens a')]
    .map(a => [a.textContent.trim(), a.getBoundingClientRect().height])"""


def _contexte(browser, live_server, user, largeur, hauteur):
    client = connecter_avec_mfa(Client(), user)
    # bypass_csp: the test injects axe-core; the pages themselves keep their strict policy.
    context = browser.new_context(
        viewport={"width": largeur, "height": hauteur}, locale="fr-FR", bypass_csp=True
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


def _capture(page, nom):
    dossier = os.environ.get("COQUE_CAPTURES")
    if dossier:
        Path(dossier).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(dossier) / f"{nom}.png"), full_page=True)


@pytest.mark.parametrize(("largeur", "hauteur"), LARGEURS)
def test_every_space_fits_is_marked_and_has_no_serious_violation(
    world, live_server, browser, largeur, hauteur
):
    assert AXE.exists(), "axe-core manque : lancez « npm ci » (fait par make test)."
    bilan_for(
        world.beneficiaire_a,
        numero="COQ-0001",
        statut=StatutBilan.EN_COURS,
        phase=Phase.PRELIMINAIRE,
    )
    pages = {
        "Tableau de bord": reverse("app:dashboard"),
        "Agenda": reverse("app:agenda"),
        "Bénéficiaires": reverse("beneficiaires:list"),
        "Bilans": reverse("bilans:list"),
        "Programmes": reverse("programmes:list"),
        "Organisation": reverse("app:organisation"),
        "Relances": reverse("relances:outbox"),
        "Satisfaction": reverse("enquetes:tableau"),
        "Qualiopi": reverse("qualiopi:accueil"),
        "Journal des accès": reverse("app:audit_journal"),
        "Changer d'organisme": reverse("app:organismes"),
        None: reverse("app:recherche") + "?q=COQ",
    }
    context = _contexte(browser, live_server, world.admin_a, largeur, hauteur)
    page = context.new_page()
    problemes = {}
    for lien, chemin in pages.items():
        page.goto(live_server.url + chemin)
        assert page.url.endswith(chemin), page.url
        # The page's own space, and only it, is marked current.
        courants = page.locator('#coque-nav [aria-current="page"]')
        if lien is None:
            expect(courants).to_have_count(0)
            expect(page.locator(".coque-resultat")).to_have_count(1)
        else:
            expect(courants).to_have_count(1)
            expect(courants).to_have_text(lien)
        largeur_page = page.evaluate("document.documentElement.scrollWidth")
        assert largeur_page <= largeur, (chemin, largeur_page)
        if largeur >= 992:
            for texte, h in page.evaluate(HAUTEURS_LIENS):
                assert h < 50, (chemin, texte, h)
            deconnexion = page.get_by_role("button", name="Se déconnecter").bounding_box()
            assert deconnexion is not None
        nom = chemin.split("?")[0].strip("/").replace("/", "-")
        _capture(page, f"coque-{nom}-{largeur}")
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_GRAVES)
        if violations:
            problemes[chemin] = violations
    context.close()
    assert problemes == {}


def test_the_search_is_one_key_away_and_answers_as_you_type(world, live_server, browser):
    bilan_for(world.beneficiaire_a, numero="COQ-0002")
    context = _contexte(browser, live_server, world.consultant_a, 1280, 800)
    page = context.new_page()
    page.goto(live_server.url + reverse("bilans:list"))
    champ = page.locator("#coque-q")
    expect(champ).to_have_attribute("aria-keyshortcuts", "/")
    expect(page.locator("#coque-q-aide")).to_contain_text("Raccourci clavier")
    page.locator("body").press("/")
    expect(champ).to_be_focused()
    expect(champ).to_have_value("")  # the key focused the field, it did not type "/"
    champ.press_sequentially("coq-00", delay=30)
    resultat = page.locator("#coque-resultats .coque-resultat")
    expect(resultat).to_have_count(1)
    expect(resultat).to_contain_text("COQ-0002")
    expect(champ).to_be_focused()  # the results do not steal the focus
    _capture(page, "coque-recherche-apercu-1280")
    champ.press("Escape")
    expect(resultat).to_have_count(0)
    # Enter: the full results page, which works without JavaScript.
    champ.fill(world.beneficiaire_a.nom)
    champ.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recherche")
    expect(page.locator("main .coque-resultat").first).to_be_visible()
    # "/" typed inside a field stays a character.
    page.locator("#recherche-page").fill("")
    page.locator("#recherche-page").press("/")
    expect(page.locator("#recherche-page")).to_have_value("/")
    context.close()


def test_on_a_phone_the_navigation_is_a_menu(world, live_server, browser):
    context = _contexte(browser, live_server, world.consultant_a, 320, 700)
    page = context.new_page()
    page.goto(live_server.url + reverse("beneficiaires:list"))
    agenda = page.get_by_role("link", name="Agenda")
    expect(agenda).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_role("button", name="Menu").click()
    expect(agenda).to_be_visible()
    expect(page.get_by_role("link", name="Bénéficiaires")).to_have_attribute("aria-current", "page")
    # A consultant: no administration section.
    expect(page.get_by_role("link", name="Relances")).to_have_count(0)
    page.wait_for_timeout(400)  # the menu's slide-in
    _capture(page, "coque-menu-320")
    agenda.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agenda")
    context.close()
