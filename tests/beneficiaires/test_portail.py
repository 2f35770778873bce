"""The beneficiary portal: home, calendar file, data and consents, erasure request."""

import datetime as dt
import html
import io
import json
import zipfile

import pytest
from django.core import mail
from django.utils import timezone

from beneficiaires.models import Consentement, DemandeSuppression, Phase, StatutBilan
from bilan.core.models import AuditEvent
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _bilan_avec_seance(world):
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    with tenant_context(world.org_a):
        seance = Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase="preliminaire",
            type="entretien",
            intitule="Premier entretien",
            debut=timezone.now() + dt.timedelta(days=3),
            duree_minutes=90,
            modalite="visio",
            lien_visio="https://visio.exemple.fr/salle",
        )
    return bilan, seance


def test_home_shows_where_they_are_and_the_next_appointment(world, login_as):
    bilan, seance = _bilan_avec_seance(world)
    page = _page(login_as(world.beneficiaire_user_a).get("/portail/"))
    assert "En cours — Phase préliminaire" in page
    assert "1,5 h prévues en tout" in page
    assert "Rejoindre la visioconférence" in page
    assert f"/portail/seances/{seance.public_id}.ics" in page
    assert world.consultant_a.email in page


def test_a_seance_goes_to_the_calendar_as_ics_and_only_for_its_beneficiary(world, login_as):
    import icalendar

    _bilan, seance = _bilan_avec_seance(world)
    url = f"/portail/seances/{seance.public_id}.ics"
    response = login_as(world.beneficiaire_user_a).get(url)
    assert response.status_code == 200
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["uid"]) == f"{seance.public_id}@bilan"
    assert "Premier entretien" not in response.content.decode()
    assert login_as(world.beneficiaire_user_b).get(url).status_code == 404


def test_consents_are_granted_and_withdrawn_from_the_portal(world, login_as):
    client = login_as(world.beneficiaire_user_a)
    response = client.post("/portail/donnees/consentements/", {"type": "synthese_tiers"})
    assert response.status_code == 400
    assert "Indiquez à qui la synthèse peut être transmise." in _page(response)
    with tenant_context(world.org_a):
        assert not Consentement.objects.exists()
    client.post(
        "/portail/donnees/consentements/",
        {"type": "synthese_tiers", "destinataire": "Mon conseiller Pôle emploi", "accord": "on"},
    )
    with tenant_context(world.org_a):
        consentement = Consentement.objects.get()
    assert consentement.methode == "portail"
    assert "« Mon conseiller Pôle emploi »" in consentement.declaration  # rule 10: signed
    client.post(f"/portail/donnees/consentements/{consentement.public_id}/retirer/")
    with tenant_context(world.org_a):
        assert Consentement.objects.get().revoque_le is not None
    page = _page(client.get("/portail/donnees/"))
    assert "retiré le" in page


def test_the_bilan_consent_is_not_withdrawn_from_the_portal(world, login_as):
    with tenant_context(world.org_a):
        consentement = Consentement.objects.create(
            organisation=world.org_a,
            beneficiaire=world.beneficiaire_a,
            type="participation",
            methode="entretien",
            accorde_le=timezone.now(),
        )
    response = login_as(world.beneficiaire_user_a).post(
        f"/portail/donnees/consentements/{consentement.public_id}/retirer/"
    )
    assert response.status_code == 404
    with tenant_context(world.org_a):
        assert Consentement.objects.get().revoque_le is None


def test_data_download_is_a_zip_with_json_and_is_logged(world, login_as):
    from tests.factories.beneficiaires import document_for

    _bilan_avec_seance(world)
    document_for(world.beneficiaire_a, by=world.consultant_a, content=b"%PDF-1.4 mon cv")
    response = login_as(world.beneficiaire_user_a).get("/portail/donnees/archive.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("donnees.json"))
    assert data["identite"]["courriel"] == "camille@exemple.test"
    assert data["bilans"][0]["seances"][0]["type"] == "Entretien individuel"
    assert any(name.startswith("documents/") for name in archive.namelist())
    with tenant_context(world.org_a):
        assert AuditEvent.objects.filter(object_type="donnees_personnelles").count() == 1


def test_an_erasure_request_reaches_the_admins(world, login_as, django_capture_on_commit_callbacks):
    client = login_as(world.beneficiaire_user_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/portail/donnees/suppression/", {"message": "Merci"}).status_code == 302
    assert [m.to for m in mail.outbox] == [[world.admin_a.email]]
    assert "Merci" not in mail.outbox[0].body  # no content in the email
    response = client.post("/portail/donnees/suppression/", {})
    assert response.status_code == 400
    assert "déjà en cours" in _page(response)
    with tenant_context(world.org_a):
        demande = DemandeSuppression.objects.get()
    admin = login_as(world.admin_a)
    assert "Demandes de suppression" in _page(admin.get("/app/organisation/"))
    admin.post(
        f"/app/beneficiaires/demandes-suppression/{demande.public_id}/traiter/",
        {"reponse": "Documents de travail supprimés ; convention conservée (contrôle)."},
    )
    with tenant_context(world.org_a):
        assert DemandeSuppression.objects.get().traitee_le is not None
    assert "en cours de traitement" not in _page(client.get("/portail/donnees/"))


def test_another_beneficiary_sees_none_of_it(world, login_as):
    _bilan_avec_seance(world)
    page = _page(login_as(world.beneficiaire_user_b).get("/portail/donnees/"))
    assert "camille@exemple.test" not in page
    assert world.beneficiaire_a.nom not in page
