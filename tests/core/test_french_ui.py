"""No English left in the pages people see (including allauth's)."""

import html
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(
    r"\b(Sign In|Sign Out|Sign Up|Password|Email address|Submit|Save|Cancel|Delete|Forgot|"
    r"Remember Me|Two-Factor|Authenticator App|This field is required|Not Found|Settings|"
    r"Dashboard|Welcome|Login|Logout|Confirm|Activate)\b"
)


def _visible_text(response) -> str:
    content = response.content.decode()
    content = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", content, flags=re.S)
    content = re.sub(r"<[^>]+>", " ", content)
    return html.unescape(content)


def _assert_french(response, url):
    assert response.status_code in {200, 400, 403, 404}, (url, response.status_code)
    text = _visible_text(response)
    leaks = ENGLISH.findall(text)
    assert not leaks, f"{url} : {leaks}"
    assert '<html lang="fr">' in response.content.decode()


PUBLIC = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/login/code/",
    "/accessibilite/",
    "/page-inexistante/",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_are_french(client, url):
    _assert_french(client.get(url), url)


def test_staff_pages_are_french(world, login_as):
    client = login_as(world.admin_a)
    beneficiaire = world.beneficiaire_a.public_id
    for url in [
        "/app/",
        "/app/agenda/",
        "/app/organisation/",
        "/app/beneficiaires/",
        "/app/beneficiaires/nouveau/",
        f"/app/beneficiaires/{beneficiaire}/",
        f"/app/beneficiaires/{beneficiaire}/modifier/",
        "/accounts/2fa/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/sessions/",
        "/accounts/reauthenticate/",
    ]:
        _assert_french(client.get(url), url)


def test_portal_and_error_pages_are_french(world, login_as):
    _assert_french(login_as(world.beneficiaire_user_a).get("/portail/"), "/portail/")
    _assert_french(login_as(world.consultant_b).get("/app/beneficiaires/x/"), "404")
    no_access = login_as(world.beneficiaire_user_a).get("/app/organisation/", follow=True)
    _assert_french(no_access, "redirect")


def test_invalid_login_shows_a_french_error_at_the_form(world):
    response = Client().post("/accounts/login/", {"login": "bob@a.test", "password": "faux"})
    text = _visible_text(response)
    assert "incorrects" in text
    _assert_french(response, "login error")


def test_pages_have_one_h1_and_a_strict_csp(world, login_as):
    client = login_as(world.admin_a)
    for url in ["/app/", "/app/organisation/", "/app/beneficiaires/", "/accounts/2fa/"]:
        response = client.get(url)
        assert response.content.decode().count("<h1") == 1, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy


def test_server_error_page_is_french_and_standalone(rf):
    from bilan.core.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
