"""The cockpit (/app/) and the dossier page in a real browser, at 375 and 1280 px: no
sideways scroll, axe-core reports no serious or critical violation, the dossier's section
links work without JavaScript. The screenshots of docs/screenshots/ come from the demo
(``make captures``)."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from beneficiaires.models import Financement, Phase, StatutBilan
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from tests.factories.bilans import bilan_for
from tests.factories.core import connecter_avec_mfa

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
RACINE = Path(__file__).resolve().parents[2]
AXE = RACINE / "node_modules" / "axe-core" / "axe.min.js"
AXE_SERIEUX = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""


def _contexte(browser, live_server, user, largeur):
    client = connecter_avec_mfa(Client(), user)
    context = browser.new_context(
        viewport={"width": largeur, "height": 900}, locale="fr-FR", bypass_csp=True
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


def _donnees(world):
    bilan = bilan_for(
        world.beneficiaire_a,
        statut=StatutBilan.EN_COURS,
        phase=Phase.INVESTIGATION,
        financement=Financement.CPF,
        prix_ttc=1800,
        date_debut_reelle=timezone.localdate() - dt.timedelta(days=1),
        objectifs="Préparer une reconversion vers l'enseignement.",
    )
    maintenant = timezone.now()
    with tenant_context(world.org_a):
        for jours, statut, intitule in [
            (-1, Seance.Statut.REALISEE, "Entretien d'accueil"),
            (0, Seance.Statut.PLANIFIEE, "Entretien d'investigation"),
            (2, Seance.Statut.PLANIFIEE, "Restitution des questionnaires"),
        ]:
            Seance.objects.create(
                organisation=world.org_a,
                bilan=bilan,
                phase="investigation",
                type="entretien",
                intitule=intitule,
                debut=maintenant + dt.timedelta(days=jours, hours=1),
                duree_minutes=90,
                duree_realisee_minutes=90 if statut == Seance.Statut.REALISEE else None,
                modalite="presentiel",
                lieu="12 rue des Lilas, Lyon",
                statut=statut,
            )
    return bilan


def _verifier(page, chemin, largeur, nom):
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_SERIEUX)
    largeur_page = page.evaluate("document.documentElement.scrollWidth")
    return violations, largeur_page


@pytest.mark.parametrize("largeur", [375, 1280])
def test_cockpit_et_dossier_accessibles_sans_defilement_lateral(
    world, live_server, browser, largeur
):
    assert AXE.exists(), "axe-core manque : lancez « npm ci » (fait par make test)."
    bilan = _donnees(world)
    problemes = {}
    for user, nom in [(world.consultant_a, "cockpit-consultant"), (world.admin_a, "cockpit-admin")]:
        context = _contexte(browser, live_server, user, largeur)
        page = context.new_page()
        page.goto(live_server.url + "/app/")
        assert page.get_by_role("heading", name="Ce qui m'attend").is_visible()
        violations, largeur_page = _verifier(page, "/app/", largeur, nom)
        assert largeur_page <= largeur, (nom, largeur_page)
        if violations:
            problemes[nom] = violations
        context.close()
    context = _contexte(browser, live_server, world.consultant_a, largeur)
    page = context.new_page()
    page.goto(live_server.url + "/app/")
    page.locator(f"#d-{bilan.public_id}").get_by_role(
        "link", name=str(world.beneficiaire_a)
    ).click()
    assert page.url.endswith(f"/app/bilans/{bilan.public_id}/")
    violations, largeur_page = _verifier(page, "dossier", largeur, "dossier")
    assert largeur_page <= largeur, ("dossier", largeur_page)
    if violations:
        problemes["dossier"] = violations
    # The section links are plain anchors: they work without any script.
    page.get_by_role("navigation", name="Sections du dossier").get_by_role(
        "link", name="Historique"
    ).click()
    assert page.url.endswith("#historique")
    assert page.locator("#historique").is_visible()
    context.close()
    assert problemes == {}
