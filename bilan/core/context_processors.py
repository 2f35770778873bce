def tenancy(request):
    """Expose the active organisation and the user's role to every template."""
    membership = getattr(request, "membership", None)
    return {
        "organisation": getattr(request, "organisation", None),
        "membership": membership,
        "portal_access": getattr(request, "portal_access", None),
        "is_org_admin": membership is not None and membership.role == "admin",
    }
