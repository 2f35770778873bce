from typing import Any

from django.http import HttpRequest

from bilan.core.models import Role


def tenancy(request: HttpRequest) -> dict[str, Any]:
    """Expose the active organisation and the user's role to every template."""
    membership = getattr(request, "membership", None)
    return {
        "organisation": getattr(request, "organisation", None),
        "membership": membership,
        "portal_access": getattr(request, "portal_access", None),
        "is_org_admin": membership is not None and membership.role == Role.ADMIN,
    }
