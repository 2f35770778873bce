import html
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bilan.core.models import Invitation, Membership, User, hash_token
from bilan.core.services import invitation_creer

pytestmark = pytest.mark.django_db


def _invite(world, email="nouveau@a.test", role="consultant"):
    return invitation_creer(
        organisation=world.org_a, email=email, role=role, invited_by=world.admin_a
    )


def test_invitation_stores_only_a_hash_and_mails_after_commit(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation, token = _invite(world)
    assert mail.outbox == []  # nothing leaves before the transaction commits
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouveau@a.test"]
    assert "Organisme A vous invite" in message.subject
    assert f"/invitation/{token}/" in message.body


def test_admin_invites_from_the_organisation_page(
    world, login_as, django_capture_on_commit_callbacks
):
    client = login_as(world.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/app/organisation/invitations/", {"email": "Zoe@A.test", "role": "assistant"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=world.org_a, email="zoe@a.test")
    assert invitation.role == "assistant"
    assert len(mail.outbox) == 1


def test_invalid_invitation_form_shows_a_french_error_and_writes_nothing(world, login_as):
    client = login_as(world.admin_a)
    response = client.post("/app/organisation/invitations/", {"email": "pas-une-adresse"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Saisissez une adresse de courriel valide." in content
    assert 'aria-invalid="true"' in content
    assert not Invitation.objects.filter(organisation=world.org_a).exists()


def test_inviting_an_existing_member_is_refused_at_the_field(world, login_as):
    client = login_as(world.admin_a)
    response = client.post(
        "/app/organisation/invitations/", {"email": "bob@a.test", "role": "consultant"}
    )
    assert response.status_code == 400
    assert "déjà membre" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_consultant_cannot_invite(world, login_as):
    client = login_as(world.consultant_a)
    response = client.post("/app/organisation/invitations/", {"email": "x@a.test", "role": "admin"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_signup_is_closed_without_an_invitation(client):
    response = client.get("/accounts/signup/")
    assert "Inscription sur invitation" in response.content.decode()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "intrus@exemple.test",
            "password1": "Un-mot-de-passe-long-1",
            "password2": "Un-mot-de-passe-long-1",
        },
    )
    assert not User.objects.filter(email="intrus@exemple.test").exists()


def test_new_user_signs_up_through_the_invitation(world, client):
    invitation, token = _invite(world)
    response = client.get(f"/invitation/{token}/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/"
    page = client.get("/accounts/signup/").content.decode()
    assert 'value="nouveau@a.test"' in page
    response = client.post(
        "/accounts/signup/",
        {
            "email": "nouveau@a.test",
            "first_name": "Noé",
            "last_name": "Nouveau",
            "password1": "Un-mot-de-passe-long-1",
            "password2": "Un-mot-de-passe-long-1",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nouveau@a.test")
    assert user.first_name == "Noé"
    membership = Membership.objects.get(user=user, organisation=world.org_a)
    assert membership.role == "consultant"
    assert EmailAddress.objects.get(user=user).verified
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    # A staff member must now enrol a second factor before the staff space.
    response = client.get("/app/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_signup_with_another_address_is_refused(world, client):
    invitation, token = _invite(world)
    client.get(f"/invitation/{token}/")
    response = client.post(
        "/accounts/signup/",
        {
            "email": "autre@a.test",
            "first_name": "A",
            "last_name": "B",
            "password1": "Un-mot-de-passe-long-1",
            "password2": "Un-mot-de-passe-long-1",
        },
    )
    assert response.status_code == 200
    assert "Utilisez l'adresse électronique à laquelle l'invitation" in html.unescape(
        response.content.decode()
    )
    assert not User.objects.filter(email="autre@a.test").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_invitation_works_once(world, client, login_as):
    invitation, token = _invite(world, email="charlie@b.test")
    charlie = login_as(world.consultant_b)
    response = charlie.post(f"/invitation/{token}/")
    assert response.status_code == 302
    assert Membership.objects.filter(user=world.consultant_b, organisation=world.org_a).exists()
    again = charlie.get(f"/invitation/{token}/")
    assert again.status_code == 410
    assert "n'est plus valable" in html.unescape(again.content.decode())


def test_an_expired_invitation_is_refused(world, login_as):
    invitation, token = _invite(world, email="charlie@b.test")
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = login_as(world.consultant_b).post(f"/invitation/{token}/")
    assert response.status_code == 410
    assert not Membership.objects.filter(user=world.consultant_b, organisation=world.org_a).exists()


def test_an_invitation_for_someone_else_is_refused(world, login_as):
    invitation, token = _invite(world, email="quelquun@a.test")
    response = login_as(world.consultant_b).post(f"/invitation/{token}/", follow=True)
    assert "une autre adresse électronique" in response.content.decode()
    assert not Membership.objects.filter(user=world.consultant_b, organisation=world.org_a).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_unknown_token_is_404(client):
    assert client.get("/invitation/inconnu/").status_code == 404


def test_reinviting_revokes_the_previous_link(world, client):
    """A second invitation to the same address (any case) revokes the first, at that moment:
    its link answers 410, only the new one is pending; another address's is left alone."""
    first, first_token = _invite(world)
    other, _other_token = _invite(world, email="autre@a.test")
    avant = timezone.now()
    second, second_token = _invite(world, email="Nouveau@A.test")
    apres = timezone.now()
    first.refresh_from_db()
    other.refresh_from_db()
    assert avant <= first.revoked_at <= apres
    assert first.accepted_at is None
    assert not first.is_pending
    assert first.status_label == "révoquée"
    assert second_token != first_token
    assert (second.is_pending, second.revoked_at) == (True, None)
    assert (other.is_pending, other.revoked_at) == (True, None)
    pending = Invitation.objects.filter(
        organisation=world.org_a,
        email__iexact="nouveau@a.test",
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    )
    assert list(pending) == [second]
    assert client.get(f"/invitation/{first_token}/").status_code == 410
    nouvelle = client.get(f"/invitation/{second_token}/")  # still usable: on to sign-up
    assert (nouvelle.status_code, nouvelle["Location"]) == (302, reverse("account_signup"))


def test_revoked_invitation_cannot_be_used(world, login_as):
    """The admin's revocation is recorded on the invitation; its link then answers 410 with
    the French reason, and following it grants nothing."""
    invitation, token = _invite(world, email="charlie@b.test")
    avant = timezone.now()
    revocation = login_as(world.admin_a).post(
        f"/app/organisation/invitations/{invitation.public_id}/revoquer/"
    )
    assert revocation.status_code == 302
    invitation.refresh_from_db()
    assert avant <= invitation.revoked_at <= timezone.now()
    assert invitation.status_label == "révoquée"
    response = login_as(world.consultant_b).post(f"/invitation/{token}/")
    assert response.status_code == 410
    assert "n'est plus valable" in html.unescape(response.content.decode())
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(user=world.consultant_b, organisation=world.org_a).exists()
