"""Attendance signatures (émargement): rules, remote requests, portal, link, staff pages,
financed minutes and the attendance certificate. Real PostgreSQL, as the application role."""

import base64
import io
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from beneficiaires.models import Financement
from bilan.core.audit import client_info
from bilan.core.models import AuditEvent, Role
from bilan.core.tenancy import tenant_context
from seances.models import DemandeEmargement, Emargement, Seance
from seances.selectors import emargement as lecture
from seances.services import emargement as svc
from tests.factories.beneficiaires import beneficiaire_with_portal
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db

R = Emargement.Role
M = Emargement.Methode


def _request(ip="203.0.113.7", ua="Navigateur de test/1.0"):
    return RequestFactory().post("/", REMOTE_ADDR=ip, HTTP_USER_AGENT=ua)


def _seance(bilan, **fields):
    values = {
        "phase": "preliminaire",
        "type": "entretien",
        "intitule": "Entretien d'accueil",
        "objectifs": "OBJECTIF-CONFIDENTIEL",
        "notes": "NOTE-CONFIDENTIELLE",
        "debut": timezone.now() - timedelta(days=1),
        "duree_minutes": 90,
        "duree_realisee_minutes": 80,
        "modalite": Seance.Modalite.VISIO,
        "statut": Seance.Statut.REALISEE,
        "consultant": bilan.consultant,
        **fields,
    }
    with tenant_context(bilan.organisation):
        return Seance.objects.create(organisation=bilan.organisation, bilan=bilan, **values)


def _png_data_url(size=(120, 40)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _count(org, model=Emargement, **filters) -> int:
    with tenant_context(org):
        return model.objects.filter(**filters).count()


def _sign_consultant(seance, user):
    with tenant_context(seance.organisation):
        return svc.emargement_signer(
            seance=seance,
            role=R.CONSULTANT,
            signataire=lecture.utilisateur_nom_complet(user=user),
            user=user,
            methode=M.SESSION,
            client=client_info(_request()),
        )


def _sign_beneficiaire_portail(seance, user, methode=M.PORTAIL):
    with tenant_context(seance.organisation):
        return svc.emargement_signer(
            seance=seance,
            role=R.BENEFICIAIRE,
            signataire="Camille",
            user=user,
            methode=methode,
            client=client_info(_request()),
        )


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def bilan(world):
    return bilan_for(world.beneficiaire_a, financement=Financement.CPF)


@pytest.fixture
def seance(bilan):
    return _seance(bilan)


# --- Signing rules ----------------------------------------------------------------------------


def test_consultant_signature_stores_the_seance_as_signed(world, seance):
    emargement = _sign_consultant(seance, world.consultant_a)
    assert emargement.role == R.CONSULTANT
    assert emargement.methode == M.SESSION
    assert emargement.ip_address == "203.0.113.7"
    assert emargement.user_agent == "Navigateur de test/1.0"
    details = emargement.details
    assert details["intitule"] == "Entretien d'accueil"
    assert details["duree_prevue_minutes"] == 90
    assert details["duree_realisee_minutes"] == 80
    assert details["modalite"] == "visio"
    assert details["modalite_libelle"] == "Visioconférence"
    assert details["phase_libelle"] == "Phase préliminaire"
    assert details["bilan"] == seance.bilan.numero
    assert details["beneficiaire"] == f"{world.beneficiaire_a.prenom} {world.beneficiaire_a.nom}"
    assert details["consultant"] == lecture.utilisateur_nom_complet(user=world.consultant_a)
    assert "notes" not in details
    assert "objectifs" not in details
    # The hash is reproducible from what is stored (canonical JSON, sorted keys, UTF-8).
    with tenant_context(world.org_a):
        stored = Emargement.objects.get(pk=emargement.pk)
    assert len(stored.details_sha256) == 64
    assert lecture.details_empreinte(details=stored.details) == stored.details_sha256
    assert not lecture.seance_modifiee_depuis(seance=seance, emargement=stored)
    with tenant_context(world.org_a):
        assert not lecture.seance_emargee(seance=seance)


def test_both_signatures_make_the_seance_signed(world, seance):
    _sign_consultant(seance, world.consultant_a)
    _sign_beneficiaire_portail(seance, world.beneficiaire_user_a)
    with tenant_context(world.org_a):
        assert lecture.seance_emargee(seance=seance)
        assert list(lecture.seances_a_emarger_pour(beneficiaire=world.beneficiaire_a)) == []


@pytest.mark.parametrize(
    "case",
    [
        "non_realisee",
        "deja_signe",
        "methode_consultant",
        "methode_beneficiaire",
        "autre_consultant",
        "lien_direct",
        "portail_presentiel",
        "confirmation_a_distance",
        "portail_autre_compte",
        "nom_vide",
        "role_inconnu",
    ],
)
def test_refusals_write_nothing(world, bilan, case):
    org = world.org_a
    statut = Seance.Statut.PLANIFIEE if case == "non_realisee" else Seance.Statut.REALISEE
    modalite = Seance.Modalite.PRESENTIEL if case == "portail_presentiel" else "visio"
    seance = _seance(bilan, statut=statut, modalite=modalite)
    before = 0
    if case == "deja_signe":
        _sign_consultant(seance, world.consultant_a)
        before = 1
    other = staff_user(organisation=org, email="autre@a.test")
    kwargs = {
        "seance": seance,
        "role": R.CONSULTANT,
        "signataire": "Bob",
        "user": world.consultant_a,
        "methode": M.SESSION,
        "client": client_info(_request()),
    }
    beneficiaire = {**kwargs, "role": R.BENEFICIAIRE, "user": world.beneficiaire_user_a}
    kwargs = {
        "non_realisee": kwargs,
        "deja_signe": kwargs,
        "methode_consultant": {**kwargs, "methode": M.DESSIN, "trace": _png_data_url()},
        "methode_beneficiaire": {**beneficiaire, "methode": M.SESSION},
        "autre_consultant": {**kwargs, "user": other},
        "lien_direct": {**beneficiaire, "methode": M.LIEN, "user": None},
        "portail_presentiel": {**beneficiaire, "methode": M.PORTAIL},
        "confirmation_a_distance": {**beneficiaire, "methode": M.CONFIRMATION},
        "portail_autre_compte": {**beneficiaire, "methode": M.PORTAIL, "user": other},
        "nom_vide": {**kwargs, "signataire": "   "},
        "role_inconnu": {**kwargs, "role": "employeur"},
    }[case]
    with tenant_context(org), pytest.raises(ValidationError) as excinfo:
        svc.emargement_signer(**kwargs)
    assert excinfo.value.messages[0]  # a French sentence
    assert _count(org) == before


def test_drawn_signature_is_accepted_when_it_is_a_png(world, seance):
    trace = _png_data_url()
    with tenant_context(world.org_a):
        emargement = svc.emargement_signer(
            seance=seance,
            role=R.BENEFICIAIRE,
            signataire="Camille Durand",
            user=world.consultant_a,
            methode=M.DESSIN,
            client=client_info(_request()),
            trace=trace,
        )
    assert emargement.trace == trace
    assert emargement.methode == M.DESSIN


def _big_png_data_url() -> str:
    import os

    buffer = io.BytesIO()
    Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 200 * 1024
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize(
    "trace",
    [
        "",
        "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0").decode(),
        "data:image/png;base64,@@@pas-du-base64@@@",
        "data:image/png;base64," + base64.b64encode(b"ceci n'est pas une image").decode(),
        "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\ntronque").decode(),
        "javascript:alert(1)",
        "big",
    ],
)
def test_bad_drawn_signature_is_refused(world, seance, trace):
    if trace == "big":
        trace = _big_png_data_url()
    with tenant_context(world.org_a), pytest.raises(ValidationError):
        svc.emargement_signer(
            seance=seance,
            role=R.BENEFICIAIRE,
            signataire="Camille Durand",
            user=world.consultant_a,
            methode=M.DESSIN,
            client=client_info(_request()),
            trace=trace,
        )
    assert _count(world.org_a) == 0


def test_trace_only_with_the_drawing_method(world, seance):
    with tenant_context(world.org_a), pytest.raises(ValidationError):
        svc.emargement_signer(
            seance=seance,
            role=R.CONSULTANT,
            signataire="Bob",
            user=world.consultant_a,
            methode=M.SESSION,
            client=client_info(_request()),
            trace=_png_data_url(),
        )
    assert _count(world.org_a) == 0


# --- Remote request by emailed link -----------------------------------------------------------


def _demande(seance, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), tenant_context(seance.organisation):
        return svc.demande_emargement_creer(seance=seance)


def _lien(org, token) -> str:
    return f"/emargement/{org.public_id}/{token}/"


def test_remote_request_emails_only_a_link(world, seance, django_capture_on_commit_callbacks):
    demande, token = _demande(seance, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.beneficiaire_a.email]
    assert _lien(world.org_a, token) in message.body
    assert "Organisme A" in message.subject
    for secret in ("Entretien d'accueil", "NOTE-CONFIDENTIELLE", "OBJECTIF-CONFIDENTIEL"):
        assert secret not in message.body
        assert secret not in message.alternatives[0].content
    with tenant_context(world.org_a):
        stored = DemandeEmargement.objects.get(pk=demande.pk)
    assert stored.token_hash != token
    assert len(stored.token_hash) == 64
    assert stored.expire_le - timezone.now() > timedelta(hours=71)


def test_remote_request_refused_in_person_or_unrealised_or_signed(
    world, bilan, django_capture_on_commit_callbacks
):
    presentiel = _seance(bilan, modalite=Seance.Modalite.PRESENTIEL)
    planifiee = _seance(bilan, statut=Seance.Statut.PLANIFIEE)
    signee = _seance(bilan)
    _sign_beneficiaire_portail(signee, world.beneficiaire_user_a)
    for seance in (presentiel, planifiee, signee):
        with tenant_context(world.org_a), pytest.raises(ValidationError):
            svc.demande_emargement_creer(seance=seance)
    assert _count(world.org_a, DemandeEmargement) == 0


def test_sign_by_link_then_reuse_is_gone(world, client, seance, django_capture_on_commit_callbacks):
    _demande_obj, token = _demande(seance, django_capture_on_commit_callbacks)
    url = _lien(world.org_a, token)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Entretien d&#x27;accueil" in html or "Entretien d'accueil" in html
    assert "NOTE-CONFIDENTIELLE" not in html
    assert "OBJECTIF-CONFIDENTIEL" not in html
    assert page["Referrer-Policy"] == "same-origin"

    # Without the checkbox: nothing written.
    assert client.post(url, {}).status_code == 400
    assert _count(world.org_a) == 0

    done = client.post(url, {"accord": "on"}, HTTP_USER_AGENT="Lien/1.0")
    assert done.status_code == 200
    with tenant_context(world.org_a):
        emargement = Emargement.objects.get(seance=seance)
        demande = DemandeEmargement.objects.get(seance=seance)
    assert emargement.role == R.BENEFICIAIRE
    assert emargement.methode == M.LIEN
    assert emargement.user is None
    assert emargement.user_agent == "Lien/1.0"
    assert demande.utilisee_le is not None
    assert emargement.signataire in done.content.decode()

    assert client.get(url).status_code == 410
    assert client.post(url, {"accord": "on"}).status_code == 410
    assert _count(world.org_a) == 1


def test_expired_link_is_gone_and_writes_nothing(
    world, client, seance, django_capture_on_commit_callbacks
):
    _demande_obj, token = _demande(seance, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(hours=73), tick=False):
        assert client.get(_lien(world.org_a, token)).status_code == 410
        assert client.post(_lien(world.org_a, token), {"accord": "on"}).status_code == 410
    assert _count(world.org_a) == 0


def test_link_with_another_organisation_or_unknown_token_is_404(
    world, client, seance, django_capture_on_commit_callbacks
):
    _demande_obj, token = _demande(seance, django_capture_on_commit_callbacks)
    assert client.get(_lien(world.org_b, token)).status_code == 404
    assert client.post(_lien(world.org_b, token), {"accord": "on"}).status_code == 404
    assert client.get(_lien(world.org_a, "jeton-inconnu")).status_code == 404
    assert _count(world.org_a) == 0


def test_a_new_request_revokes_the_previous_link(
    world, client, seance, django_capture_on_commit_callbacks
):
    _first, old_token = _demande(seance, django_capture_on_commit_callbacks)
    _second, new_token = _demande(seance, django_capture_on_commit_callbacks)
    assert client.get(_lien(world.org_a, old_token)).status_code == 410
    assert client.get(_lien(world.org_a, new_token)).status_code == 200


def test_signing_in_the_portal_closes_the_emailed_link(
    world, client, seance, django_capture_on_commit_callbacks
):
    _demande_obj, token = _demande(seance, django_capture_on_commit_callbacks)
    _sign_beneficiaire_portail(seance, world.beneficiaire_user_a)
    assert client.get(_lien(world.org_a, token)).status_code == 410
    assert _count(world.org_a) == 1


# --- Portal -----------------------------------------------------------------------------------


def test_portal_lists_and_signs_a_remote_seance(world, login_as, seance):
    client = login_as(world.beneficiaire_user_a)
    page = client.get("/portail/emargement/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Entretien d" in html
    assert "Visioconférence" in html
    assert "80 min" in html
    assert "NOTE-CONFIDENTIELLE" not in html

    url = f"/portail/emargement/{seance.public_id}/signer/"
    refused = client.post(url, {})
    assert refused.status_code == 302
    assert _count(world.org_a) == 0

    response = client.post(url, {"accord": "on"}, HTTP_USER_AGENT="Telephone/2.0")
    assert response.status_code == 302
    assert response["Location"] == f"/portail/emargement/{seance.public_id}/"
    with tenant_context(world.org_a):
        emargement = Emargement.objects.get(seance=seance)
    assert emargement.methode == M.PORTAIL
    assert emargement.user == world.beneficiaire_user_a
    assert emargement.user_agent == "Telephone/2.0"

    preuve = client.get(response["Location"])
    assert preuve.status_code == 200
    assert emargement.details_sha256 in preuve.content.decode()
    # Signed: no longer in the list to sign; a second attempt changes nothing.
    assert (
        str(seance.public_id) + "/signer/"
        not in client.get("/portail/emargement/").content.decode()
    )
    client.post(url, {"accord": "on"})
    assert _count(world.org_a) == 1


def test_portal_confirmation_for_an_in_person_seance(world, login_as, bilan):
    seance = _seance(bilan, modalite=Seance.Modalite.PRESENTIEL)
    client = login_as(world.beneficiaire_user_a)
    client.post(f"/portail/emargement/{seance.public_id}/signer/", {"accord": "on"})
    with tenant_context(world.org_a):
        assert Emargement.objects.get(seance=seance).methode == M.CONFIRMATION


def test_another_beneficiary_cannot_sign_or_see(world, login_as, seance):
    # Same organisation, another beneficiary.
    other, other_user = beneficiaire_with_portal(
        organisation=world.org_a, consultant=world.consultant_a, email="autre@exemple.test"
    )
    for user in (other_user, world.beneficiaire_user_b):
        client = login_as(user)
        assert (
            client.post(
                f"/portail/emargement/{seance.public_id}/signer/", {"accord": "on"}
            ).status_code
            == 404
        )
        assert client.get(f"/portail/emargement/{seance.public_id}/").status_code == 404
        assert "Entretien d" not in client.get("/portail/emargement/").content.decode()
    assert _count(world.org_a) == 0


# --- Staff pages ------------------------------------------------------------------------------


def test_consultant_signs_on_the_device_and_draws_for_the_beneficiary(world, login_as, seance):
    client = login_as(world.consultant_a)
    url = f"/app/seances/{seance.public_id}/emargement/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-signature-pad" in html
    assert "signature-pad.js" in html
    assert "NOTE-CONFIDENTIELLE" not in html

    assert client.post(url, {"action": "consultant"}).status_code == 302
    # Drawing without a trace (no JavaScript): refused with a message, nothing written.
    refused = client.post(url, {"action": "dessin", "signataire": "Camille", "accord": "on"})
    assert refused.status_code == 400
    assert "Tracez la signature" in refused.content.decode()
    assert _count(world.org_a, role=R.BENEFICIAIRE) == 0
    bad = client.post(
        url,
        {"action": "dessin", "signataire": "Camille", "accord": "on", "trace": "data:x"},
    )
    assert bad.status_code == 400
    assert _count(world.org_a, role=R.BENEFICIAIRE) == 0

    ok = client.post(
        url,
        {
            "action": "dessin",
            "signataire": "Camille Durand",
            "accord": "on",
            "trace": _png_data_url(),
        },
    )
    assert ok.status_code == 302
    with tenant_context(world.org_a):
        assert lecture.seance_emargee(seance=seance)
        assert Emargement.objects.get(seance=seance, role=R.BENEFICIAIRE).methode == M.DESSIN


def test_staff_outside_the_bilan_get_403_and_nothing_changes(
    world, login_as, seance, django_capture_on_commit_callbacks
):
    outsider = staff_user(organisation=world.org_a, email="autre-consultant@a.test")
    assistant = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="assist@a.test")
    emargement_url = f"/app/seances/{seance.public_id}/emargement/"
    demande_url = f"/app/seances/{seance.public_id}/emargement/demande/"
    pdf_url = f"/app/seances/bilans/{seance.bilan.public_id}/attestation-assiduite.pdf"

    # A consultant of the organisation who is not on the bilan: 404, never its existence
    # (need-to-know, domain rule 11; was 403 before beneficiaires/acces.py).
    client = login_as(outsider)
    assert client.get(emargement_url).status_code == 404
    assert client.post(emargement_url, {"action": "consultant"}).status_code == 404
    assert client.post(demande_url).status_code == 404
    assert client.get(pdf_url).status_code == 404

    # Assistants read, never act.
    client = login_as(assistant)
    assert client.get(emargement_url).status_code == 200
    assert client.post(emargement_url, {"action": "consultant"}).status_code == 403
    assert client.post(demande_url).status_code == 403

    # Another organisation: not found.
    client = login_as(world.consultant_b)
    assert client.get(emargement_url).status_code == 404
    assert client.post(demande_url).status_code == 404
    assert client.get(pdf_url).status_code == 404

    assert _count(world.org_a) == 0
    assert _count(world.org_a, DemandeEmargement) == 0

    # The admin may send the request; the associated consultant may too.
    with django_capture_on_commit_callbacks(execute=True):
        assert login_as(world.admin_a).post(demande_url).status_code == 302
    assert _count(world.org_a, DemandeEmargement) == 1
    with tenant_context(world.org_a):
        seance.bilan.consultants_associes.add(outsider)
    assert login_as(outsider).get(emargement_url).status_code == 200


def test_associated_consultant_cannot_sign_for_the_one_who_ran_it(world, login_as, seance):
    associe = staff_user(organisation=world.org_a, email="associe@a.test")
    with tenant_context(world.org_a):
        seance.bilan.consultants_associes.add(associe)
    client = login_as(associe)
    client.post(f"/app/seances/{seance.public_id}/emargement/", {"action": "consultant"})
    assert _count(world.org_a) == 0


# --- Financed minutes and the certificate -----------------------------------------------------


def test_financed_minutes_need_both_signatures_except_self_funded(world, bilan):
    signee = _seance(bilan, duree_realisee_minutes=60)
    a_moitie = _seance(bilan, duree_realisee_minutes=45)
    _seance(bilan, statut=Seance.Statut.PLANIFIEE)
    _sign_consultant(signee, world.consultant_a)
    _sign_beneficiaire_portail(signee, world.beneficiaire_user_a)
    _sign_consultant(a_moitie, world.consultant_a)
    with tenant_context(world.org_a):
        assert lecture.minutes_realisees_financables(bilan=bilan) == 60
        bilan.financement = Financement.PERSONNEL
        bilan.save(update_fields=["financement"])
        assert lecture.minutes_realisees_financables(bilan=bilan) == 105


def test_a_duration_raised_after_signing_counts_as_signed(world, bilan):
    seance = _seance(bilan, duree_realisee_minutes=60)
    _sign_consultant(seance, world.consultant_a)
    _sign_beneficiaire_portail(seance, world.beneficiaire_user_a)
    with tenant_context(world.org_a):
        Seance.objects.filter(pk=seance.pk).update(duree_realisee_minutes=120)
        seance.refresh_from_db()
        assert lecture.minutes_realisees_financables(bilan=bilan) == 60
        emargement = Emargement.objects.filter(seance=seance).first()
        assert lecture.seance_modifiee_depuis(seance=seance, emargement=emargement)


def test_attendance_certificate_shows_both_signatures_and_unsigned(world, login_as, bilan):
    signee = _seance(bilan, intitule="Entretien signé", duree_realisee_minutes=60)
    non_signee = _seance(
        bilan,
        intitule="Travail non signé",
        type="autre",
        debut=timezone.now() - timedelta(hours=2),
    )
    _sign_consultant(signee, world.consultant_a)
    with tenant_context(world.org_a):
        svc.emargement_signer(
            seance=signee,
            role=R.BENEFICIAIRE,
            signataire="Camille Tracée",
            user=world.consultant_a,
            methode=M.DESSIN,
            client=client_info(_request()),
            trace=_png_data_url(),
        )
    _sign_consultant(non_signee, world.consultant_a)

    client = login_as(world.consultant_a)
    response = client.get(f"/app/seances/bilans/{bilan.public_id}/attestation-assiduite.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = _pdf_text(response.content)
    assert "Attestation d'assiduité" in text or "Attestation d’assiduité" in text
    assert "Camille Tracée" in text
    assert lecture.utilisateur_nom_complet(user=world.consultant_a) in text
    assert "Non émargée" in text
    assert "Entretien signé" in text
    assert "Travail non signé" in text
    with tenant_context(world.org_a):
        e = Emargement.objects.get(seance=signee, role=R.BENEFICIAIRE)
        assert e.details_sha256[:16] in text.replace("\n", "")
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.DOWNLOAD,
            object_type="attestation_assiduite",
            object_id=bilan.public_id,
            actor=world.consultant_a,
        ).exists()
        # CPF: only the signed hour is claimable.
        assert lecture.minutes_realisees_financables(bilan=bilan) == 60
