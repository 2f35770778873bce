"""Organisation documents: versions never overwritten, the portal shows the current ones and
records each beneficiary's acknowledgement per version; the admin sees who read what."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bilan.core.tenancy import tenant_context
from qualiopi.models import AccuseLecture, DocumentVersion
from qualiopi.services.documents import document_version_deposer

pytestmark = pytest.mark.django_db


def _deposer(world, kind="livret_accueil", contenu=b"%PDF-1.4 livret v1", org=None, par=None):
    org = org or world.org_a
    with tenant_context(org):
        return document_version_deposer(
            organisation=org,
            kind=kind,
            fichier=SimpleUploadedFile("livret.pdf", contenu),
            en_vigueur_le=dt.date(2026, 1, 5),
            commentaire="",
            par=par or world.admin_a,
        )


def test_each_upload_is_a_new_version_and_the_old_file_is_kept(world, login_as):
    v1 = _deposer(world)
    v2 = _deposer(world, contenu=b"%PDF-1.4 livret v2")
    assert (v1.numero, v2.numero) == (1, 2)
    client = login_as(world.admin_a)
    assert client.get(reverse("qualiopi:document_telecharger", args=[v1.public_id])).content == (
        b"%PDF-1.4 livret v1"
    )
    assert client.get(reverse("qualiopi:documents")).status_code == 200
    # Another organisation's numbering is its own.
    assert _deposer(world, org=world.org_b, par=world.consultant_b).numero == 1


def test_the_admin_upload_form_refuses_a_fake_pdf(world, login_as):
    reponse = login_as(world.admin_a).post(
        reverse("qualiopi:documents"),
        {
            "kind": "cgv",
            "fichier": SimpleUploadedFile("cgv.pdf", b"MZ fake"),
            "en_vigueur_le": "2026-01-01",
        },
    )
    assert reponse.status_code == 400
    with tenant_context(world.org_a):
        assert not DocumentVersion.objects.exists()


def test_the_portal_asks_again_for_a_new_version(world, login_as):
    v1 = _deposer(world)
    _deposer(world, kind="organigramme")  # internal: never shown in the portal
    client = login_as(world.beneficiaire_user_a)
    page = client.get(reverse("portail_qualiopi:documents")).content.decode()
    assert "Livret d&#x27;accueil" in page or "Livret d'accueil" in page
    assert "Organigramme" not in page
    assert (
        client.post(reverse("portail_qualiopi:document_accuser", args=[v1.public_id])).status_code
        == 302
    )
    # Twice is once.
    client.post(reverse("portail_qualiopi:document_accuser", args=[v1.public_id]))
    with tenant_context(world.org_a):
        assert AccuseLecture.objects.filter(version=v1).count() == 1
    assert (
        "Vous en avez pris connaissance"
        in client.get(reverse("portail_qualiopi:documents")).content.decode()
    )
    v2 = _deposer(world, contenu=b"%PDF-1.4 livret v2")
    page = client.get(reverse("portail_qualiopi:documents")).content.decode()
    assert "J&#x27;ai pris connaissance" in page or "J'ai pris connaissance" in page
    # The old version is no longer reachable from the portal.
    assert (
        client.get(
            reverse("portail_qualiopi:document_telecharger", args=[v1.public_id])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("portail_qualiopi:document_telecharger", args=[v2.public_id])
        ).status_code
        == 200
    )
    # The admin sees who acknowledged v1.
    admin = login_as(world.admin_a)
    assert (
        "Aubertin"
        in admin.get(reverse("qualiopi:document_version", args=[v1.public_id])).content.decode()
    )


def test_another_organisations_beneficiary_gets_404(world, login_as):
    v1 = _deposer(world)
    client = login_as(world.beneficiaire_user_b)
    assert (
        client.get(
            reverse("portail_qualiopi:document_telecharger", args=[v1.public_id])
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("portail_qualiopi:document_accuser", args=[v1.public_id])).status_code
        == 404
    )
    with tenant_context(world.org_a):
        assert not AccuseLecture.objects.exists()
    assert login_as(world.consultant_a).get(reverse("qualiopi:documents")).status_code == 403
