"""Issue 17 acceptance, questionnaires: the consultant assigns the IPIP-NEO-120 in French; the
beneficiary answers it in the portal at 375 px (axe clean, no sideways scroll), sees that the
results are hidden until released; the consultant releases them; the beneficiary sees the chart
and the interpretation."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from beneficiaires.models import Phase, StatutBilan
from bilan.core.tenancy import tenant_context
from exploration.instruments import VALEURS, instrument
from exploration.models import Passation
from exploration.services import questionnaires
from seances.models import Seance
from tests.factories.bilans import bilan_for
from tests.factories.core import connecter_avec_mfa

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}


def _contexte(browser, live_server, user, *, viewport, staff=False):
    client = Client()
    if staff:
        connecter_avec_mfa(client, user)
    else:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True)
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


def _axe(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
        }"""
    )


def _sans_defilement_lateral(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_ipip_neo_120_assigne_repondu_communique(world, live_server, browser):
    assert AXE.exists(), "axe-core manque : lancez « npm ci »."
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.INVESTIGATION)
    with tenant_context(world.org_a):
        Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            consultant=world.consultant_a,
            phase="investigation",
            type="questionnaire",
            intitule="Passation de questionnaires",
            debut=timezone.now() + dt.timedelta(days=1),
            duree_minutes=60,
            modalite="presentiel",
        )

    # 1. The consultant assigns the questionnaire from the dossier page.
    staff = _contexte(
        browser,
        live_server,
        world.consultant_a,
        viewport={"width": 1280, "height": 900},
        staff=True,
    )
    consultant = staff.new_page()
    consultant.goto(f"{live_server.url}/app/bilans/{bilan.public_id}/")
    consultant.get_by_role("link", name="Questionnaires du bilan").click()
    consultant.locator("#id_instrument").select_option(
        label="Personnalité : IPIP-NEO-120 (120 questions)"
    )
    consultant.get_by_role("button", name="Proposer").click()
    expect(consultant.get_by_text("Questionnaire proposé")).to_be_visible()

    # 2. The beneficiary answers on a phone, ten questions a page.
    portail = _contexte(browser, live_server, world.beneficiaire_user_a, viewport=PHONE)
    page = portail.new_page()
    page.goto(f"{live_server.url}/portail/")
    page.get_by_role("link", name="Mes questionnaires", exact=True).click()
    page.get_by_role("link", name="Commencer").click()
    expect(page.get_by_text("Question 1 sur 120", exact=True)).to_be_visible()
    assert _axe(page) == []
    _sans_defilement_lateral(page)
    # Keyboard: the first answer is chosen without a mouse (Tab to the group, arrows, Space).
    page.locator("#q-1-1").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#q-1-2")).to_be_checked()
    for numero in range(1, 13):
        for question in range((numero - 1) * 10 + 1, numero * 10 + 1):
            page.locator(f"#q-{question}-{(question % 5) + 1}").check()
        nom = "Terminer le questionnaire" if numero == 12 else "Page suivante"
        page.get_by_role("button", name=nom).click()
        if numero == 6:
            # Halfway: the progress says so.
            expect(page.get_by_text("60 réponses enregistrées sur 120")).to_be_visible()
    expect(
        page.get_by_text("Résultats disponibles après votre entretien de restitution.")
    ).to_be_visible()
    assert page.locator("svg.graphique").count() == 0
    assert _axe(page) == []
    _sans_defilement_lateral(page)

    # 3. The consultant sees the result at once, then releases it after the debrief.
    with tenant_context(world.org_a):
        passation = Passation.objects.get()
    assert passation.statut == "terminee"
    consultant.goto(f"{live_server.url}/app/exploration/questionnaires/{passation.public_id}/")
    expect(consultant.get_by_role("heading", name="Pour lire ces résultats")).to_be_visible()
    consultant.get_by_role(
        "button", name="Communiquer les résultats au ou à la bénéficiaire"
    ).click()
    expect(
        consultant.get_by_text("Résultats communiqués : le ou la bénéficiaire les voit.")
    ).to_be_visible()

    # 4. The beneficiary sees the chart, the table and the interpretation.
    page.reload()
    expect(page.locator("svg.graphique")).to_be_visible()
    expect(page.get_by_role("heading", name="Pour lire ces résultats")).to_be_visible()
    expect(page.get_by_role("table").first).to_be_visible()
    expect(page.get_by_text("ni un diagnostic ni un verdict", exact=False)).to_be_visible()
    assert page.get_by_text("après votre entretien de restitution").count() == 0
    assert _axe(page) == []
    _sans_defilement_lateral(page)
    page.screenshot(path="/tmp/x1/e2e-resultats-375.png", full_page=True)
    staff.close()
    portail.close()


def test_tri_des_valeurs_au_clavier_et_en_glissant(world, live_server, browser):
    """The card sort works without a mouse (radios, then selects) and, on a wide screen,
    dragging a card onto a pile ticks that pile's radio (enhancement only)."""
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.INVESTIGATION)
    with tenant_context(world.org_a):
        seance = Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            consultant=world.consultant_a,
            phase="investigation",
            type="questionnaire",
            intitule="Passation de questionnaires",
            debut=timezone.now() + dt.timedelta(days=1),
            duree_minutes=60,
            modalite="presentiel",
        )
        passation = questionnaires.passation_assigner(
            bilan=bilan, seance=seance, instrument_code=VALEURS, par=world.consultant_a
        )
    contexte = _contexte(
        browser, live_server, world.beneficiaire_user_a, viewport={"width": 1280, "height": 900}
    )
    page = contexte.new_page()
    page.goto(f"{live_server.url}/portail/exploration/questionnaires/{passation.public_id}/")
    # Dragging the first card onto « Peu important » ticks that radio.
    page.locator("fieldset[data-carte='1']").drag_to(
        page.locator(".tri-zone[data-pile='peu_important']")
    )
    expect(page.locator("#c-1-peu_important")).to_be_checked()
    # Keyboard only: focus the group, arrows move the choice.
    page.locator("#c-2-tres_important").focus()
    page.keyboard.press("Space")
    expect(page.locator("#c-2-tres_important")).to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#c-2-important")).to_be_checked()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#c-2-tres_important")).to_be_checked()
    assert _axe(page) == []
    cartes = instrument(VALEURS).cartes
    for numero in range(1, 10):
        for carte in cartes[(numero - 1) * 10 : numero * 10]:
            if numero == 1 and carte.id in {"1", "2"}:
                continue
            pile = "tres_important" if int(carte.id) <= 8 else "important"
            page.locator(f"#c-{carte.id}-{pile}").check()
        nom = "Classer mes cinq valeurs" if numero == 9 else "Page suivante"
        page.get_by_role("button", name=nom).click()
    expect(
        page.get_by_role("heading", name="Classez vos valeurs les plus importantes")
    ).to_be_visible()
    assert _axe(page) == []
    for rang, carte in enumerate(["8", "2", "5", "3", "7"], 1):
        page.locator(f"#id_rang-{rang}").select_option(carte)
    page.get_by_role("button", name="Terminer le questionnaire").click()
    expect(
        page.get_by_text("Résultats disponibles après votre entretien de restitution.")
    ).to_be_visible()
    with tenant_context(world.org_a):
        passation.refresh_from_db()
    assert passation.resultat["top"] == ["8", "2", "5", "3", "7"]
    assert "1" in passation.resultat["piles"]["peu_important"]
    contexte.close()
