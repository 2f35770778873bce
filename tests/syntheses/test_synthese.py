"""The synthèse: optimistic concurrency, sanitising, workflow order, portal reading, access
rights, audit of staff reads, immutability after signature, new version, comparison."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from beneficiaires.models import Bilan, StatutBilan
from bilan.core.models import AuditEvent, Role, SignatureRole, SignedDocument
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from syntheses import selectors
from syntheses.models import Synthese, SyntheseVersion
from syntheses.services import syntheses as services
from tests.factories.beneficiaires import beneficiaire_with_portal
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db

SECTIONS_OK = {
    "circonstances": "<p>Reconversion souhaitée après dix ans en logistique.</p>",
    "competences": "<p>Organisation, relation client.</p>",
}


def _bilan(world, **fields):
    values = {
        "statut": StatutBilan.EN_COURS,
        "phase": "conclusion",
        "date_debut_reelle": dt.date(2026, 9, 1),
        **fields,
    }
    return bilan_for(world.beneficiaire_a, **values)


@pytest.fixture
def synthese(world):
    bilan = _bilan(world)
    with tenant_context(world.org_a):
        return services.synthese_obtenir_ou_creer(bilan=bilan, par=world.consultant_a)


def _state(synthese):
    with tenant_context(synthese.organisation):
        s = Synthese.objects.get(pk=synthese.pk)
        return (
            s.statut,
            s.revision,
            s.validee_beneficiaire_le,
            s.validee_consultant_le,
            s.document_id,
            s.remise_le,
            SyntheseVersion.objects.filter(synthese=s).count(),
            SignedDocument.objects.filter(subject_id=s.public_id).count(),
            Bilan.objects.get(pk=s.bilan_id).statut,
        )


def _save(world, synthese, texts=None):
    with tenant_context(world.org_a):
        synthese.refresh_from_db()
        return services.synthese_enregistrer(
            synthese=synthese,
            revision=synthese.revision,
            sections=texts or SECTIONS_OK,
            par=world.consultant_a,
        )


def _shared(world, synthese):
    _save(world, synthese)
    with tenant_context(world.org_a):
        services.synthese_partager(synthese=synthese, par=world.consultant_a)
    return synthese


def _validated(world, synthese):
    _shared(world, synthese)
    with tenant_context(world.org_a):
        services.synthese_valider(
            synthese=synthese, role=SignatureRole.BENEFICIAIRE, par=world.beneficiaire_user_a
        )
        services.synthese_valider(
            synthese=synthese, role=SignatureRole.CONSULTANT, par=world.consultant_a
        )
    return synthese


def _signed(world, synthese, login_as):
    _validated(world, synthese)
    with tenant_context(world.org_a):
        services.synthese_emettre_pour_signature(synthese=synthese, par=world.consultant_a)
    staff = login_as(world.consultant_a)
    response = staff.post(f"/app/syntheses/{synthese.public_id}/signer/", {"accord": "on"})
    assert response.status_code == 302
    portal = login_as(world.beneficiaire_user_a)
    response = portal.post("/portail/synthese/signer/", {"accord": "on"})
    assert response.status_code == 302
    with tenant_context(world.org_a):
        synthese.refresh_from_db()
    assert synthese.statut == Synthese.Statut.SIGNEE
    return synthese


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- Creation, concurrency, sanitising --------------------------------------------------------


def test_synthese_not_started_in_the_preliminary_phase(world, login_as):
    bilan = _bilan(world, phase="preliminaire")
    with tenant_context(world.org_a), pytest.raises(ValidationError, match="investigation"):
        services.synthese_obtenir_ou_creer(bilan=bilan, par=world.consultant_a)
    response = login_as(world.consultant_a).get(f"/app/syntheses/bilans/{bilan.public_id}/")
    assert response.status_code == 302
    assert response["Location"] == f"/app/bilans/{bilan.public_id}/"
    with tenant_context(world.org_a):
        assert not Synthese.objects.filter(bilan=bilan).exists()


def test_synthese_drafted_in_investigation_but_shared_only_in_conclusion(world, login_as):
    """Drafting starts early (investigation phase): the consultant writes; sharing with the
    beneficiary is refused with the reason until the conclusion phase, nothing versioned."""
    bilan = _bilan(world, phase="investigation")
    client = login_as(world.consultant_a)
    response = client.post(f"/app/syntheses/bilans/{bilan.public_id}/commencer/")
    assert response.status_code == 302
    with tenant_context(world.org_a):
        synthese = Synthese.objects.get(bilan=bilan)
        services.synthese_enregistrer(
            synthese=synthese,
            revision=0,
            sections={"projets": "<p>Premières pistes</p>"},
            par=world.consultant_a,
        )
    response = client.post(f"/app/syntheses/{synthese.public_id}/partager/", follow=True)
    assert "se partage avec le ou la bénéficiaire pendant la phase de conclusion" in (
        response.content.decode()
    )
    with tenant_context(world.org_a):
        synthese.refresh_from_db()
        assert synthese.statut == Synthese.Statut.BROUILLON
        assert synthese.projets == "<p>Premières pistes</p>"
        assert not synthese.versions.exists()
        bilan.phase = "conclusion"
        bilan.save(update_fields=["phase"])
        services.synthese_partager(synthese=synthese, par=world.consultant_a)
        synthese.refresh_from_db()
        assert synthese.statut == Synthese.Statut.PARTAGEE


@pytest.mark.parametrize("statut", ["clos", "abandonne", "refuse"])
def test_no_synthese_starts_on_an_ended_bilan(world, login_as, statut):
    """A closed, abandoned or refused bilan never gets a new synthèse: neither the page nor the
    POST writes, and the consultant reads why, in French."""
    bilan = _bilan(world, statut=statut, phase="conclusion")
    client = login_as(world.consultant_a)
    response = client.get(f"/app/syntheses/bilans/{bilan.public_id}/", follow=True)
    assert response.redirect_chain == [(f"/app/bilans/{bilan.public_id}/", 302)]
    assert "une synthèse ne s&#x27;y commence plus" in response.content.decode()
    response = client.post(f"/app/syntheses/bilans/{bilan.public_id}/commencer/", follow=True)
    assert response.redirect_chain == [(f"/app/bilans/{bilan.public_id}/", 302)]
    assert "une synthèse ne s&#x27;y commence plus" in response.content.decode()
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError, match="ne s'y commence plus"):
            services.synthese_obtenir_ou_creer(bilan=bilan, par=world.consultant_a)
        assert not Synthese.objects.filter(bilan=bilan).exists()


def test_editor_offers_to_start_then_shows_the_seven_sections(world, login_as):
    """Opening the page writes nothing (a GET): it offers to start the synthèse; the POST
    creates it (was: created by the GET, issue 12 item 5)."""
    bilan = _bilan(world)
    client = login_as(world.consultant_a)
    url = f"/app/syntheses/bilans/{bilan.public_id}/"
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="synthese-absente"' in page
    assert f'action="/app/syntheses/bilans/{bilan.public_id}/commencer/"' in page
    assert 'name="revision"' not in page
    with tenant_context(world.org_a):
        assert not Synthese.objects.filter(bilan=bilan).exists()
    response = client.post(f"/app/syntheses/bilans/{bilan.public_id}/commencer/")
    assert response.status_code == 302
    assert response["Location"] == url + "#redaction"
    # Starting twice (a double click) keeps the one synthèse.
    assert client.post(f"/app/syntheses/bilans/{bilan.public_id}/commencer/").status_code == 302
    with tenant_context(world.org_a):
        assert Synthese.objects.filter(bilan=bilan).count() == 1
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for key in selectors.SECTION_KEYS:
        assert f'name="{key}"' in html
    assert 'name="revision"' in html
    assert html.count("<h1") == 1
    assert "js/autosave.js" in html
    assert "<script>" not in html
    with tenant_context(world.org_a):
        assert Synthese.objects.filter(bilan=bilan, revision=0).exists()


def test_revision_conflict_detected_and_nothing_overwritten(world, synthese):
    with tenant_context(world.org_a):
        services.synthese_enregistrer(
            synthese=synthese,
            revision=0,
            sections={"circonstances": "<p>Premier onglet</p>"},
            par=world.consultant_a,
        )
        assert synthese.revision == 1
        with pytest.raises(services.ConflitRevision) as exc:
            services.synthese_enregistrer(
                synthese=synthese,
                revision=0,
                sections={"circonstances": "<p>Second onglet</p>", "interets": ""},
                par=world.admin_a,
            )
        stored = Synthese.objects.get(pk=synthese.pk)
    assert stored.circonstances == "<p>Premier onglet</p>"
    assert stored.revision == 1
    assert stored.modifie_par == world.consultant_a
    assert "modifié ailleurs" in exc.value.messages[0]
    [difference] = exc.value.differences
    assert difference["key"] == "circonstances"
    assert difference["votre_texte"] == "<p>Second onglet</p>"
    assert difference["texte_enregistre"] == "<p>Premier onglet</p>"


def test_conflict_page_shows_both_texts(world, synthese, login_as):
    client = login_as(world.consultant_a)
    url = f"/app/syntheses/bilans/{synthese.bilan.public_id}/"
    data = {"revision": 0, "circonstances": "Version A"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {"revision": 0, "circonstances": "Version B"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Votre texte (non enregistré)" in html
    assert "Version A" in html
    assert "Version B" in html
    with tenant_context(world.org_a):
        assert Synthese.objects.get(pk=synthese.pk).circonstances == "Version A"


def test_autosave_json_revision_then_conflict(world, synthese, login_as):
    client = login_as(world.consultant_a)
    url = f"/app/syntheses/{synthese.public_id}/autosave/"
    response = client.post(url, {"revision": 0, "competences": "<p>Auto</p>"})
    assert response.status_code == 200
    assert response.json()["revision"] == 1
    assert response.json()["message"].startswith("Enregistré à ")
    response = client.post(url, {"revision": 0, "competences": "<p>Ancien</p>"})
    assert response.status_code == 409
    assert response.json()["conflit"] is True
    with tenant_context(world.org_a):
        assert Synthese.objects.get(pk=synthese.pk).competences == "<p>Auto</p>"


def test_sanitising_drops_script_and_file_images(world, synthese):
    dirty = (
        '<p onclick="x()">Texte <strong>fort</strong></p><script>alert("x")</script>'
        '<img src="file:///etc/passwd"><a href="file:///etc/shadow">lien</a>'
        '<a href="https://exemple.fr">ok</a>'
    )
    with tenant_context(world.org_a):
        services.synthese_enregistrer(
            synthese=synthese, revision=0, sections={"projets": dirty}, par=world.consultant_a
        )
        stored = Synthese.objects.get(pk=synthese.pk).projets
    assert "<script" not in stored
    assert "alert" not in stored
    assert "<img" not in stored
    assert "file:" not in stored
    assert "onclick" not in stored
    assert "<strong>fort</strong>" in stored
    # Links are off in the editor's allow-list: the text stays, no <a> at all.
    assert "<a" not in stored
    assert "href" not in stored
    assert stored.endswith("lienok")


def test_sanitising_keeps_the_toolbar_formatting_and_renames_browser_tags(world, synthese):
    """What the toolbar produces is kept as it is (bold, italic, headings, both lists, quotes);
    the browser's <b>, <i> and <div> become <strong>, <em> and <p>; no attribute survives."""
    html = (
        '<h3>Parcours</h3><h4 class="x">Étapes</h4><p><b>gras</b> et <i>italique</i></p>'
        '<div style="color:red">bloc</div><ul><li>un</li></ul><ol><li>deux</li></ol>'
        "<blockquote><p>citation</p></blockquote>"
    )
    with tenant_context(world.org_a):
        services.synthese_enregistrer(
            synthese=synthese, revision=0, sections={"projets": html}, par=world.consultant_a
        )
        stored = Synthese.objects.get(pk=synthese.pk).projets
    assert stored == (
        "<h3>Parcours</h3><h4>Étapes</h4><p><strong>gras</strong> et <em>italique</em></p>"
        "<p>bloc</p><ul><li>un</li></ul><ol><li>deux</li></ol>"
        "<blockquote><p>citation</p></blockquote>"
    )


# --- Rights and audit -------------------------------------------------------------------------


def test_assistant_and_other_consultant_get_403(world, synthese, login_as):
    assistant = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="assi@a.test")
    autre = staff_user(organisation=world.org_a, email="autre@a.test")
    urls = [
        ("get", f"/app/syntheses/bilans/{synthese.bilan.public_id}/"),
        ("get", f"/app/syntheses/{synthese.public_id}/versions/"),
        ("post", f"/app/syntheses/{synthese.public_id}/autosave/"),
        ("post", f"/app/syntheses/{synthese.public_id}/partager/"),
    ]
    # A consultant of the organisation who is not on the bilan: 404, never its existence
    # (need-to-know, domain rule 11; was 403 before beneficiaires/acces.py).
    for user, refus in ((assistant, 403), (autre, 404)):
        client = login_as(user)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == refus, (user, url)
    with tenant_context(world.org_a), pytest.raises(PermissionDenied):
        services.synthese_enregistrer(
            synthese=synthese, revision=0, sections={"projets": "x"}, par=assistant
        )
    # The admin may (need-to-know within the organisation).
    assert login_as(world.admin_a).get(urls[0][1]).status_code == 200


def test_every_staff_read_is_logged(world, synthese, login_as):
    client = login_as(world.consultant_a)
    client.get(f"/app/syntheses/bilans/{synthese.bilan.public_id}/")
    client.get(f"/app/syntheses/bilans/{synthese.bilan.public_id}/")
    client.get(f"/app/syntheses/{synthese.public_id}/versions/")
    with tenant_context(world.org_a):
        events = AuditEvent.objects.filter(object_type="synthese", object_id=synthese.public_id)
        assert events.count() == 3
        assert {e.actor for e in events} == {world.consultant_a}
        assert all(e.action == AuditEvent.Action.READ for e in events)
        assert all(e.beneficiaire == world.beneficiaire_a for e in events)


# --- Workflow ---------------------------------------------------------------------------------


def test_workflow_order_enforced_and_refusals_write_nothing(world, synthese):
    before = _state(synthese)
    refusals = [
        lambda: services.synthese_valider(
            synthese=synthese, role=SignatureRole.CONSULTANT, par=world.consultant_a
        ),
        lambda: services.synthese_emettre_pour_signature(synthese=synthese, par=world.consultant_a),
        lambda: services.synthese_remettre(
            synthese=synthese, mode="main propre", par=world.admin_a
        ),
        lambda: services.synthese_nouvelle_version(synthese=synthese, par=world.consultant_a),
        lambda: services.synthese_reviser(synthese=synthese, par=world.consultant_a),
        lambda: services.commentaire_ajouter(
            synthese=synthese, section="projets", texte="?", par=world.beneficiaire_user_a
        ),
        # Empty: nothing to share yet.
        lambda: services.synthese_partager(synthese=synthese, par=world.consultant_a),
    ]
    for refuse in refusals:
        with tenant_context(world.org_a), pytest.raises(ValidationError) as exc:
            refuse()
        assert exc.value.messages[0][0].isupper()  # a French sentence, not a code
        assert _state(synthese) == before

    _shared(world, synthese)
    shared = _state(synthese)
    with tenant_context(world.org_a):
        for refuse in (
            lambda: services.synthese_partager(synthese=synthese, par=world.consultant_a),
            lambda: services.synthese_emettre_pour_signature(
                synthese=synthese, par=world.consultant_a
            ),
            lambda: services.synthese_reviser(synthese=synthese, par=world.consultant_a),
        ):
            with pytest.raises(ValidationError):
                refuse()
            assert _state(synthese) == shared
    # The beneficiary cannot validate as the consultant, nor a consultant as the beneficiary.
    with tenant_context(world.org_a):
        with pytest.raises(PermissionDenied):
            services.synthese_valider(
                synthese=synthese, role=SignatureRole.CONSULTANT, par=world.beneficiaire_user_a
            )
        with pytest.raises(PermissionDenied):
            services.synthese_valider(
                synthese=synthese, role=SignatureRole.BENEFICIAIRE, par=world.consultant_a
            )
    assert _state(synthese) == shared


def test_validation_refused_with_unshared_edits_then_revision(world, synthese):
    _shared(world, synthese)
    _save(world, synthese, {"projets": "<p>Ajout après partage</p>"})
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError, match="modifié depuis la dernière version partagée"):
            services.synthese_valider(
                synthese=synthese, role=SignatureRole.BENEFICIAIRE, par=world.beneficiaire_user_a
            )
        version = services.synthese_reviser(synthese=synthese, par=world.consultant_a)
        assert version.motif == "Révisée"
        assert version.numero == 2
        assert synthese.statut == Synthese.Statut.REVISEE
        services.synthese_valider(
            synthese=synthese, role=SignatureRole.BENEFICIAIRE, par=world.beneficiaire_user_a
        )
        assert synthese.statut == Synthese.Statut.REVISEE
        services.synthese_valider(
            synthese=synthese, role=SignatureRole.CONSULTANT, par=world.consultant_a
        )
        assert synthese.statut == Synthese.Statut.VALIDEE
        assert selectors.derniere_version_obtenir(synthese=synthese).motif == "Validée"


def test_full_flow_sign_then_immutable_then_new_version_keeps_signed_document(
    world, synthese, login_as
):
    _signed(world, synthese, login_as)
    with tenant_context(world.org_a):
        document = SignedDocument.objects.get(pk=synthese.document_id)
        assert document.status == SignedDocument.Status.SIGNE
        assert set(document.signatures.values_list("role", flat=True)) == {
            "beneficiaire",
            "consultant",
        }
        signed_version = SyntheseVersion.objects.get(synthese=synthese, document=document)
        text = _pdf_text(document.issued_pdf.open("rb").read())
    assert "L6313-4" in text
    assert "Reconversion souhaitée" in text
    assert "Circonstances du bilan" in text

    # Immutable: every edit refused, nothing written.
    before = _state(synthese)
    with tenant_context(world.org_a):
        for refuse in (
            lambda: services.synthese_enregistrer(
                synthese=synthese,
                revision=synthese.revision,
                sections={"projets": "x"},
                par=world.consultant_a,
            ),
            lambda: services.etape_ajouter(synthese=synthese, intitule="x", par=world.consultant_a),
            lambda: services.critere_ajouter(
                synthese=synthese, libelle="x", poids=2, par=world.consultant_a
            ),
            lambda: services.ecart_ajouter(
                synthese=synthese,
                competence="x",
                niveau_actuel=1,
                niveau_requis=2,
                par=world.consultant_a,
            ),
            lambda: services.synthese_reviser(synthese=synthese, par=world.consultant_a),
        ):
            with pytest.raises(ValidationError, match="signée"):
                refuse()
    assert _state(synthese) == before
    client = login_as(world.consultant_a)
    with tenant_context(world.org_a):
        bilan_id = synthese.bilan.public_id
    html = client.get(f"/app/syntheses/bilans/{bilan_id}/").content.decode()
    assert "La synthèse est signée : elle ne se modifie plus." in html
    assert 'id="form-synthese"' not in html
    assert "Corriger : créer une nouvelle version" in html
    response = client.get(f"/app/syntheses/{synthese.public_id}/documents/{document.public_id}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    response = client.post(
        f"/app/syntheses/{synthese.public_id}/autosave/",
        {"revision": synthese.revision, "projets": "x"},
    )
    assert response.status_code == 400
    assert "signée" in response.json()["erreur"]
    assert _state(synthese) == before

    # Correction: a new version reopens as revisee; the signed document and version are kept.
    with tenant_context(world.org_a):
        services.synthese_nouvelle_version(synthese=synthese, par=world.consultant_a)
        assert synthese.statut == Synthese.Statut.REVISEE
        assert synthese.document_id is None
        document.refresh_from_db()
        signed_version.refresh_from_db()
        assert document.status == SignedDocument.Status.SIGNE
        assert signed_version.document_id == document.pk
    _save(world, synthese, {"projets": "<p>Projet corrigé</p>"})
    with tenant_context(world.org_a):
        services.synthese_reviser(synthese=synthese, par=world.consultant_a)
        services.synthese_valider(
            synthese=synthese, role=SignatureRole.BENEFICIAIRE, par=world.beneficiaire_user_a
        )
        services.synthese_valider(
            synthese=synthese, role=SignatureRole.CONSULTANT, par=world.consultant_a
        )
        second = services.synthese_emettre_pour_signature(synthese=synthese, par=world.consultant_a)
        assert second.version == 2
        assert second.pk != document.pk
        assert SignedDocument.objects.get(pk=document.pk).status == SignedDocument.Status.SIGNE

    # The beneficiary can still download the first signed version.
    portal = login_as(world.beneficiaire_user_a)
    response = portal.get(f"/portail/synthese/documents/{document.public_id}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_handover_requires_signature_and_moves_the_bilan(world, synthese, login_as):
    _signed(world, synthese, login_as)
    # Without a realised conclusion interview, the bilan's own rule refuses: nothing written.
    before = _state(synthese)
    with (
        tenant_context(world.org_a),
        pytest.raises(ValidationError, match="entretien individuel réalisé"),
    ):
        services.synthese_remettre(synthese=synthese, mode="En main propre", par=world.admin_a)
    assert _state(synthese) == before
    with tenant_context(world.org_a):
        Seance.objects.create(
            organisation=world.org_a,
            bilan=synthese.bilan,
            consultant=world.consultant_a,
            phase="conclusion",
            type="entretien",
            intitule="Entretien de conclusion",
            debut=timezone.now() - dt.timedelta(days=1),
            duree_minutes=60,
            duree_realisee_minutes=60,
            modalite="telephone",
            statut=Seance.Statut.REALISEE,
        )
        with pytest.raises(ValidationError):
            services.synthese_remettre(synthese=synthese, mode=" ", par=world.admin_a)
        services.synthese_remettre(synthese=synthese, mode="En main propre", par=world.admin_a)
        assert synthese.statut == Synthese.Statut.REMISE
        assert synthese.remise_le is not None
        assert synthese.remise_mode == "En main propre"
        assert Bilan.objects.get(pk=synthese.bilan_id).statut == StatutBilan.SYNTHESE_REMISE


# --- Portal -----------------------------------------------------------------------------------


def test_beneficiary_sees_only_the_shared_version(world, synthese, login_as):
    _save(world, synthese, {"circonstances": "<p>BROUILLON-INITIAL</p>"})
    portal = login_as(world.beneficiaire_user_a)
    response = portal.get("/portail/synthese/")
    assert response.status_code == 200
    assert "BROUILLON-INITIAL" not in response.content.decode()
    assert "pas encore partagé" in response.content.decode()
    assert portal.post("/portail/synthese/valider/").status_code == 404

    with tenant_context(world.org_a):
        services.synthese_partager(synthese=synthese, par=world.consultant_a)
    _save(world, synthese, {"circonstances": "<p>BROUILLON-APRES-PARTAGE</p>"})
    html = portal.get("/portail/synthese/").content.decode()
    assert "BROUILLON-INITIAL" in html
    assert "BROUILLON-APRES-PARTAGE" not in html
    assert html.count("<h1") == 1

    # The beneficiary's own reads are not staff reads.
    with tenant_context(world.org_a):
        assert not AuditEvent.objects.filter(object_type="synthese").exists()


def test_beneficiary_comments_and_validates_in_the_portal(world, synthese, login_as):
    _shared(world, synthese)
    portal = login_as(world.beneficiaire_user_a)
    response = portal.post(
        "/portail/synthese/commenter/", {"section": "competences", "texte": "Ajouter l'anglais."}
    )
    assert response.status_code == 302
    response = portal.post("/portail/synthese/commenter/", {"section": "inconnue", "texte": "x"})
    assert response.status_code == 302
    with tenant_context(world.org_a):
        [commentaire] = synthese.commentaires.all()
        assert commentaire.section == "competences"
        assert commentaire.auteur == world.beneficiaire_user_a
        assert commentaire.version.motif == "Partagée"
    staff_html = login_as(world.consultant_a).get(
        f"/app/syntheses/bilans/{synthese.bilan.public_id}/"
    )
    assert "Ajouter l&#x27;anglais." in staff_html.content.decode()
    assert portal.post("/portail/synthese/valider/").status_code == 302
    with tenant_context(world.org_a):
        synthese.refresh_from_db()
    assert synthese.validee_beneficiaire_le is not None
    assert synthese.statut == Synthese.Statut.PARTAGEE


def test_other_beneficiaries_cannot_see_it(world, synthese, login_as):
    _signed(world, synthese, login_as)
    with tenant_context(world.org_a):
        document_id = synthese.document.public_id
    _other, other_user = beneficiaire_with_portal(
        organisation=world.org_a, consultant=world.consultant_a, email="eve@exemple.test"
    )
    for user in (other_user, world.beneficiaire_user_b):
        client = login_as(user)
        html = client.get("/portail/synthese/").content.decode()
        assert "Reconversion souhaitée" not in html
        assert client.get(f"/portail/synthese/documents/{document_id}/").status_code == 404
        assert client.post("/portail/synthese/commenter/", {"section": "projets"}).status_code in (
            302,
            404,
        )
        assert client.post("/portail/synthese/signer/", {"accord": "on"}).status_code == 404
    # Staff of the other organisation: 404.
    client = login_as(world.consultant_b)
    assert client.get(f"/app/syntheses/{synthese.public_id}/versions/").status_code == 404


# --- Versions ---------------------------------------------------------------------------------


def test_comparison_shows_the_change(world, synthese, login_as):
    _shared(world, synthese)
    _save(
        world, synthese, {"competences": "<p>Organisation, relation client, <em>anglais</em>.</p>"}
    )
    with tenant_context(world.org_a):
        services.synthese_reviser(synthese=synthese, par=world.consultant_a)
    response = login_as(world.consultant_a).get(
        f"/app/syntheses/{synthese.public_id}/versions/?a=1&b=2"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<ins>" in html
    assert "anglais" in html
    assert '<span class="visually-hidden">[ajouté :] </span>' in html
    assert "<em>" not in html.split("Différences")[1]  # compared as escaped text
    assert "Inchangé." in html
    bad = login_as(world.consultant_a).get(
        f"/app/syntheses/{synthese.public_id}/versions/?a=1&b=99"
    )
    assert "Ces numéros de version n'existent pas." in bad.content.decode()


def test_the_generic_documents_page_sends_the_synthese_to_its_own_page(world, synthese, login_as):
    """The synthèse PDF also shows in the portal's « Mes documents »: it is signed on the
    synthèse page (after the shared reading), never from the generic list."""
    _validated(world, synthese)
    with tenant_context(world.org_a):
        document = services.synthese_emettre_pour_signature(
            synthese=synthese, par=world.consultant_a
        )
    portal = login_as(world.beneficiaire_user_a)
    assert "Lire et signer ma synthèse" in portal.get("/portail/documents/").content.decode()
    response = portal.post(f"/portail/documents/{document.public_id}/signer/", {"accord": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/portail/synthese/"
    with tenant_context(world.org_a):
        document.refresh_from_db()
        assert document.status == SignedDocument.Status.EMIS
        assert not document.signatures.filter(role="beneficiaire").exists()


def test_the_last_signature_makes_the_synthese_signee_without_it_being_read(world, synthese):
    """The after-signature handler of the ``synthese`` kind records the state when the document
    is signed, whatever the entry point: nothing repairs it later on read."""
    from bilan.core.signatures import MethodeAuthentification, document_signer

    _validated(world, synthese)
    with tenant_context(world.org_a):
        document = services.synthese_emettre_pour_signature(
            synthese=synthese, par=world.consultant_a
        )
        document_signer(
            document=document,
            role=SignatureRole.CONSULTANT,
            user=world.consultant_a,
            client=None,
            methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
        )
        assert Synthese.objects.get(pk=synthese.pk).statut == Synthese.Statut.VALIDEE
        document_signer(
            document=document,
            role=SignatureRole.BENEFICIAIRE,
            user=world.beneficiaire_user_a,
            client=None,
            methode=MethodeAuthentification.SESSION_CODE_COURRIEL,
        )
        assert Synthese.objects.get(pk=synthese.pk).statut == Synthese.Statut.SIGNEE
