"""The Django admin's way in: allauth's login, never Django's own form."""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache


def _suivante_admin(request: HttpRequest) -> str:
    """The ``next`` of the admin's redirect, if it is an address of this site; else the admin."""
    suivante = request.GET.get(REDIRECT_FIELD_NAME, "")
    if suivante and url_has_allowed_host_and_scheme(
        suivante, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return suivante
    return reverse("admin:index")


@never_cache
def admin_connexion(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """Replaces ``admin.site.login`` (same signature); it never reads posted credentials.

    Anonymous: sent to allauth's login (its rate limits, its MFA stage), then back to ``next``.
    An account with the admin's rights gets there (the MFA middleware has already checked this
    session passed the second factor, ``/admin/login/`` being under ``/admin/``). Any other
    account is refused: becoming another account means logging out and through allauth again.
    """
    suivante = _suivante_admin(request)
    if not request.user.is_authenticated:
        return redirect_to_login(suivante, login_url=reverse("account_login"))
    if admin.site.has_permission(request):
        return redirect(suivante)
    return render(request, "core/admin_refuse.html", {"suivante": suivante}, status=403)
