from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bilan.core import selectors, services
from bilan.core.adapters import SESSION_INVITATION_TOKEN, home_url_for
from bilan.core.audit import evenements_audit_pour_beneficiaire
from bilan.core.form_errors import flash_errors
from bilan.core.forms import (
    OrganisationSwitchForm,
)
from bilan.core.middleware import SESSION_ORG_APP, SESSION_ORG_PORTAL, PortalRequest, StaffRequest
from bilan.core.models import User
from bilan.core.permissions import portal_required, staff_required

# --- Public -----------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect(home_url_for(request.user))


@login_required
def no_access(request: HttpRequest) -> HttpResponse:
    return render(request, "core/no_access.html", status=403)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Landing page of an invitation link: sign up, log in, or accept with the current account."""
    invitation = selectors.invitation_trouver(token=token)
    if invitation is None:
        raise Http404
    if not invitation.is_pending:
        return render(
            request, "core/invitation_invalid.html", {"invitation": invitation}, status=410
        )
    if not request.user.is_authenticated:
        request.session[SESSION_INVITATION_TOKEN] = token
        if User.objects.filter(email__iexact=invitation.email).exists():
            messages.info(request, _("Connectez-vous pour accepter l'invitation."))
            return redirect(f"{reverse('account_login')}?next={request.path}")
        # The link was sent to this address: allauth may treat it as verified.
        get_account_adapter(request).stash_verified_email(request, invitation.email)
        return redirect("account_signup")
    if request.method == "POST":
        try:
            services.invitation_accepter(invitation=invitation, user=request.user)
        except ValidationError as exc:
            flash_errors(request, exc)
            return redirect(request.path)
        request.session.pop(SESSION_INVITATION_TOKEN, None)
        messages.success(request, _("Invitation acceptée. Bienvenue !"))
        return redirect(home_url_for(request.user))
    return render(request, "core/invitation_accept.html", {"invitation": invitation})


# --- Staff space --------------------------------------------------------------------------


@staff_required
def organisation_logo(request: StaffRequest) -> HttpResponseBase:
    logo = request.organisation.logo
    if not logo:
        raise Http404
    return FileResponse(logo.open("rb"))


@require_POST
@staff_required
def organisation_switch(request: StaffRequest) -> HttpResponse:
    return _switch(request, SESSION_ORG_APP, selectors.membres_du_compte, "app:dashboard")


# --- Portal -------------------------------------------------------------------------------


@portal_required
def portail_acces(request: PortalRequest) -> HttpResponse:
    """The beneficiary sees who, in the organisation, opened their dossier or its documents."""
    events = evenements_audit_pour_beneficiaire(
        beneficiaire_id=request.portal_access.beneficiaire_id, user=request.user
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "portail/acces.html", {"page": page})


@require_POST
@portal_required
def portail_switch(request: PortalRequest) -> HttpResponse:
    return _switch(request, SESSION_ORG_PORTAL, selectors.acces_portail_du_compte, "portail:home")


def _switch(request: HttpRequest, session_key, rows_for_user, target):
    form = OrganisationSwitchForm(request.POST)
    if form.is_valid():
        wanted = form.cleaned_data["organisation"]
        if rows_for_user(user=request.user).filter(organisation__public_id=wanted).exists():
            request.session[session_key] = str(wanted)
            return redirect(target)
    raise Http404
