"""Job exploration in the portal, in a real browser at phone width: search as you type,
open the fiche, shortlist it, log an enquête métier; axe-core finds no serious violation and
no page scrolls sideways."""

from pathlib import Path

import pytest

from beneficiaires.models import Phase, StatutBilan
from bilan.core.tenancy import tenant_context
from exploration.models import EnqueteMetier, Piste
from tests.e2e.test_portail_accessibilite import _logged_in_context
from tests.exploration.rome_fixtures import petit_rome
from tests.factories.bilans import bilan_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
        }"""
    )


def test_beneficiary_explores_shortlists_and_logs_an_enquete(world, live_server, browser):
    petit_rome()
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.INVESTIGATION)
    context = _logged_in_context(browser, live_server, world.beneficiaire_user_a)
    page = context.new_page()
    problemes = {}

    page.goto(live_server.url + "/portail/exploration/metiers/")
    page.get_by_label("Intitulé de métier").press_sequentially("boulange", delay=30)
    # As you type (htmx): the result appears without submitting the form.
    page.locator("#resultats-metiers").get_by_role("link", name="Boulanger / Boulangère").wait_for()
    problemes["recherche"] = _axe(page)
    page.locator("#resultats-metiers").get_by_role("link", name="Boulanger / Boulangère").click()
    page.get_by_role("heading", name="Définition").wait_for()
    assert "Source : France Travail" in page.content()
    problemes["fiche"] = _axe(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Ajouter à mes pistes").click()
    page.get_by_role("heading", name="Mes pistes métier").wait_for()
    problemes["pistes"] = _axe(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("link", name="Noter une enquête métier").click()
    page.get_by_label("Personne rencontrée").fill("Paul")
    page.get_by_label("Son métier ou sa fonction").fill("Artisan boulanger")
    page.get_by_label("Date de l'échange").fill("2026-03-10")
    page.get_by_label("Piste liée (facultatif)").select_option(label="Boulanger / Boulangère")
    page.get_by_label("Ce que j'ai appris").fill("Lever à 4 h.")
    problemes["enquete"] = _axe(page)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Votre enquête métier est enregistrée.").wait_for()
    context.close()

    with tenant_context(world.org_a):
        piste = Piste.objects.get(bilan=bilan)
        enquete = EnqueteMetier.objects.get(bilan=bilan)
        assert piste.fiche.code == "D1102"
    assert enquete.piste_id == piste.pk
    assert {k: v for k, v in problemes.items() if v} == {}
