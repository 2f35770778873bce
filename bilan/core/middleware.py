"""Request guards: MFA for staff, and binding the active organisation.

Both are security boundaries, so they live here rather than in per-view decorators that a new view
could forget.
"""

import time

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from bilan.core import selectors
from bilan.core.models import Membership, Organisation, User
from bilan.core.tenancy import tenant_context

STAFF_PREFIX = "/app/"
PORTAL_PREFIX = "/portail/"
ADMIN_PREFIX = "/admin/"
SESSION_ORG_APP = "bilan.active_organisation.app"
SESSION_ORG_PORTAL = "bilan.active_organisation.portail"


SESSION_PROLONGEE = "bilan.session_prolongee"
# The staff idle timeout slides by steps of this many seconds: the session row is written at
# most once per step, not on every request (issue 16: one UPDATE per staff page). A session may
# so end up to one step before STAFF_SESSION_IDLE_SECONDS of idleness, never after.
PAS_PROLONGATION = 60


def _prolonger_session(request: HttpRequest) -> None:
    """Slide the staff session's idle expiry, writing the session only when a step has passed
    (or when its expiry is not the staff one yet, e.g. right after the login)."""
    maintenant = int(time.time())
    derniere = request.session.get(SESSION_PROLONGEE, 0)
    if (
        maintenant - derniere >= PAS_PROLONGATION
        or request.session.get_expiry_age() != settings.STAFF_SESSION_IDLE_SECONDS
    ):
        request.session[SESSION_PROLONGEE] = maintenant
        request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)


class TenantRequest(HttpRequest):
    """For annotations only: the request as views see it once ``TenantMiddleware`` has bound
    the active organisation (staff: ``membership``; portal: ``portal_access``)."""

    organisation: Organisation
    membership: Membership | None
    portal_access: selectors.AccesPortail | None


class StaffRequest(TenantRequest):
    """For annotations only: a request of the staff space behind ``staff_required`` or
    ``role_required`` (``bilan.core.permissions``): a logged-in member of the organisation."""

    user: User
    membership: Membership


class PortalRequest(TenantRequest):
    """For annotations only: a request of the portal behind ``portal_required``: a logged-in
    beneficiary with their access to the organisation."""

    user: User
    portal_access: selectors.AccesPortail


def session_a_passe_mfa(request: HttpRequest, user: User) -> bool:
    """Whether this session completed a second-factor step for ``user``.

    allauth records each authentication method used in the session, bound to the account
    (``get_authentication_records``): the MFA stage of the login, a passkey login, or an MFA
    re-authentication each add a record whose method is "mfa". A password, an e-mailed code or a
    password confirmation never do. A login as another account starts a new list.
    """
    return any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user)
    )


class StaffMFARequiredMiddleware:
    """Staff and superusers reach ``/app/`` and ``/admin/`` only from a session that passed
    a second factor (TOTP, passkey or recovery code).

    allauth.mfa ships no enforcement hook, so the project enforces it here, in two steps:
    without any factor enrolled, the account is sent to enrol one; with a factor, a session that
    has not passed it (password only, e-mailed code only, or a factor enrolled after the login)
    is sent to allauth's MFA re-authentication, which records the step and comes back (``next``).
    /accounts/ (login, enrolment, re-authentication) stays reachable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        guarded = path.startswith(STAFF_PREFIX) or path.startswith(ADMIN_PREFIX)
        user = request.user
        if not (guarded and user.is_authenticated and selectors.mfa_obligatoire(user=user)):
            return self.get_response(request)
        if not selectors.mfa_forte_configuree(user=user):
            messages.warning(
                request,
                _(
                    "Pour protéger les dossiers des bénéficiaires, l'espace professionnel "
                    "exige une double authentification. Activez-la pour continuer."
                ),
            )
            return redirect("mfa_activate_totp")
        if not session_a_passe_mfa(request, user):
            messages.info(
                request,
                _(
                    "Confirmez votre identité avec votre second facteur (application "
                    "d'authentification, clé de sécurité ou code de récupération) pour continuer."
                ),
            )
            etape = (
                "mfa_reauthenticate"
                if selectors.mfa_par_code_possible(user=user)
                else "mfa_reauthenticate_webauthn"
            )
            return redirect_to_login(request.get_full_path(), login_url=reverse(etape))
        return self.get_response(request)


class TenantMiddleware:
    """Resolve and bind the active organisation for the staff space and the portal.

    The organisation comes from the session and is re-checked against the user's own
    memberships (staff) or portal accesses (beneficiary) on every request; a URL alone never
    selects it. Everything after this middleware runs inside ``tenant_context``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organisation = None
        request.membership = None
        request.portal_access = None
        path = request.path_info
        if path.startswith(STAFF_PREFIX):
            response = self._resolve_staff(request)
        elif path.startswith(PORTAL_PREFIX):
            response = self._resolve_portal(request)
        else:
            response = None
        if response is not None:
            return response
        if request.organisation is None:
            return self.get_response(request)
        with tenant_context(request.organisation):
            return self.get_response(request)

    def _login_redirect(self, request):
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")

    def _resolve_staff(self, request):
        user = request.user
        if not user.is_authenticated:
            return self._login_redirect(request)
        membership = selectors.membre_de_session(
            user=user, organisation_public_id=request.session.get(SESSION_ORG_APP)
        )
        if membership is None:
            if selectors.acces_portail_de_session(user=user, organisation_public_id=None):
                return redirect("portail:home")
            raise PermissionDenied(_("Vous n'êtes membre actif d'aucun organisme."))
        organisation_id = str(membership.organisation.public_id)
        if request.session.get(SESSION_ORG_APP) != organisation_id:
            request.session[SESSION_ORG_APP] = organisation_id
        _prolonger_session(request)
        request.membership = membership
        request.organisation = membership.organisation
        return None

    def _resolve_portal(self, request):
        user = request.user
        if not user.is_authenticated:
            return self._login_redirect(request)
        access = selectors.acces_portail_de_session(
            user=user, organisation_public_id=request.session.get(SESSION_ORG_PORTAL)
        )
        if access is None:
            if selectors.membre_de_session(user=user, organisation_public_id=None):
                return redirect("app:dashboard")
            raise PermissionDenied(_("Aucun bilan n'est associé à votre compte."))
        organisation_id = str(access.organisation.public_id)
        if request.session.get(SESSION_ORG_PORTAL) != organisation_id:
            request.session[SESSION_ORG_PORTAL] = organisation_id
        request.portal_access = access
        request.organisation = access.organisation
        return None
