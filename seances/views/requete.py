"""What the séances views read of a request once the project's middleware and decorators
have run: the logged-in user, the beneficiary's portal access. Typed narrowing only: the
decorators (``staff_required``, ``portal_required``) already refused anyone else."""

from __future__ import annotations

from typing import cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from beneficiaires.models import PortalAccess
from bilan.core.middleware import TenantRequest
from bilan.core.models import User


def utilisateur(request: HttpRequest) -> User:
    """The logged-in user (403 for an anonymous one, which the decorators never let in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def acces_portail(request: TenantRequest) -> PortalAccess:
    """The beneficiary's portal access bound by the tenant middleware (``portal_required``
    guarantees one; the project's portal-access model is ``PortalAccess``)."""
    if request.portal_access is None:
        raise Http404
    return cast(PortalAccess, request.portal_access)
