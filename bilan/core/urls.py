"""URL patterns of the organisation's settings, portal switching, signing links and the public
verification page, mounted by the project's urls (which add the other apps' pages to the "app"
and "portail" namespaces)."""

from django.urls import path

from bilan.core.views import organisation as views_organisation
from bilan.core.views import signatures as views_signatures
from bilan.core.views import verification as views_verification

# Namespace "app".
app_patterns = [
    path("", views_organisation.dashboard, name="dashboard"),
    path("organisation/", views_organisation.organisation_settings, name="organisation"),
    path("organisation/journal/", views_organisation.audit_journal, name="audit_journal"),
    path("organisation/logo/", views_organisation.organisation_logo, name="organisation_logo"),
    path(
        "organisation/changer/", views_organisation.organisation_switch, name="organisation_switch"
    ),
    path(
        "organisation/invitations/", views_organisation.invitation_create, name="invitation_create"
    ),
    path(
        "organisation/invitations/<uuid:invitation_id>/revoquer/",
        views_organisation.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "organisation/membres/<uuid:membership_id>/role/",
        views_organisation.membership_role,
        name="membership_role",
    ),
    path(
        "organisation/membres/<uuid:membership_id>/desactiver/",
        views_organisation.membership_deactivate,
        name="membership_deactivate",
    ),
    path(
        "organisation/membres/<uuid:membership_id>/reactiver/",
        views_organisation.membership_reactivate,
        name="membership_reactivate",
    ),
]


# Namespace "portail".
portail_patterns = [
    path("", views_organisation.portail_home, name="home"),
    path("changer/", views_organisation.portail_switch, name="switch"),
    path("acces/", views_organisation.portail_acces, name="acces"),
]


# Namespace "signatures". Single-use signing links for signers without an account, under
# /signature/. The organisation's public id is in the URL because the link (a tenant row, under
# row-level security) can only be looked up once that organisation is bound; the token selects the
# link.
signatures_patterns = [
    path(
        "<uuid:organisation_id>/<str:token>/",
        views_signatures.signing_link_page,
        name="link",
    ),
    path(
        "<uuid:organisation_id>/<str:token>/document.pdf",
        views_signatures.signing_link_pdf,
        name="link_pdf",
    ),
]


# Namespace "verification". Public verification of documents, under /verifier/ (no login).
verification_patterns = [
    path("", views_verification.verifier, name="verifier"),
]
