import html

import pytest
from django.test import Client

from bilan.core.middleware import SESSION_ORG_APP
from bilan.core.models import Membership
from tests.factories.core import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get("/app/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/app/")
    assert client.get("/portail/")["Location"].startswith("/accounts/login/")


def test_login_page_is_french(client):
    content = client.get("/accounts/login/").content.decode()
    assert '<html lang="fr">' in content
    assert "Connexion" in content
    assert "Recevoir un code de connexion par courriel" in content
    assert "Sign In" not in content


def test_role_based_redirect_after_login(world):
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "camille@exemple.test", "password": "Mot-de-passe-de-test-42"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/portail/"
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "bob@a.test", "password": "Mot-de-passe-de-test-42"}
    )
    # Staff with TOTP go through the second-factor step first.
    assert response["Location"] == "/accounts/2fa/authenticate/"


def test_staff_without_mfa_must_enrol(world, login_as):
    user = UserFactory(email="sans-mfa@a.test")
    MembershipFactory(user=user, organisation=world.org_a)
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "sans-mfa@a.test", "password": "Mot-de-passe-de-test-42"}
    )
    assert response["Location"] == "/app/"
    response = client.get("/app/beneficiaires/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    # Enrolment stays reachable, after allauth's password confirmation.
    page = client.get("/accounts/2fa/totp/activate/")
    assert page["Location"].startswith("/accounts/reauthenticate/")
    page = client.post(page["Location"], {"password": "Mot-de-passe-de-test-42"}, follow=True)
    assert page.redirect_chain[-1][0] == "/accounts/2fa/totp/activate/"
    assert "Activer" in page.content.decode()


def test_beneficiary_does_not_need_mfa_for_the_portal(world, login_as):
    response = login_as(world.beneficiaire_user_a).get("/portail/")
    assert response.status_code == 200
    assert "Bonjour" in response.content.decode()
    assert "Organisme A" in response.content.decode()


def test_beneficiary_is_kept_out_of_the_staff_space(world, login_as):
    response = login_as(world.beneficiaire_user_a).get("/app/")
    assert response.status_code == 302
    assert response["Location"] == "/portail/"


def test_user_without_any_access_gets_a_french_403(db, login_as):
    client = login_as(UserFactory(email="personne@exemple.test"))
    response = client.get("/app/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()
    assert client.get("/")["Location"] == "/acces-refuse/"


def test_deactivated_member_loses_access(world, login_as):
    Membership.objects.filter(user=world.consultant_a).update(is_active=False)
    assert login_as(world.consultant_a).get("/app/").status_code == 403


def test_switching_between_organisations(world, login_as):
    # Admin in B: a consultant of B would see only the beneficiaries assigned to them
    # (need-to-know, domain rule 11), and beneficiaire_b is consultant_b's.
    MembershipFactory(user=world.consultant_a, organisation=world.org_b, role="admin")
    client = login_as(world.consultant_a)
    page = client.get("/app/").content.decode()
    assert "Changer d'organisme" in html.unescape(page)
    assert "Organisme A" in page
    response = client.post(
        "/app/organisation/changer/", {"organisation": str(world.org_b.public_id)}
    )
    assert response.status_code == 302
    page = client.get("/app/beneficiaires/").content.decode()
    assert "dora@exemple.test" not in page  # emails aren't listed, names are
    assert world.beneficiaire_b.nom in page
    assert world.beneficiaire_a.nom not in page


def test_switching_to_a_foreign_organisation_is_refused(world, login_as):
    client = login_as(world.consultant_a)
    client.get("/app/")
    response = client.post(
        "/app/organisation/changer/", {"organisation": str(world.org_b.public_id)}
    )
    assert response.status_code == 404
    assert client.session[SESSION_ORG_APP] == str(world.org_a.public_id)
    page = client.get("/app/beneficiaires/").content.decode()
    assert world.beneficiaire_b.nom not in page


def test_a_stale_session_organisation_is_rechecked(world, login_as):
    """Membership removed while logged in: the session's organisation is no longer honoured."""
    MembershipFactory(user=world.consultant_a, organisation=world.org_b)
    client = login_as(world.consultant_a)
    client.post("/app/organisation/changer/", {"organisation": str(world.org_b.public_id)})
    Membership.objects.filter(user=world.consultant_a, organisation=world.org_b).delete()
    page = client.get("/app/beneficiaires/").content.decode()
    assert world.beneficiaire_a.nom in page
    assert world.beneficiaire_b.nom not in page


def test_staff_session_expires_when_idle(world, login_as, settings):
    client = login_as(world.consultant_a)
    client.get("/app/")
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS


def test_django_admin_is_for_superusers_only(world, login_as):
    response = login_as(world.admin_a).get("/admin/")
    assert response.status_code == 302  # an organisation admin is not a superuser
    superuser = UserFactory(email="root@exemple.test", is_superuser=True, is_staff=True)
    response = login_as(superuser).get("/admin/")
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    from bilan.core.mfa import totp_enable

    totp_enable(user=superuser, secret="JBSWY3DPEHPK3PXP")
    assert login_as(superuser).get("/admin/").status_code == 200
    assert login_as(superuser).get("/admin/core/organisation/").status_code == 200
    # Beneficiaries' data stays out of the technical admin (professional secrecy).
    assert login_as(superuser).get("/admin/beneficiaires/beneficiaire/").status_code == 404


def test_anonymous_admin_goes_through_the_allauth_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


def test_a_beneficiary_followed_by_two_organisations_sees_each_separately(world, login_as):
    from beneficiaires.models import PortalAccess
    from tests.factories.beneficiaires import BeneficiaireFactory

    second = BeneficiaireFactory(
        organisation=world.org_b, prenom="Camille", nom="Ailleurs", email="camille@exemple.test"
    )
    PortalAccess.objects.create(
        user=world.beneficiaire_user_a, organisation=world.org_b, beneficiaire=second
    )
    client = login_as(world.beneficiaire_user_a)
    page = html.unescape(client.get("/portail/").content.decode())
    assert "suivi par Organisme A" in page
    assert "Voir mon bilan avec un autre organisme" in page
    client.post("/portail/changer/", {"organisation": str(world.org_b.public_id)})
    page = html.unescape(client.get("/portail/").content.decode())
    assert "suivi par Organisme B" in page
    assert "Organisme A." not in page


def test_a_beneficiary_cannot_switch_into_a_foreign_organisation(world, login_as):
    client = login_as(world.beneficiaire_user_a)
    response = client.post("/portail/changer/", {"organisation": str(world.org_b.public_id)})
    assert response.status_code == 404
    page = html.unescape(client.get("/portail/").content.decode())
    assert "suivi par Organisme A" in page
