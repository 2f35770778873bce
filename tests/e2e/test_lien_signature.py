"""The employer's signatory signs through the one-time link in a real browser (CSRF included)."""

import re

import pytest
from playwright.sync_api import Browser, expect

from bilan.core.signatures import lien_signature_url
from bilan.core.tenancy import tenant_context
from tests.factories.signatures import issued_document, signing_link

pytestmark = pytest.mark.e2e


def test_employer_signs_through_the_link(transactional_db, world, live_server, browser: Browser):
    document = issued_document(
        beneficiaire=world.beneficiaire_a,
        by=world.admin_a,
        required_roles=("beneficiaire", "employeur", "organisme"),
        kind="convention_tripartite",
        title="Convention tripartite de bilan de compétences",
    )
    _link, token = signing_link(document)
    url = lien_signature_url(organisation=world.org_a, token=token)
    path = url.split("://", 1)[1].split("/", 1)[1]
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.locator('input[type="checkbox"]').check()
        page.get_by_role("button", name="Signer le document").click()
        expect(page.get_by_text(re.compile("SHA-256"))).to_be_visible()
        expect(page.get_by_text("La vérification CSRF a échoué")).to_have_count(0)
    finally:
        context.close()
    with tenant_context(world.org_a):
        assert document.signatures.filter(role="employeur").exists()
