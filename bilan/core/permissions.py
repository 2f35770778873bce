"""Role checks for staff views. The tenant middleware has already required a membership."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def role_required(*roles: str):
    """Allow the view only to members whose role is in ``roles`` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in roles:
                raise PermissionDenied(_("Votre rôle ne permet pas cette action."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def staff_required(view):
    """Any active member of the organisation (admin, consultant, assistant)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "membership", None) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def portal_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "portal_access", None) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
