"""Browser tests of the two ways in: staff (password + TOTP) and beneficiaries (emailed code)."""

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from bilan.core.mfa import totp_current_code
from tests.factories.core import TEST_PASSWORD

pytestmark = pytest.mark.e2e

LOGIN_PATH = "/accounts/login/"
MFA_PATH = "/accounts/2fa/authenticate/"
CODE_RE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", re.MULTILINE)


def _fresh_totp_code(user) -> str:
    """The current TOTP code, waiting for the next period if this one is about to expire
    (allauth's tolerance is 0: a code typed across a period boundary would be refused)."""
    period = mfa_settings.TOTP_PERIOD
    remaining = period - (time.time() % period)
    if remaining < 5:
        time.sleep(remaining + 0.2)
    return totp_current_code(user=user)


def _wrong_totp_code(user) -> str:
    """A well-formed code that is not valid now, nor in the neighbouring periods."""
    now = time.time()
    period = mfa_settings.TOTP_PERIOD
    valid = {totp_current_code(user=user, at=now + k * period) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def _submit_password(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + LOGIN_PATH)
    page.locator('input[name="login"]').fill(email)
    page.locator('input[name="password"]').fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def test_consultant_logs_in_with_password_then_totp(transactional_db, world, live_server, page):
    user = world.consultant_a
    base = live_server.url

    _submit_password(page, base, user.email)
    expect(page).to_have_url(base + MFA_PATH)
    code_input = page.locator('input[name="code"]')
    mfa_button = page.get_by_role("button", name="Connexion", exact=True)

    # A wrong code keeps the user on the second-factor page, with a French error.
    code_input.fill(_wrong_totp_code(user))
    mfa_button.click()
    expect(page).to_have_url(base + MFA_PATH)
    expect(page.get_by_text("Code incorrect.", exact=True)).to_be_visible()
    page.goto(base + "/app/")
    expect(page).not_to_have_url(base + "/app/")
    # /app/ sends to the login page, which resumes the pending second-factor stage.
    expect(page).to_have_url(base + MFA_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Authentification à deux facteurs")

    # The right code (used once only: allauth refuses a replay within its window).
    code_input.fill(_fresh_totp_code(user))
    mfa_button.click()
    expect(page).to_have_url(base + "/app/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    expect(page.get_by_text("Organisme A").first).to_be_visible()


def test_beneficiary_logs_in_with_emailed_code(transactional_db, world, live_server, page):
    beneficiaire, user = world.beneficiaire_a, world.beneficiaire_user_a
    base = live_server.url
    mail.outbox.clear()

    page.goto(base + LOGIN_PATH)
    page.get_by_role("link", name="Recevoir un code de connexion par courriel").click()
    page.locator('input[name="email"]').fill(user.email)
    page.get_by_role("button", name="Demander un code").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/"))

    deadline = time.monotonic() + 10
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert mail.outbox, "aucun courriel de code de connexion n'a été envoyé"
    message = mail.outbox[-1]
    assert message.to == [user.email]
    match = CODE_RE.search(message.body)
    assert match, message.body
    code = match.group(1)

    page.locator('input[name="code"]').fill(code)
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_url(re.compile(r"/portail/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    expect(page.get_by_role("heading", level=1)).to_contain_text(beneficiaire.prenom)

    # A beneficiary never sees the staff space.
    page.goto(base + "/app/")
    expect(page).to_have_url(re.compile(r"/portail/$"))
    expect(page.get_by_text("Tableau de bord")).to_have_count(0)


def test_login_page_on_a_phone(transactional_db, live_server, browser: Browser):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(live_server.url + LOGIN_PATH)
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        # The stylesheets are served (otherwise the width check below would prove nothing).
        assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "640px"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        expect(page.locator("h1")).to_have_count(1)
        expect(page.get_by_role("main")).to_have_count(1)

        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"
        focused = page.locator(":focus")
        expect(focused).to_have_attribute("href", "#contenu")
        # Once focused, the skip link is no longer clipped to 1px: sighted keyboard users see it.
        box = focused.bounding_box()
        assert box is not None
        assert box["width"] > 20
        assert box["height"] > 10
    finally:
        context.close()
