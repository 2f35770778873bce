"""Issuing and signing documents: services, single-use links, downloads (real PostgreSQL as the
application role, real WeasyPrint)."""

import hashlib
import io
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone
from pypdf import PdfReader

from bilan.core.models import AuditEvent, Signature, SignedDocument, SigningLink
from bilan.core.signatures import (
    MethodeAuthentification,
    document_nouvelle_version,
    document_signer,
    lien_signature_trouver,
)
from bilan.core.tenancy import tenant_context
from bilan.core.views.signatures import serve_signed_document
from tests.factories.signatures import (
    CONFIDENTIAL_MARKER,
    issued_document,
    signing_client,
    signing_link,
)

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def _sign(
    document,
    role,
    *,
    name,
    user=None,
    auth=MethodeAuthentification.SESSION_MOT_DE_PASSE,
    client=None,
):
    with tenant_context(document.organisation):
        return document_signer(
            document=document,
            role=role,
            signer_name=name,
            signer_email=f"{role}@exemple.test",
            user=user,
            client=client or signing_client(),
            methode=auth,
        )


def _refresh(obj):
    # Row-level security: even a refresh needs its organisation bound.
    with tenant_context(obj.organisation):
        obj.refresh_from_db()


def _counts(organisation):
    with tenant_context(organisation):
        return (
            Signature.objects.count(),
            SigningLink.objects.filter(used_at__isnull=False).count(),
            list(SignedDocument.objects.order_by("pk").values_list("status", "signed_sha256")),
        )


# --- Issue and sign ---------------------------------------------------------------------------


def test_issue_then_two_signatures_give_an_immutable_signed_pdf_with_its_evidence(world):
    document = issued_document(beneficiaire=world.beneficiaire_a, by=world.consultant_a)
    issued = _read(document.issued_pdf)
    assert document.status == SignedDocument.Status.EMIS
    assert document.version == 1
    assert document.issued_sha256 == hashlib.sha256(issued).hexdigest()
    assert document.issued_pdf.name.startswith(f"org-{world.org_a.pk}/documents/")
    assert document.issued_pdf.name.endswith(".pdf")

    first = _sign(
        document,
        "beneficiaire",
        name="Camille Durand",
        user=world.beneficiaire_user_a,
        auth=MethodeAuthentification.SESSION_CODE_COURRIEL,
        client=signing_client(ip="198.51.100.4", user_agent="Firefox de Camille"),
    )
    assert first.document_sha256 == document.issued_sha256
    assert first.ip_address == "198.51.100.4"
    assert first.user_agent == "Firefox de Camille"
    _refresh(document)
    assert document.status == SignedDocument.Status.EMIS  # one role still missing
    assert not document.signed_pdf

    _sign(document, "organisme", name="Bob Consultant", user=world.consultant_a)
    _refresh(document)
    assert document.status == SignedDocument.Status.SIGNE
    assert document.signed_at is not None
    signed = _read(document.signed_pdf)
    assert document.signed_sha256 == hashlib.sha256(signed).hexdigest()
    assert _read(document.issued_pdf) == issued  # the issued file is untouched

    # Issued pages first, unchanged, then the evidence.
    issued_pages = PdfReader(io.BytesIO(issued)).pages
    signed_pages = PdfReader(io.BytesIO(signed)).pages
    assert len(signed_pages) > len(issued_pages)
    assert signed_pages[0].extract_text() == issued_pages[0].extract_text()
    evidence = "\n".join(p.extract_text() for p in signed_pages[len(issued_pages) :])
    assert "Preuve de signature électronique" in evidence
    for expected in (
        "Camille Durand",
        "Bob Consultant",
        "198.51.100.4",
        "203.0.113.7",
        "Firefox de Camille",
        MethodeAuthentification.SESSION_CODE_COURRIEL,
        MethodeAuthentification.SESSION_MOT_DE_PASSE,
    ):
        assert expected in evidence, expected
    assert "Date et heure (Europe/Paris)" in " ".join(evidence.split()).replace("/ ", "/")
    paris = first.signed_at.astimezone(ZoneInfo("Europe/Paris"))
    assert paris.strftime("%H:%M:%S") in evidence
    assert evidence.replace("\n", "").count(document.issued_sha256) >= 3
    assert world.org_a.raison_sociale in evidence

    # Immutable: no more signatures, not even for a role already there, nothing written.
    before = _counts(world.org_a)
    with pytest.raises(ValidationError, match="déjà signé"):
        _sign(document, "organisme", name="Encore")
    assert _counts(world.org_a) == before
    # ... and the database refuses a rewrite whatever the code.
    with tenant_context(world.org_a), pytest.raises(DatabaseError), transaction.atomic():
        SignedDocument.objects.filter(pk=document.pk).update(title="Réécrit")
    with tenant_context(world.org_a), pytest.raises(DatabaseError), transaction.atomic():
        Signature.objects.filter(document=document).update(ip_address="10.0.0.1")

    # A correction is a new version; the signed one stays signed.
    with tenant_context(world.org_a):
        second = document_nouvelle_version(
            document=document,
            html_template="pdf/base.html",
            context={"content_html": "Version corrigée"},
            created_by=world.consultant_a,
        )
    assert (second.version, second.status) == (2, SignedDocument.Status.EMIS)
    assert (second.kind, second.subject_id) == (document.kind, document.subject_id)
    _refresh(document)
    assert document.status == SignedDocument.Status.SIGNE
    assert _read(document.signed_pdf) == signed


def test_a_second_signature_in_the_same_capacity_is_refused_and_versions_follow(world):
    document = issued_document(beneficiaire=world.beneficiaire_a, by=world.consultant_a)
    _sign(document, "beneficiaire", name="Camille Durand")
    before = _counts(world.org_a)
    with pytest.raises(ValidationError, match="déjà été signé"):
        _sign(document, "beneficiaire", name="Quelqu'un d'autre")
    with pytest.raises(ValidationError, match="pas attendue"):
        _sign(document, "employeur", name="Employeur")
    assert _counts(world.org_a) == before

    # A new version of a non-signed document cancels it; numbering goes on per subject.
    with tenant_context(world.org_a):
        second = document_nouvelle_version(
            document=document,
            html_template="pdf/base.html",
            context={"content_html": "v2"},
            created_by=world.consultant_a,
            required_roles=["beneficiaire"],
        )
    _refresh(document)
    assert document.status == SignedDocument.Status.ANNULE
    assert second.version == 2
    assert second.required_roles == ["beneficiaire"]
    with pytest.raises(ValidationError, match="annulé"):
        _sign(document, "organisme", name="Bob")
    # Another subject starts again at 1 (checked without rendering: the numbering query).
    with tenant_context(world.org_a):
        assert not SignedDocument.objects.filter(subject_id=uuid.uuid4()).exists()


def test_tampered_stored_bytes_are_refused_and_nothing_is_written(world):
    document = issued_document(
        beneficiaire=world.beneficiaire_a, by=world.consultant_a, required_roles=["beneficiaire"]
    )
    storage = document.issued_pdf.storage
    path = storage.path(document.issued_pdf.name)
    with open(path, "r+b") as handle:
        handle.seek(-20, io.SEEK_END)
        handle.write(b"0" * 10)
    before = _counts(world.org_a)
    with pytest.raises(ValidationError, match="altéré"):
        _sign(document, "beneficiaire", name="Camille Durand")
    assert _counts(world.org_a) == before
    _refresh(document)
    assert document.status == SignedDocument.Status.EMIS


# --- Single-use link for a signer without an account --------------------------------------------


def _link_url(organisation, token):
    return f"/signature/{organisation.public_id}/{token}/"


def test_signing_link_flow_shows_only_the_title_then_signs_once(
    world, client, django_capture_on_commit_callbacks
):
    document = issued_document(
        beneficiaire=world.beneficiaire_a,
        by=world.consultant_a,
        required_roles=["employeur"],
        title="Convention tripartite",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _link, token = signing_link(document)
    [message] = mail.outbox
    assert message.to == ["rh@employeur.test"]
    url = _link_url(world.org_a, token)
    assert url in message.body
    assert "Convention tripartite" in message.body
    assert CONFIDENTIAL_MARKER not in message.body

    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Convention tripartite" in page
    assert world.org_a.raison_sociale in page
    assert "ai lu le document et je le signe" in page
    assert page.count("<h1") == 1
    for secret in (
        CONFIDENTIAL_MARKER,
        world.beneficiaire_a.email,
        world.beneficiaire_a.nom,
        str(world.beneficiaire_a.public_id),
        str(document.subject_id),
    ):
        assert secret not in page
    assert response["Referrer-Policy"] == "same-origin"

    pdf = client.get(url + "document.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert pdf.content == _read(document.issued_pdf)

    # Without the checkbox: nothing signed.
    assert client.post(url, {}).status_code == 400
    assert _counts(world.org_a)[0] == 0

    response = client.post(url, {"consent": "on"}, HTTP_USER_AGENT="Edge de l'employeur")
    assert response.status_code == 200
    page = response.content.decode()
    assert document.issued_sha256 in page
    assert "Éric Employeur" in page
    assert CONFIDENTIAL_MARKER not in page
    with tenant_context(world.org_a):
        signature = Signature.objects.get()
        link = SigningLink.objects.get()
    assert signature.auth_method == MethodeAuthentification.LIEN_UNIQUE
    assert signature.user is None
    assert signature.user_agent == "Edge de l'employeur"
    assert link.used_at is not None
    _refresh(document)
    assert document.status == SignedDocument.Status.SIGNE  # the only required role

    # Reuse: refused, nothing written.
    before = _counts(world.org_a)
    assert client.get(url).status_code == 410
    assert client.post(url, {"consent": "on"}).status_code == 410
    assert client.get(url + "document.pdf").status_code == 410
    assert _counts(world.org_a) == before


def test_expired_unknown_and_foreign_links_are_refused(world, client):
    document = issued_document(
        beneficiaire=world.beneficiaire_a, by=world.consultant_a, required_roles=["employeur"]
    )
    _link, token = signing_link(document)
    url = _link_url(world.org_a, token)

    # Another organisation's id with a valid token: the link is not found there.
    foreign = _link_url(world.org_b, token)
    assert client.get(foreign).status_code == 404
    assert client.post(foreign, {"consent": "on"}).status_code == 404
    assert client.get(foreign + "document.pdf").status_code == 404
    # Unknown token, unknown organisation.
    assert client.get(_link_url(world.org_a, "inconnu")).status_code == 404
    assert client.get(f"/signature/{uuid.uuid4()}/{token}/").status_code == 404
    # Without the organisation bound the link cannot be seen at all (row-level security).
    with tenant_context(world.org_b):
        assert lien_signature_trouver(token=token) is None

    with time_machine.travel(timezone.now() + timedelta(days=11), tick=False):
        response = client.get(url)
        assert response.status_code == 410
        assert "n'est pas valable" in response.content.decode()
        assert client.post(url, {"consent": "on"}).status_code == 410
    assert _counts(world.org_a)[0] == 0

    # A new link revokes the previous one.
    _second, new_token = signing_link(document)
    assert client.get(url).status_code == 410
    assert client.get(_link_url(world.org_a, new_token)).status_code == 200


# --- Download helper ----------------------------------------------------------------------------


def test_serve_signed_document_reads_the_bytes_and_logs_staff_downloads(world):
    document = issued_document(
        beneficiaire=world.beneficiaire_a, by=world.consultant_a, required_roles=["organisme"]
    )
    request = RequestFactory().get("/", HTTP_USER_AGENT="Navigateur")
    request.user = world.consultant_a
    request.organisation = world.org_a
    with tenant_context(world.org_a):
        response = serve_signed_document(request, document, signed=False)
        assert response.status_code == 200
        assert response.content == _read(document.issued_pdf)
        assert response["Content-Disposition"] == (
            'attachment; filename="convention-de-bilan-de-competences-v1.pdf"'
        )
        event = AuditEvent.objects.get()
        assert (event.action, event.actor, event.object_id) == (
            "telechargement",
            world.consultant_a,
            document.public_id,
        )
        assert event.beneficiaire == world.beneficiaire_a
        # Not signed yet: no signed file to serve.
        assert serve_signed_document(request, document, signed=True).status_code == 404


def test_signed_documents_are_isolated_between_organisations(world):
    document = issued_document(
        beneficiaire=world.beneficiaire_a, by=world.consultant_a, required_roles=["organisme"]
    )
    with tenant_context(world.org_b):
        assert not SignedDocument.objects.filter(pk=document.pk).exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_signeddocument")
            assert cursor.fetchone()[0] == 0
