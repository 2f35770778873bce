"""URL patterns of the organisation's settings, portal switching, signing links and the public
verification page, mounted by the project's urls (which add the other apps' pages to the "app"
and "portail" namespaces)."""

from django.urls import path

from bilan.core.views import organisation as views_organisation
from bilan.core.views import signatures as views_signatures
from bilan.core.views import verification as views_verification

# Namespace "app".
app_patterns = [
    path("organisation/logo/", views_organisation.organisation_logo, name="organisation_logo"),
    path(
        "organisation/changer/", views_organisation.organisation_switch, name="organisation_switch"
    ),
]


# Namespace "portail".
portail_patterns = [
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
