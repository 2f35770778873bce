import hashlib
import html
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from beneficiaires.models import Document
from bilan.core.models import AuditEvent
from bilan.core.tenancy import tenant_context

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def _upload(client, beneficiaire, name="cv.pdf", content=PDF, titre="CV"):
    return client.post(
        f"/app/beneficiaires/{beneficiaire.public_id}/documents/",
        {"titre": titre, "fichier": SimpleUploadedFile(name, content)},
    )


def test_upload_is_stored_privately_under_the_organisation(world, login_as):
    response = _upload(login_as(world.consultant_a), world.beneficiaire_a)
    assert response.status_code == 302
    with tenant_context(world.org_a):
        document = Document.objects.get()
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.taille == len(PDF)
    assert document.fichier.name.startswith(
        f"org-{world.org_a.pk}/beneficiaires/{world.beneficiaire_a.public_id}/"
    )
    stored = Path(settings.STORAGES["private"]["OPTIONS"]["location"]) / document.fichier.name
    assert stored.read_bytes() == PDF
    assert not str(stored).startswith(str(settings.STATIC_ROOT))


def test_download_re_checks_access_and_is_logged(world, login_as):
    _upload(login_as(world.consultant_a), world.beneficiaire_a)
    with tenant_context(world.org_a):
        document = Document.objects.get()
    url = f"/app/beneficiaires/{world.beneficiaire_a.public_id}/documents/{document.public_id}/"
    response = login_as(world.admin_a).get(url)
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Disposition"] == 'attachment; filename="cv.pdf"'
    with tenant_context(world.org_a):
        event = AuditEvent.objects.get(action="telechargement")
    assert event.actor == world.admin_a
    assert event.object_id == document.public_id
    assert login_as(world.consultant_b).get(url).status_code == 404


def test_a_document_is_only_reachable_under_its_own_beneficiary(world, login_as):
    from tests.factories.beneficiaires import BeneficiaireFactory, document_for

    other = BeneficiaireFactory(organisation=world.org_a)
    document = document_for(world.beneficiaire_a, by=world.consultant_a)
    url = f"/app/beneficiaires/{other.public_id}/documents/{document.public_id}/"
    assert login_as(world.consultant_a).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("programme.exe", b"MZ...", "Type de fichier non accepté"),
        ("faux.pdf", b"MZ pas un pdf", "ne correspond pas à son extension"),
        ("vide.txt", b"", "Le fichier soumis est vide."),
        ("gros.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), "taille maximale de 10 Mo"),
    ],
)
def test_bad_files_are_refused_at_the_field_and_nothing_is_stored(
    world, login_as, name, content, message
):
    response = _upload(login_as(world.consultant_a), world.beneficiaire_a, name, content)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page
    assert 'aria-invalid="true"' in page
    with tenant_context(world.org_a):
        assert not Document.objects.exists()
