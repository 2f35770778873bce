"""Attestation de fin and certificat de réalisation: conditions, hours by modality, PDF
content, issue/sign/download views, access."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from bilan.core.models import SignedDocument
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from seances.selectors.emargement import minutes_realisees_financables
from seances.services.emargement import emargement_signer
from syntheses.services import documents_fin
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db

NDA = "11755555575"


def _seance(bilan, consultant, *, jour, minutes, modalite, phase="preliminaire"):
    return Seance.objects.create(
        organisation=bilan.organisation,
        bilan=bilan,
        consultant=consultant,
        phase=phase,
        type="entretien",
        intitule="Entretien",
        debut=dt.datetime(2026, 3, jour, 9, tzinfo=dt.UTC),
        duree_minutes=minutes,
        duree_realisee_minutes=minutes,
        modalite=modalite,
        statut=Seance.Statut.REALISEE,
    )


def _signer(seance, world, *, beneficiaire=True):
    emargement_signer(
        seance=seance,
        role="consultant",
        signataire="Bob",
        user=world.consultant_a,
        methode="session",
        client=None,
    )
    if beneficiaire:
        methode = "confirmation" if seance.modalite == "presentiel" else "portail"
        emargement_signer(
            seance=seance,
            role="beneficiaire",
            signataire="Camille",
            user=world.beneficiaire_user_a,
            methode=methode,
            client=None,
        )


@pytest.fixture
def bilan(world):
    world.org_a.numero_declaration_activite = NDA
    world.org_a.save()
    world.beneficiaire_a.employeur_nom = "Entreprise Exemple"
    with tenant_context(world.org_a):
        world.beneficiaire_a.save()
    bilan = bilan_for(
        world.beneficiaire_a,
        statut="synthese_remise",
        financement="opco",
        financeur_nom="OPCO Atlas",
        date_debut_reelle=dt.date(2026, 3, 2),
        date_fin_reelle=dt.date(2026, 4, 20),
    )
    with tenant_context(world.org_a):
        _signer(
            _seance(bilan, world.consultant_a, jour=3, minutes=120, modalite="presentiel"), world
        )
        _signer(_seance(bilan, world.consultant_a, jour=10, minutes=90, modalite="visio"), world)
        # Signed by the consultant only: not claimable on a financed route.
        _signer(
            _seance(bilan, world.consultant_a, jour=17, minutes=60, modalite="presentiel"),
            world,
            beneficiaire=False,
        )
    return bilan


def _texte(document):
    with document.issued_pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_hours_by_modality_match_the_claimable_total(world, bilan):
    with tenant_context(world.org_a):
        heures = documents_fin.bilan_heures_par_modalite(bilan=bilan)
        assert heures["presentiel"] == 120
        assert heures["distanciel"] == 90
        assert heures["total"] == 210 == minutes_realisees_financables(bilan=bilan)
        assert heures["total_hm"] == "3 h 30"


def test_certificat_de_realisation_is_issued_for_the_organisation(world, bilan):
    with tenant_context(world.org_a):
        document = documents_fin.certificat_realisation_emettre(bilan=bilan, par=world.admin_a)
        assert document.kind == "certificat_realisation"
        assert document.required_roles == ["organisme"]
        assert document.subject_id == bilan.public_id
        assert document.status == SignedDocument.Status.EMIS
        assert len(document.issued_sha256) == 64
        texte = _texte(document)
    assert NDA in texte
    assert "L6313-1" in texte
    assert "Entreprise Exemple" in texte
    assert world.beneficiaire_a.nom in texte
    assert "02/03/2026" in texte
    assert "20/04/2026" in texte
    assert "2 h" in texte
    assert "1 h 30" in texte
    assert "3 h 30" in texte


def test_certificat_refused_without_nda_and_writes_nothing(world, bilan):
    world.org_a.numero_declaration_activite = ""
    world.org_a.save()
    with tenant_context(world.org_a):
        bilan.organisation.refresh_from_db()
        with pytest.raises(ValidationError, match="déclaration d'activité"):
            documents_fin.certificat_realisation_emettre(bilan=bilan, par=world.admin_a)
        assert not SignedDocument.objects.filter(subject_id=bilan.public_id).exists()


def test_attestation_fin_only_once_the_synthese_is_handed_over(world, bilan):
    with tenant_context(world.org_a):
        bilan.statut = "en_cours"
        bilan.phase = "conclusion"
        bilan.save()
        with pytest.raises(ValidationError, match="synthèse remise"):
            documents_fin.attestation_fin_emettre(bilan=bilan, par=world.consultant_a)
        assert not SignedDocument.objects.filter(subject_id=bilan.public_id).exists()
        bilan.statut = "clos"
        bilan.save()
        document = documents_fin.attestation_fin_emettre(bilan=bilan, par=world.consultant_a)
        texte = _texte(document)
    assert document.kind == "attestation_fin"
    assert "trois phases" in texte
    assert "3 h 30" in texte
    assert "synthèse" in texte


def test_new_version_cancels_the_unsigned_one(world, bilan):
    with tenant_context(world.org_a):
        first = documents_fin.attestation_fin_emettre(bilan=bilan, par=world.admin_a)
        second = documents_fin.attestation_fin_emettre(bilan=bilan, par=world.admin_a)
        first.refresh_from_db()
    assert second.version == 2
    assert first.status == SignedDocument.Status.ANNULE


def test_views_issue_sign_download(world, bilan, login_as):
    client = login_as(world.consultant_a)
    base = f"/app/documents/bilans/{bilan.public_id}/"
    page = client.get(base)
    assert page.status_code == 200
    assert page.content.decode().count("<h1") == 1
    assert client.post(base + "certificat-realisation/").status_code == 302
    with tenant_context(world.org_a):
        document = SignedDocument.objects.get(kind="certificat_realisation")
    assert client.post(f"{base}{document.public_id}/signer/").status_code == 302
    with tenant_context(world.org_a):
        document.refresh_from_db()
    assert document.status == SignedDocument.Status.SIGNE
    response = client.get(f"{base}{document.public_id}/telecharger/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response) if response.streaming else response.content


def test_other_consultant_is_refused_and_outsider_gets_404(world, bilan, login_as):
    other = staff_user(organisation=world.org_a, email="autre@a.test")
    base = f"/app/documents/bilans/{bilan.public_id}/"
    # A consultant of the organisation who is not on the bilan: 404, never its existence
    # (need-to-know, domain rule 11; was 403 before beneficiaires/acces.py).
    assert login_as(other).get(base).status_code == 404
    assert login_as(other).post(base + "attestation-fin/").status_code == 404
    outsider = login_as(world.consultant_b)
    for url in (base, base + "conservation/"):
        assert outsider.get(url).status_code == 404
    assert outsider.post(base + "attestation-fin/").status_code == 404
    with tenant_context(world.org_a):
        assert not SignedDocument.objects.filter(subject_id=bilan.public_id).exists()
