"""Browser tests of attendance signatures: the beneficiary signs a remote séance from the portal
on a phone, and the consultant's device takes a drawn signature (signature-pad.js)."""

import io
import os
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from beneficiaires.models import Financement, Phase, StatutBilan
from bilan.core.tenancy import tenant_context
from seances.models import Emargement, Seance
from seances.selectors import emargement as lecture
from seances.services import emargement as svc
from seances.services.seances import seance_planifier
from tests.factories.bilans import bilan_for, programme_for
from tests.factories.core import connecter_avec_mfa

pytestmark = pytest.mark.e2e

CODE_RE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", re.MULTILINE)
PHONE = {"width": 375, "height": 812}


def _realised_seance(bilan, **fields):
    values = {
        "phase": "preliminaire",
        "type": "entretien",
        "intitule": "Entretien à distance",
        "debut": timezone.now() - timedelta(hours=3),
        "duree_minutes": 90,
        "duree_realisee_minutes": 85,
        "modalite": Seance.Modalite.VISIO,
        "statut": Seance.Statut.REALISEE,
        "consultant": bilan.consultant,
        **fields,
    }
    with tenant_context(bilan.organisation):
        return Seance.objects.create(organisation=bilan.organisation, bilan=bilan, **values)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _assert_labelled_and_one_h1(page) -> None:
    """Axe-free basic checks: one h1, every visible form control has an accessible label."""
    expect(page.locator("h1")).to_have_count(1)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden' && !el.closest('[hidden]'))
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name || el.id)"""
    )
    assert unlabelled == [], unlabelled
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _login_by_emailed_code(page, base: str, email: str) -> None:
    mail.outbox.clear()
    page.goto(base + "/accounts/login/")
    page.get_by_role("link", name="Recevoir un code de connexion par courriel").click()
    page.locator('input[name="email"]').fill(email)
    page.get_by_role("button", name="Demander un code").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/"))
    deadline = time.monotonic() + 10
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert mail.outbox, "aucun courriel de code de connexion n'a été envoyé"
    match = CODE_RE.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    page.locator('input[name="code"]').fill(match.group(1))
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_url(re.compile(r"/portail/$"))


def test_remote_seance_signed_in_the_portal_shows_both_signatures(
    transactional_db, world, live_server, browser: Browser
):
    bilan = bilan_for(world.beneficiaire_a, financement=Financement.CPF)
    seance = _realised_seance(bilan)
    with tenant_context(world.org_a):
        svc.emargement_signer(
            seance=seance,
            role=Emargement.Role.CONSULTANT,
            signataire=lecture.utilisateur_nom_complet(user=world.consultant_a),
            user=world.consultant_a,
            methode=Emargement.Methode.SESSION,
            client=None,
        )
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    try:
        page = context.new_page()
        _login_by_emailed_code(page, base, world.beneficiaire_user_a.email)

        page.goto(base + "/portail/emargement/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Mes émargements")
        card = page.get_by_role("region", name="Entretien à distance")
        expect(card.get_by_text("Visioconférence")).to_be_visible()
        expect(card.get_by_text("85 min")).to_be_visible()
        _assert_labelled_and_one_h1(page)

        card.get_by_label("Je confirme avoir participé à cette séance et je la signe.").check()
        card.get_by_role("button", name="Signer ma présence").click()

        expect(page).to_have_url(re.compile(rf"/portail/emargement/{seance.public_id}/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Preuve d'émargement")
        expect(page.get_by_text("Merci, votre émargement est enregistré.")).to_be_visible()
        expect(page.get_by_text("Signature à distance dans le portail")).to_be_visible()
        _assert_labelled_and_one_h1(page)
    finally:
        context.close()

    with tenant_context(world.org_a):
        emargement = Emargement.objects.get(seance=seance, role=Emargement.Role.BENEFICIAIRE)
        assert emargement.methode == Emargement.Methode.PORTAIL
        assert emargement.user == world.beneficiaire_user_a
        assert "Chrome" in emargement.user_agent
        assert emargement.ip_address == "127.0.0.1"
        assert lecture.seance_emargee(seance=seance)

    # The consultant downloads the certificate: both signatures are on it.
    client = Client()
    connecter_avec_mfa(client, world.consultant_a)
    response = client.get(f"/app/seances/bilans/{bilan.public_id}/attestation-assiduite.pdf")
    assert response.status_code == 200
    text = _pdf_text(response.content)
    beneficiaire = world.beneficiaire_a
    assert f"{beneficiaire.prenom} {beneficiaire.nom}" in text
    assert lecture.utilisateur_nom_complet(user=world.consultant_a) in text
    assert "Signature à distance dans le portail" in text
    assert "Non émargée" not in text
    with tenant_context(world.org_a):
        assert lecture.minutes_realisees_financables(bilan=bilan) == 85


def test_drawn_signature_on_the_consultant_device(
    transactional_db, world, live_server, browser: Browser
):
    bilan = bilan_for(world.beneficiaire_a)
    seance = _realised_seance(bilan, modalite=Seance.Modalite.PRESENTIEL, intitule="Sur place")
    # A staff session (MFA is enrolled for the test staff) handed to the browser.
    client = Client()
    connecter_avec_mfa(client, world.consultant_a)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{live_server.url}/app/seances/{seance.public_id}/emargement/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Émargement de la séance")
        page.get_by_role("button", name="J'émarge cette séance").click()
        expect(page.get_by_text("Votre émargement est enregistré.")).to_be_visible()

        canvas = page.locator("canvas[data-signature-canvas]")
        expect(canvas).to_be_visible()  # revealed by signature-pad.js
        _assert_labelled_and_one_h1(page)
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(
                box["x"] + 20 + step * 20, box["y"] + box["height"] / 2 + (-1) ** step * 15
            )
        page.mouse.up()
        assert (
            page.locator('input[name="trace"]').input_value().startswith("data:image/png;base64,")
        )
        page.get_by_label("Nom et prénom du ou de la bénéficiaire").fill("Camille Tracée")
        page.get_by_label("Le ou la bénéficiaire confirme avoir participé à cette séance.").check()
        page.get_by_role("button", name="Enregistrer la signature du ou de la bénéficiaire").click()
        expect(
            page.get_by_text("L'émargement du ou de la bénéficiaire est enregistré.")
        ).to_be_visible()
        expect(page.get_by_role("img", name="Signature tracée de Camille Tracée")).to_be_visible()
        # Strict CSP: no violation reported (external script, data: image allowed).
        assert errors == [], errors
    finally:
        context.close()

    with tenant_context(world.org_a):
        emargement = Emargement.objects.get(seance=seance, role=Emargement.Role.BENEFICIAIRE)
        assert emargement.methode == Emargement.Methode.DESSIN
        assert emargement.trace.startswith("data:image/png;base64,")
        assert lecture.seance_emargee(seance=seance)
        text = _pdf_text(lecture.attestation_assiduite_pdf(bilan=bilan))
    assert "Camille Tracée" in text
    assert "Signature tracée sur l'appareil" in text or "Signature tracée sur l’appareil" in text


# --- Issue 13: the calendar proposal's clashes and the portal's notifications, in a browser ------


def _contexte_connecte(browser: Browser, base: str, client: Client, largeur: int):
    context = browser.new_context(
        viewport={"width": largeur, "height": 900}, locale="fr-FR", bypass_csp=True
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    return context


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_GRAVES = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
    .filter(v => v.impact === "serious" || v.impact === "critical").map(v => v.id)"""


def test_calendar_clashes_and_portal_notifications_at_375_and_1280(
    transactional_db, world, live_server, browser: Browser, tmp_path
):
    """The proposal lists its clash before anything is planned; the portal shows the notice
    of the planned séances, unread. No serious axe violation, no sideways scroll at 375 px.
    Screenshots go to ``CAPTURES_DIR`` when set (for a human to look at)."""
    captures = os.environ.get("CAPTURES_DIR") or str(tmp_path)
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    programme = programme_for(world.org_a)
    with tenant_context(world.org_a):
        seance_planifier(
            bilan=bilan,
            phase="preliminaire",
            type="entretien",
            intitule="Déjà là",
            debut=timezone.make_aware(datetime(2027, 3, 1, 9, 30)),
            duree_minutes=60,
            modalite="telephone",
        )
    base = live_server.url
    staff = Client()
    connecter_avec_mfa(staff, world.consultant_a)
    portail = Client()
    portail.force_login(
        world.beneficiaire_user_a, backend="django.contrib.auth.backends.ModelBackend"
    )
    url = (
        f"{base}/app/programmes/bilans/{bilan.public_id}/calendrier/"
        f"?programme={programme.pk}&debut=2027-03-01T09:00"
    )
    for largeur in (375, 1280):
        context = _contexte_connecte(browser, base, staff, largeur)
        page = context.new_page()
        page.goto(url)
        expect(page.get_by_text("1 séance proposée chevauche une autre séance")).to_be_visible()
        expect(page.get_by_label("Lieu des séances en présentiel")).to_be_visible()
        page.screenshot(path=f"{captures}/calendrier-{largeur}.png", full_page=True)
        context.close()

        context = _contexte_connecte(browser, base, portail, largeur)
        page = context.new_page()
        page.goto(base + "/portail/")
        section = page.get_by_role("region", name=re.compile("Nouvelles de votre bilan"))
        expect(section.get_by_text("Nouveau")).to_be_visible()
        expect(
            section.get_by_text("Une séance est planifiée le 01/03/2027 à 09:30")
        ).to_be_visible()
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_GRAVES) == []
        if largeur == 375:
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=f"{captures}/portail-notifications-{largeur}.png", full_page=True)
        context.close()
