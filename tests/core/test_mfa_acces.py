"""MFA on every way in (issue 12, item 2), tried as an attacker would.

Every staff (``/app/``) or superuser (``/admin/``) request needs a session that completed the
second-factor step (allauth records it as a method "mfa"); Django's admin login form is never
served; a beneficiary session never becomes a staff or admin one without a new authentication.
"""

import html
import re
import time

import pytest
from allauth.account.authentication import get_authentication_records
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.test import Client

from bilan.core.mfa import totp_current_code, totp_enable
from bilan.core.models import User
from tests.factories.core import (
    TEST_PASSWORD,
    TEST_TOTP_SECRET,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MFA_PATH = "/accounts/2fa/authenticate/"
MFA_REAUTH_PATH = "/accounts/2fa/reauthenticate/"
ENROL_PATH = "/accounts/2fa/totp/activate/"
CODE_RE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", re.MULTILINE)


def _wait_for_a_fresh_period() -> None:
    """allauth's TOTP tolerance is 0: never compute a code about to expire."""
    period = mfa_settings.TOTP_PERIOD
    remaining = period - (time.time() % period)
    if remaining < 3:
        time.sleep(remaining + 0.2)


def _fresh_code(user: User) -> str:
    _wait_for_a_fresh_period()
    return totp_current_code(user=user)


def _superuser(*, mfa: bool = True) -> User:
    user = UserFactory(email="root@exemple.test", is_superuser=True, is_staff=True)
    if mfa:
        totp_enable(user=user, secret=TEST_TOTP_SECRET)
    return user


def _password_login(client: Client, email: str, password: str = TEST_PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def _session_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def _methods(client: Client, user: User) -> list[str]:
    request = type("R", (), {"session": client.session})()
    return [record["method"] for record in get_authentication_records(request, user)]


def _enrol_totp_in_this_session(client: Client) -> None:
    """The real enrolment: password confirmation, then the code of the secret shown."""
    page = client.get(ENROL_PATH)
    assert page["Location"].startswith("/accounts/reauthenticate/")
    client.post(page["Location"], {"password": TEST_PASSWORD})
    assert client.get(ENROL_PATH).status_code == 200
    _wait_for_a_fresh_period()
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    response = client.post(ENROL_PATH, {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]


def _admin_is_served(client: Client) -> bool:
    return client.get("/admin/core/organisation/").status_code == 200


# --- The Django admin never serves its own login form --------------------------------------------


def test_admin_login_redirects_to_the_allauth_login_with_next(client):
    response = client.get("/admin/login/?next=/admin/core/organisation/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/core/organisation/"
    # An outside address is never passed on.
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=/admin/"
    # /admin/ itself goes the same way.
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/"


def test_admin_login_form_is_never_rendered(world, login_as):
    for client in (Client(), login_as(world.beneficiaire_user_a), login_as(world.admin_a)):
        response = client.get("/admin/login/", follow=True)
        assert 'name="username"' not in response.content.decode()
        assert "/admin/login/" not in [url for url, _ in response.redirect_chain[1:]]


def test_beneficiary_session_posting_superuser_credentials_to_admin_login_gets_nothing(
    world, login_as
):
    """The reproduced attack: a portal session, 20 wrong passwords, then the right one."""
    superuser = _superuser()
    client = login_as(world.beneficiaire_user_a)
    for n in range(20):
        client.post("/admin/login/", {"username": superuser.email, "password": f"faux-{n}"})
    response = client.post(
        "/admin/login/",
        {"username": superuser.email, "password": TEST_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 403
    assert _session_user_id(client) == str(world.beneficiaire_user_a.pk)
    assert not _admin_is_served(client)
    assert client.get("/admin/").status_code != 200
    # The portal session is still what it was.
    assert client.get("/portail/").status_code == 200


def test_anonymous_post_to_admin_login_never_authenticates(client):
    superuser = _superuser()
    response = client.post(
        "/admin/login/", {"username": superuser.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert _session_user_id(client) is None
    assert not _admin_is_served(client)


def test_logged_in_beneficiary_cannot_log_in_as_a_superuser_over_their_session(world, login_as):
    superuser = _superuser()
    client = login_as(world.beneficiaire_user_a)
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": superuser.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert _session_user_id(client) == str(world.beneficiaire_user_a.pk)
    assert not _admin_is_served(client)


def test_authenticated_member_without_superuser_right_is_refused_by_admin_login(world, login_as):
    response = login_as(world.admin_a).get("/admin/login/?next=/admin/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


# --- Rate limits on the only login form -----------------------------------------------------------


def test_wrong_passwords_on_the_login_form_lock_the_account_for_a_while(client):
    superuser = _superuser()
    for n in range(5):
        response = _password_login(client, superuser.email, f"mauvais-mot-de-passe-{n}")
        assert response.status_code == 200
    # Locked: even the right password is refused now, and nothing is half-open.
    response = _password_login(client, superuser.email)
    assert response.status_code == 200
    assert "Trop de tentatives" in response.content.decode()
    assert _session_user_id(client) is None
    assert "account_login" not in client.session
    assert not _admin_is_served(client)


# --- A session that did not pass the second factor gets no staff or admin page ----------------


def test_superuser_with_password_only_gets_no_admin(db):
    """A superuser who logs in without a factor, then enrols one: password only so far."""
    superuser = _superuser(mfa=False)
    client = Client()
    response = _password_login(client, superuser.email)
    assert response["Location"] == "/admin/"
    assert client.get("/admin/")["Location"] == ENROL_PATH
    _enrol_totp_in_this_session(client)
    assert Authenticator.objects.filter(user=superuser, type="totp").exists()
    assert _methods(client, superuser).count("mfa") == 0

    response = client.get("/admin/core/organisation/")
    assert response.status_code == 302
    assert response["Location"] == f"{MFA_REAUTH_PATH}?next=/admin/core/organisation/"
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login/").status_code == 302

    # The second factor, in this session: the admin opens.
    response = client.post(
        f"{MFA_REAUTH_PATH}?next=/admin/core/organisation/", {"code": _fresh_code(superuser)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/core/organisation/"
    assert "mfa" in _methods(client, superuser)
    assert _admin_is_served(client)


def test_staff_with_password_only_gets_no_staff_space(world):
    user = UserFactory(email="nouvelle@a.test")
    MembershipFactory(user=user, organisation=world.org_a)
    client = Client()
    assert _password_login(client, user.email)["Location"] == "/app/"
    assert client.get("/app/")["Location"] == ENROL_PATH
    _enrol_totp_in_this_session(client)

    for path in ("/app/", "/app/beneficiaires/", "/app/agenda/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"{MFA_REAUTH_PATH}?next={path}"
    page = client.get(f"{MFA_REAUTH_PATH}?next=/app/")
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="code"' in content
    assert "Confirmez votre identité avec votre second facteur" in html.unescape(content)
    # A password confirmation is not a second factor.
    client.post("/accounts/reauthenticate/", {"password": TEST_PASSWORD})
    assert client.get("/app/").status_code == 302

    response = client.post(f"{MFA_REAUTH_PATH}?next=/app/", {"code": _fresh_code(user)})
    assert response["Location"] == "/app/"
    assert client.get("/app/").status_code == 200


def test_staff_without_a_factor_still_goes_to_enrolment(world):
    user = UserFactory(email="sans-facteur@a.test")
    MembershipFactory(user=user, organisation=world.org_a)
    client = Client()
    _password_login(client, user.email)
    response = client.get("/app/beneficiaires/")
    assert response["Location"] == ENROL_PATH
    assert client.get(ENROL_PATH).status_code == 302  # password confirmation first
    assert client.get("/accounts/2fa/").status_code == 200


# --- The full allauth flow ends with the second factor ----------------------------------------


def test_superuser_after_the_totp_step_reaches_the_admin(db):
    superuser = _superuser()
    client = Client()
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": superuser.email, "password": TEST_PASSWORD}
    )
    assert response["Location"] == MFA_PATH
    assert _session_user_id(client) is None
    assert not _admin_is_served(client)
    response = client.post(MFA_PATH, {"code": _fresh_code(superuser)})
    assert response["Location"] == "/admin/"
    assert _methods(client, superuser) == ["password", "mfa"]
    assert client.get("/admin/").status_code == 200
    assert _admin_is_served(client)


def test_staff_after_the_totp_step_reaches_the_staff_space(world):
    user = world.consultant_a
    client = Client()
    assert _password_login(client, user.email)["Location"] == MFA_PATH
    assert client.get("/app/").status_code == 302
    response = client.post(MFA_PATH, {"code": _fresh_code(user)})
    assert response["Location"] == "/app/"
    assert client.get("/app/").status_code == 200
    assert client.get("/app/beneficiaires/").status_code == 200


def test_staff_login_by_code_still_ends_in_the_mfa_stage(world):
    user = world.consultant_a
    client = Client()
    mail.outbox.clear()
    response = client.post("/accounts/login/code/", {"email": user.email})
    assert response.status_code == 302
    match = CODE_RE.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    response = client.post("/accounts/login/code/confirm/", {"code": match.group(1)})
    assert response["Location"] == MFA_PATH
    # The code alone opens nothing.
    assert _session_user_id(client) is None
    assert client.get("/app/").status_code == 302
    assert client.get("/app/").get("Location", "").startswith("/accounts/login/")
    response = client.post(MFA_PATH, {"code": _fresh_code(user)})
    assert response["Location"] == "/app/"
    assert _methods(client, user) == ["code", "mfa"]
    assert client.get("/app/").status_code == 200


def test_a_code_only_beneficiary_session_never_becomes_a_staff_session(world):
    """A beneficiary account logged in by code that is then made staff (factor enrolled
    elsewhere): its session has no second factor, so the staff space stays shut."""
    user = world.beneficiaire_user_a
    client = Client()
    mail.outbox.clear()
    client.post("/accounts/login/code/", {"email": user.email})
    code = CODE_RE.search(mail.outbox[-1].body).group(1)
    assert client.post("/accounts/login/code/confirm/", {"code": code})["Location"] == "/portail/"
    assert _methods(client, user) == ["code"]

    MembershipFactory(user=user, organisation=world.org_a)
    totp_enable(user=user, secret=TEST_TOTP_SECRET)
    response = client.get("/app/")
    assert response.status_code == 302
    assert response["Location"] == f"{MFA_REAUTH_PATH}?next=/app/"
    assert client.get("/app/beneficiaires/").status_code == 302
