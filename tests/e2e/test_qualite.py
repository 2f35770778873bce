"""The Qualiopi pages in a real browser at 375 and 1280 px: registers, documents and offer
pages (staff), complaint and documents (portal), the public offer page and its embeddable
variant. axe-core finds no serious or critical violation and no page scrolls sideways; a
beneficiary files a complaint and the administrator finds it in the register."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bilan.core.tenancy import tenant_context
from qualiopi.models import OffreVersion, Reclamation
from qualiopi.services.documents import document_version_deposer
from qualiopi.services.offres import offre_version_publier
from tests.factories.bilans import programme_for
from tests.factories.core import connecter_avec_mfa

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_GRAVES = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""


def _contexte(browser, live_server, user, largeur, *, staff):
    client = Client()
    if user is not None:
        if staff:
            connecter_avec_mfa(client, user)
        else:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    contexte = browser.new_context(
        viewport={"width": largeur, "height": 812}, locale="fr-FR", bypass_csp=True
    )
    if user is not None:
        contexte.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    return contexte


def _donnees(world):
    with tenant_context(world.org_a):
        document_version_deposer(
            organisation=world.org_a,
            kind="livret_accueil",
            fichier=SimpleUploadedFile("livret.pdf", b"%PDF-1.4 livret"),
            en_vigueur_le=dt.date(2026, 1, 5),
            commentaire="",
            par=world.admin_a,
        )
        offre = offre_version_publier(
            programme=programme_for(world.org_a),
            version=OffreVersion(
                titre="Bilan de compétences 24 h",
                objectifs="Définir un projet professionnel.",
                public_vise="Toute personne active.",
                duree_heures=Decimal("24"),
                duree_repartition="Préliminaire 4 h, investigation 14 h, conclusion 6 h.",
                delai_acces="11 jours ouvrés via le CPF.",
                tarif="1 800 € TTC",
                financements="CPF, employeur, personnel.",
                accessibilite="Locaux accessibles.",
                referent_handicap_contact="handicap@a.test",
                contacts="contact@a.test",
                methodes="Entretiens, tests, enquêtes métier.",
                modalites_evaluation="Questionnaires à chaud et à froid.",
            ),
            resultats_debut=dt.date(2025, 1, 1),
            resultats_fin=dt.date(2025, 12, 31),
            par=world.admin_a,
        ).offre
        return offre.public_id, offre.programme.public_id


def _verifier(page, url, largeur):
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_GRAVES)
    largeur_page = page.evaluate("document.documentElement.scrollWidth")
    return violations, largeur_page <= largeur


@pytest.mark.parametrize("largeur", [375, 1280])
def test_quality_pages_are_accessible_without_sideways_scroll(world, live_server, browser, largeur):
    assert AXE.exists(), "axe-core manque : lancez « npm ci » (fait par make test)."
    offre_id, programme_id = _donnees(world)
    problemes = {}
    groupes = [
        (
            world.admin_a,
            True,
            [
                "/app/qualiopi/registres/reclamations/",
                "/app/qualiopi/registres/reclamations/ajouter/",
                "/app/qualiopi/registres/actions/ajouter/",
                "/app/qualiopi/registres/veille/",
                "/app/qualiopi/registres/intervenants/",
                "/app/qualiopi/documents/",
                "/app/qualiopi/offres/",
                f"/app/qualiopi/offres/publier/{programme_id}/",
                f"/app/qualiopi/offres/{offre_id}/historique/",
            ],
        ),
        (
            world.beneficiaire_user_a,
            False,
            ["/portail/qualite/reclamation/", "/portail/qualite/documents/"],
        ),
        (
            None,
            False,
            [
                f"/offre/{world.org_a.slug}/",
                f"/offre/{world.org_a.slug}/{offre_id}/",
                f"/offre/{world.org_a.slug}/{offre_id}/integrer/",
            ],
        ),
    ]
    for user, staff, chemins in groupes:
        contexte = _contexte(browser, live_server, user, largeur, staff=staff)
        page = contexte.new_page()
        for chemin in chemins:
            violations, sans_defilement = _verifier(page, live_server.url + chemin, largeur)
            assert page.url.endswith(chemin), page.url
            if violations or not sans_defilement:
                problemes[chemin] = (violations, sans_defilement)
        contexte.close()
    assert problemes == {}


def test_a_beneficiary_files_a_complaint_that_the_admin_finds(world, live_server, browser):
    contexte = _contexte(browser, live_server, world.beneficiaire_user_a, 375, staff=False)
    page = contexte.new_page()
    page.goto(live_server.url + "/portail/")
    page.get_by_role("link", name="Faire une réclamation").click()
    page.get_by_label("Sujet").select_option("organisation")
    page.get_by_label("Objet").fill("Salle d'attente bruyante")
    page.get_by_label("Votre réclamation").fill("Les entretiens sont entendus depuis l'accueil.")
    page.get_by_role("button", name="Envoyer ma réclamation").click()
    assert page.url.endswith("/portail/qualite/reclamation/envoyee/")
    contexte.close()
    with tenant_context(world.org_a):
        assert Reclamation.objects.get().canal == "portail"
    contexte = _contexte(browser, live_server, world.admin_a, 1280, staff=True)
    page = contexte.new_page()
    page.goto(live_server.url + "/app/qualiopi/registres/reclamations/?canal=portail")
    page.get_by_role("link", name="Ouvrir Salle d'attente bruyante").click()
    page.get_by_label("Accusé de réception le").fill(dt.date.today().isoformat())
    page.get_by_role("button", name="Enregistrer").first.click()
    assert page.get_by_text("Modifications enregistrées.").is_visible()
    with tenant_context(world.org_a):
        assert Reclamation.objects.get().accuse_le == dt.date.today()
    contexte.close()
