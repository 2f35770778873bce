"""The evidence export page in a real browser, at 375 and 1280 px: no sideways scroll, no
serious or critical axe-core violation, and the progress cell, polled by htmx, turns into the
download link once the archive is built (embedded default: a background thread)."""

import pytest
from django.test import override_settings

from tests.e2e.test_cockpit import AXE, _contexte, _verifier
from tests.qualiopi.donnees_export import dossier_clos

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("largeur", [375, 1280])
def test_export_page_polls_until_the_archive_is_ready(world, live_server, browser, largeur):
    assert AXE.exists(), "axe-core manque : lancez « npm ci » (fait par make test)."
    dossier_clos(world.beneficiaire_a, admin=world.admin_a, numero="BC-2026-0042")
    context = _contexte(browser, live_server, world.admin_a, largeur)
    page = context.new_page()
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        page.goto(live_server.url + "/app/qualiopi/export/")
        violations, largeur_page = _verifier(page, "export", largeur, "export")
        assert violations == []
        assert largeur_page <= largeur
        page.get_by_role("button", name="Préparer l'archive").click()
        lien = page.get_by_role("link", name="Télécharger l'archive")
        lien.wait_for(timeout=60_000)
        violations, largeur_page = _verifier(page, "export-pret", largeur, "export-pret")
    assert violations == []
    assert largeur_page <= largeur
    with page.expect_download() as telechargement:
        lien.click()
    assert telechargement.value.suggested_filename.endswith(".zip")
    context.close()
