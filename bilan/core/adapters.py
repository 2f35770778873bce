"""allauth hooks: sign-up by invitation only, role-based redirects, encrypted TOTP secrets."""

import base64
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest
from django.urls import reverse

from bilan.core import selectors
from bilan.core.models import Invitation, User
from bilan.core.services import invitation_accepter

SESSION_INVITATION_TOKEN = "bilan.invitation_token"


def pending_invitation_from_session(request: HttpRequest) -> Invitation | None:
    token = request.session.get(SESSION_INVITATION_TOKEN)
    if not token:
        return None
    invitation = selectors.invitation_trouver(token=token)
    if invitation is None or not invitation.is_pending:
        return None
    return invitation


def home_url_for(user: User) -> str:
    """Where a user lands after login: staff space, portal, Django admin, or the no-access page."""
    if selectors.membres_du_compte(user=user).exists():
        return reverse("app:dashboard")
    if selectors.acces_portail_du_compte(user=user).exists():
        return reverse("portail:home")
    if user.is_superuser:
        return reverse("admin:index")
    return reverse("no_access")


def _home_after_authentication(request: HttpRequest) -> str:
    # allauth calls the redirect hooks once the user is logged in.
    user = request.user
    return home_url_for(user) if isinstance(user, User) else reverse("account_login")


@dataclass(frozen=True)
class SiteCourriel:
    """What allauth's templates read of ``current_site``."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Sign-up is closed except for the holder of a valid invitation link."""
        return pending_invitation_from_session(request) is not None

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # An explicit ?next= is handled by allauth before this hook.
        return _home_after_authentication(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return _home_after_authentication(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's e-mails (login code, address confirmation, password reset) name the site
        from settings (``SITE_NAME``, ``SITE_URL``), never from the request's host; their
        templates are overridden in French under ``templates/account/email/``."""
        site = SiteCourriel(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)
        super().send_mail(
            template_prefix,
            email,
            {"current_site": site, "site_nom": site.name, "site_url": settings.SITE_URL, **context},
        )

    def save_user(self, request: HttpRequest, user: User, form: Form, commit: bool = True) -> User:
        """Create the invited account and consume its invitation in the same transaction."""
        invitation = pending_invitation_from_session(request)
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if invitation is not None and commit:
                invitation_accepter(invitation=invitation, user=user)
                request.session.pop(SESSION_INVITATION_TOKEN, None)
        return user


def _fernet() -> Fernet:
    key = settings.MFA_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(f"mfa:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are encrypted at rest with a key kept outside the database."""

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()
