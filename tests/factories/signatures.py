"""Signed documents and signing links, through the real services (real WeasyPrint renders)."""

import uuid

from django.test import RequestFactory
from django.utils.safestring import mark_safe

from bilan.core.audit import client_info
from bilan.core.pdf import sanitize_html
from bilan.core.signatures import document_emettre, lien_signature_creer
from bilan.core.tenancy import tenant_context

CONFIDENTIAL_MARKER = "MARQUEUR-CONFIDENTIEL-7f3a"


def issued_document(
    *,
    beneficiaire,
    by,
    required_roles=("beneficiaire", "organisme"),
    kind="convention",
    title="Convention de bilan de compétences",
    subject_id=None,
    body="<p>Article 1 — Objet : bilan de compétences de 24 heures.</p>",
):
    """An issued (``emis``) document of ``beneficiaire``'s organisation.

    Its body also carries ``CONFIDENTIAL_MARKER``, which must never show outside the PDF.
    """
    organisation = beneficiaire.organisation
    content = sanitize_html(f"{body}<p>Situation : {CONFIDENTIAL_MARKER}</p>")
    with tenant_context(organisation):
        return document_emettre(
            organisation=organisation,
            kind=kind,
            title=title,
            subject_id=subject_id or uuid.uuid4(),
            beneficiaire=beneficiaire,
            html_template="pdf/base.html",
            context={"content_html": mark_safe(content)},  # noqa: S308  (sanitised above)
            required_roles=list(required_roles),
            created_by=by,
        )


def signing_link(document, *, role="employeur", name="Éric Employeur", email="rh@employeur.test"):
    """(link, clear token) for ``document``."""
    with tenant_context(document.organisation):
        return lien_signature_creer(
            document=document, role=role, signer_name=name, signer_email=email
        )


def signing_client(*, ip="203.0.113.7", user_agent="Navigateur de test/1.0"):
    """The evidence a view computes from its request (``client_info``)."""
    return client_info(RequestFactory().post("/", REMOTE_ADDR=ip, HTTP_USER_AGENT=user_agent))
