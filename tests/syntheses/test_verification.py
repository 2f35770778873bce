"""/verifier/: public check of a document's bytes or SHA-256 across organisations."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bilan.core import verification
from bilan.core.signatures import MethodeAuthentification, document_contenu, document_signer
from bilan.core.tenancy import tenant_context
from tests.factories.signatures import CONFIDENTIAL_MARKER, issued_document, signing_client

pytestmark = pytest.mark.django_db

URL = "/verifier/"


@pytest.fixture
def signed(world):
    document = issued_document(
        beneficiaire=world.beneficiaire_b, by=world.consultant_b, required_roles=("organisme",)
    )
    with tenant_context(world.org_b):
        document_signer(
            document=document,
            role="organisme",
            signer_name="Charlie",
            signer_email="charlie@b.test",
            user=world.consultant_b,
            client=signing_client(),
            methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
        )
        document.refresh_from_db()
        issued = document_contenu(document=document, signed=False)
        signed_bytes = document_contenu(document=document, signed=True)
    return document, issued, signed_bytes


def _upload(client, content, name="document.pdf"):
    return client.post(URL, {"fichier": SimpleUploadedFile(name, content, "application/pdf")})


def test_page_is_public(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1


def test_signed_document_bytes_verify_without_login(client, world, signed):
    document, _issued, signed_bytes = signed
    response = _upload(client, signed_bytes)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Document authentique" in html
    assert document.title in html
    assert "Organisme B" in html
    assert "le document signé" in html
    # Never the content nor the beneficiary.
    assert CONFIDENTIAL_MARKER not in html
    assert world.beneficiaire_b.nom not in html
    assert world.beneficiaire_b.prenom not in html


def test_issued_bytes_and_pasted_hash_verify(client, signed):
    _document, issued, _signed = signed
    assert "avant signature" in _upload(client, issued).content.decode()
    digest = hashlib.sha256(issued).hexdigest().upper()
    response = client.post(URL, {"empreinte": f"  {digest} "})
    assert "Document authentique" in response.content.decode()


def test_one_altered_byte_does_not_verify(client, signed):
    _document, _issued, signed_bytes = signed
    altered = bytearray(signed_bytes)
    altered[len(altered) // 2] ^= 0x01
    html = _upload(client, bytes(altered)).content.decode()
    assert "Aucun document d&#x27;origine ne correspond" in html or (
        "Aucun document d'origine ne correspond" in html
    )
    assert "Document authentique" not in html


def test_lookup_finds_documents_of_every_organisation(world, signed):
    mine = issued_document(beneficiaire=world.beneficiaire_a, by=world.admin_a)
    found = verification.document_par_empreinte(sha256=mine.issued_sha256)
    assert found["organisme"] == "Organisme A"
    assert set(found) == {
        "titre",
        "version",
        "organisme",
        "emis_le",
        "signe_le",
        "statut",
        "statut_libelle",
        "exemplaire",
    }
    assert verification.document_par_empreinte(sha256="0" * 64) is None
    assert verification.document_par_empreinte(sha256="pas une empreinte") is None


def test_form_errors_are_french(client):
    response = client.post(URL, {})
    assert response.status_code == 400
    assert "Déposez le document PDF ou collez son empreinte" in response.content.decode()
    response = client.post(URL, {"empreinte": "abc"})
    assert "64 caractères" in response.content.decode()


def test_too_large_file_is_refused(client, monkeypatch):
    monkeypatch.setattr(verification, "TAILLE_MAX", 10)
    response = _upload(client, b"%PDF-1.7 " + b"x" * 20)
    assert response.status_code == 400
    assert "Le fichier dépasse" in response.content.decode()


def test_rate_limited_after_30_per_minute(client, monkeypatch):
    # A private cache: the shared Redis is cleared by test runs working in parallel.
    from django.core.cache.backends.locmem import LocMemCache

    monkeypatch.setattr(verification, "cache", LocMemCache("verification-test", {}))
    for _ in range(verification.LIMITE_PAR_MINUTE):
        assert client.post(URL, {"empreinte": "0" * 64}).status_code == 200
    response = client.post(URL, {"empreinte": "0" * 64})
    assert response.status_code == 429
    assert "patientez une minute" in response.content.decode()
