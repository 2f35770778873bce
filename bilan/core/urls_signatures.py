"""Single-use signing links for signers without an account, under /signature/.

The organisation's public id is in the URL because the link (a tenant row, under row-level
security) can only be looked up once that organisation is bound; the token selects the link.
"""

from django.urls import path

from . import views_signatures

app_name = "signatures"

urlpatterns = [
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
