"""Guided personal work: consigne, submission in the portal within the 24 hours, feedback."""

import datetime as dt
import html
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from beneficiaires.models import Bilan, Phase, StatutBilan
from bilan.core import formatting
from bilan.core.models import AuditEvent, Role
from bilan.core.tenancy import tenant_context
from seances.models import Consigne, Rendu, RenduFichier, Seance
from seances.selectors import travail as lecture
from seances.services import travail
from tests.factories.beneficiaires import beneficiaire_with_portal
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db
DEMAIN = timezone.now() + dt.timedelta(days=1)


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _bilan(world, **fields):
    values = {"statut": StatutBilan.EN_COURS, "phase": Phase.INVESTIGATION, **fields}
    return bilan_for(world.beneficiaire_a, **values)


def _seance(org, bilan, *, minutes=60, type="travail_personnel"):
    with tenant_context(org):
        return Seance.objects.create(
            organisation=org,
            bilan=bilan,
            consultant=bilan.consultant,
            phase=Phase.INVESTIGATION,
            type=type,
            intitule="Travail sur les centres d'intérêt",
            debut=DEMAIN,
            duree_minutes=minutes,
            modalite="autonomie" if type == "travail_personnel" else "telephone",
        )


def _consigne(world, seance, **fields):
    values = {
        "titre": "Questionnaire d'intérêts",
        "consignes": "Remplissez le questionnaire puis notez trois métiers.",
        "ressources": "https://www.onisep.fr",
        "echeance": dt.date.today() + dt.timedelta(days=7),
        "temps_attendu_minutes": 60,
        **fields,
    }
    with tenant_context(world.org_a):
        return travail.consigne_creer(seance=seance, par=world.consultant_a, **values)


def _pdf(name="reponse.pdf", content=b"%PDF-1.4 travail"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _minutes(world, bilan) -> int:
    with tenant_context(world.org_a):
        return Bilan.objects.get(pk=bilan.pk).minutes_comptees


def _stored_rendus(org) -> list[Path]:
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"]) / f"org-{org.pk}" / "rendus"
    return sorted(root.glob("*")) if root.exists() else []


@pytest.fixture
def monde(world):
    bilan = _bilan(world)
    seance = _seance(world.org_a, bilan)
    consigne = _consigne(world, seance)
    return bilan, seance, consigne


# --- Consignes ----------------------------------------------------------------------------


def test_consigne_only_on_a_personal_work_seance(world):
    bilan = _bilan(world)
    entretien = _seance(world.org_a, bilan, type="entretien")
    with pytest.raises(ValidationError, match="travail personnel guidé"):
        _consigne(world, entretien)
    with tenant_context(world.org_a):
        assert not Consigne.objects.exists()


def test_consigne_refused_on_a_closed_bilan_and_twice(world):
    bilan = _bilan(world)
    seance = _seance(world.org_a, bilan)
    _consigne(world, seance)
    with pytest.raises(ValidationError, match="déjà une consigne"):
        _consigne(world, seance)
    with tenant_context(world.org_a):
        Bilan.objects.filter(pk=bilan.pk).update(statut=StatutBilan.ABANDONNE)
    autre = _seance(world.org_a, bilan)
    with pytest.raises(ValidationError, match="abandonné"):
        _consigne(world, _reload(world, autre))


def _reload(world, seance):
    with tenant_context(world.org_a):
        return Seance.objects.select_related("bilan").get(pk=seance.pk)


def test_consigne_text_is_sanitised_to_plain_text(world):
    bilan = _bilan(world)
    consigne = _consigne(
        world,
        _seance(world.org_a, bilan),
        consignes="<p>Lisez <b>ceci</b></p><script>alert(1)</script>",
        ressources='<a href="javascript:x">lien</a> & co',
    )
    assert consigne.consignes == "Lisez ceci"
    assert consigne.ressources == "lien & co"


def test_consigne_written_only_by_the_bilans_consultants_and_admins(world, login_as):
    bilan = _bilan(world)
    seance = _seance(world.org_a, bilan)
    autre = staff_user(organisation=world.org_a, email="autre@a.test")
    assistant = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="assist@a.test")
    url = f"/app/travail/seances/{seance.public_id}/consigne/"
    data = {"titre": "T", "consignes": "Faire", "temps_attendu_minutes": 60}
    # A consultant of the organisation who is not on the bilan: 404, never its existence
    # (need-to-know, domain rule 11; was 403 before beneficiaires/acces.py).
    assert login_as(autre).post(url, data).status_code == 404
    assert login_as(assistant).post(url, data).status_code == 403
    with tenant_context(world.org_a):
        assert not Consigne.objects.exists()
    with pytest.raises(PermissionDenied), tenant_context(world.org_a):
        travail.consigne_creer(
            seance=seance, par=autre, titre="T", consignes="F", temps_attendu_minutes=60
        )
    client = login_as(world.admin_a)
    assert client.get(url).status_code == 200
    response = client.post(url, data)
    assert response.status_code == 302
    with tenant_context(world.org_a):
        consigne = Consigne.objects.get()
    assert response["Location"] == f"/app/travail/consignes/{consigne.public_id}/"


def test_consigne_page_is_french_with_one_h1_and_labels(world, login_as, monde):
    _bilan_, seance, _c = monde
    with tenant_context(world.org_a):
        autre = _seance(world.org_a, _bilan_)
    page = _page(
        login_as(world.consultant_a).get(f"/app/travail/seances/{autre.public_id}/consigne/")
    )
    assert page.count("<h1") == 1
    assert '<html lang="fr"' in page
    assert 'for="id_consignes"' in page
    assert 'for="id_temps_attendu_minutes"' in page
    assert "style=" not in page
    assert "onclick" not in page


# --- Submission ---------------------------------------------------------------------------


def test_submission_counts_in_the_budget(world, monde):
    bilan, seance, consigne = monde
    avant = _minutes(world, bilan)
    assert avant == 60
    with tenant_context(world.org_a):
        rendu = travail.rendu_soumettre(
            consigne=consigne,
            texte="Mes trois métiers",
            temps_declare_minutes=90,
            fichiers=[_pdf()],
            par=world.beneficiaire_user_a,
        )
        seance.refresh_from_db()
        assert rendu.fichiers.count() == 1
        fichier = rendu.fichiers.get()
    assert seance.statut == Seance.Statut.REALISEE
    assert seance.duree_realisee_minutes == 90
    assert _minutes(world, bilan) == avant + (max(60, 90) - 60)
    assert len(fichier.sha256) == 64
    assert fichier.type_mime == "application/pdf"


def test_declaring_less_than_planned_keeps_the_planned_time(world, monde):
    bilan, _seance_, consigne = monde
    with tenant_context(world.org_a):
        travail.rendu_soumettre(
            consigne=consigne,
            texte="Fait",
            temps_declare_minutes=30,
            fichiers=[],
            par=world.beneficiaire_user_a,
        )
    assert _minutes(world, bilan) == 60


def test_regle_02_travail_personnel_declare_au_dela_de_24_heures_refuse(world, monde):
    bilan, seance, consigne = monde
    for minutes in (480, 480, 420):  # 23 h with the 1 h of personal work: 1 h left for it
        _seance(world.org_a, bilan, minutes=minutes, type="entretien")
    assert _minutes(world, bilan) == 24 * 60
    fichiers_avant = _stored_rendus(world.org_a)
    with pytest.raises(ValidationError) as exc, tenant_context(world.org_a):
        travail.rendu_soumettre(
            consigne=consigne,
            texte="Réponse",
            temps_declare_minutes=120,
            fichiers=[_pdf()],
            par=world.beneficiaire_user_a,
        )
    message = " ".join(exc.value.messages)
    assert "24 heures" in message
    assert "il reste 1 h" in message
    with tenant_context(world.org_a):
        assert not Rendu.objects.exists()
        assert not RenduFichier.objects.exists()
        seance.refresh_from_db()
    assert seance.statut == Seance.Statut.PLANIFIEE
    assert seance.duree_realisee_minutes is None
    assert _minutes(world, bilan) == 24 * 60
    assert _stored_rendus(world.org_a) == fichiers_avant


def test_over_24_hours_in_the_portal_shows_the_hours_left_at_the_field(world, login_as, monde):
    bilan, _seance_, consigne = monde
    for minutes in (480, 480, 390):  # 1 h 30 left for the personal work
        _seance(world.org_a, bilan, minutes=minutes, type="entretien")
    client = login_as(world.beneficiaire_user_a)
    response = client.post(
        f"/portail/travail/{consigne.public_id}/",
        {"texte": "Réponse", "temps_declare_minutes": 150, "fichiers": [_pdf()]},
    )
    assert response.status_code == 200
    assert "il reste 1 h 30" in _page(response)
    assert response.context["form"].errors["temps_declare_minutes"]
    with tenant_context(world.org_a):
        assert not Rendu.objects.exists()
    assert _stored_rendus(world.org_a) == []


def test_file_type_and_size_errors_at_the_field(world, login_as, monde):
    _bilan_, _seance_, consigne = monde
    client = login_as(world.beneficiaire_user_a)
    url = f"/portail/travail/{consigne.public_id}/"
    exe = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(url, {"texte": "x", "temps_declare_minutes": 60, "fichiers": [exe]})
    errors = response.context["form"].errors["fichiers"]
    assert "Type de fichier non accepté" in errors[0]
    faux = SimpleUploadedFile("cv.pdf", b"MZ pas un pdf", content_type="application/pdf")
    response = client.post(url, {"texte": "x", "temps_declare_minutes": 60, "fichiers": [faux]})
    assert "ne correspond pas" in response.context["form"].errors["fichiers"][0]
    gros = SimpleUploadedFile("gros.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), "application/pdf")
    response = client.post(url, {"texte": "x", "temps_declare_minutes": 60, "fichiers": [gros]})
    assert "10 Mo" in response.context["form"].errors["fichiers"][0]
    six = [_pdf(f"f{i}.pdf") for i in range(6)]
    response = client.post(url, {"texte": "x", "temps_declare_minutes": 60, "fichiers": six})
    assert "5 fichiers au plus" in response.context["form"].errors["fichiers"][0]
    page = _page(response)
    assert 'for="id_fichiers"' in page
    assert 'enctype="multipart/form-data"' in page
    with tenant_context(world.org_a):
        assert not Rendu.objects.exists()
    assert _stored_rendus(world.org_a) == []


def test_service_checks_files_too(world, monde):
    _bilan_, _seance_, consigne = monde
    exe = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as exc, tenant_context(world.org_a):
        travail.rendu_soumettre(
            consigne=consigne,
            texte="x",
            temps_declare_minutes=60,
            fichiers=[exe],
            par=world.beneficiaire_user_a,
        )
    assert "fichiers" in exc.value.error_dict
    with pytest.raises(ValidationError, match="Écrivez votre réponse"), tenant_context(world.org_a):
        travail.rendu_soumettre(
            consigne=consigne,
            texte="  ",
            temps_declare_minutes=60,
            fichiers=[],
            par=world.beneficiaire_user_a,
        )


def test_portal_submission_then_edit_keeps_files_until_feedback(world, login_as, monde):
    bilan, _seance_, consigne = monde
    client = login_as(world.beneficiaire_user_a)
    url = f"/portail/travail/{consigne.public_id}/"
    page = _page(client.get(url))
    assert page.count("<h1") == 1
    assert "Remplissez le questionnaire" in page
    assert 'for="id_temps_declare_minutes"' in page
    response = client.post(
        url, {"texte": "Premier jet", "temps_declare_minutes": 60, "fichiers": [_pdf()]}
    )
    assert response.status_code == 302
    response = client.post(
        url, {"texte": "Version finale", "temps_declare_minutes": 75, "fichiers": [_pdf("b.pdf")]}
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        rendu = Rendu.objects.get()
        assert rendu.texte == "Version finale"
        assert rendu.temps_declare_minutes == 75
        assert rendu.fichiers.count() == 2
    assert _minutes(world, bilan) == 75
    liste = _page(client.get("/portail/travail/"))
    assert "Questionnaire d'intérêts" in liste
    assert "en attente de retour" in liste


def test_feedback_locks_the_submission(world, login_as, monde):
    _bilan_, _seance_, consigne = monde
    with tenant_context(world.org_a):
        rendu = travail.rendu_soumettre(
            consigne=consigne,
            texte="Ma réponse",
            temps_declare_minutes=60,
            fichiers=[_pdf()],
            par=world.beneficiaire_user_a,
        )
    staff = login_as(world.consultant_a)
    url = f"/app/travail/consignes/{consigne.public_id}/"
    page = _page(staff.get(url))
    assert "Ma réponse" in page
    assert page.count("<h1") == 1
    with tenant_context(world.org_a):
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.READ, object_id=consigne.public_id
        ).exists()
        fichier = rendu.fichiers.get()
    download = staff.get(
        f"/app/travail/consignes/{consigne.public_id}/fichiers/{fichier.public_id}/"
    )
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF")
    with tenant_context(world.org_a):
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.DOWNLOAD,
            object_id=fichier.public_id,
            beneficiaire=world.beneficiaire_a,
        ).exists()
    assert staff.post(url, {"retour": ""}).status_code == 200  # required, error at the field
    assert staff.post(url, {"retour": "Très bon travail."}).status_code == 302
    with tenant_context(world.org_a):
        rendu.refresh_from_db()
    assert rendu.retour == "Très bon travail."
    assert rendu.retour_par == world.consultant_a

    with pytest.raises(ValidationError, match="retour"), tenant_context(world.org_a):
        travail.rendu_soumettre(
            consigne=consigne,
            texte="Changement",
            temps_declare_minutes=60,
            fichiers=[],
            par=world.beneficiaire_user_a,
        )
    portail = login_as(world.beneficiaire_user_a)
    response = portail.post(
        f"/portail/travail/{consigne.public_id}/",
        {"texte": "Changement", "temps_declare_minutes": 60},
    )
    assert response.status_code == 302
    page = _page(portail.get(f"/portail/travail/{consigne.public_id}/"))
    assert "Très bon travail." in page
    assert 'name="texte"' not in page
    with tenant_context(world.org_a):
        rendu.refresh_from_db()
        assert rendu.texte == "Ma réponse"
    with pytest.raises(ValidationError, match="déjà"), tenant_context(world.org_a):
        travail.rendu_retour_enregistrer(rendu=rendu, retour="Encore", par=world.consultant_a)


def test_assistant_reads_but_cannot_give_feedback(world, login_as, monde):
    _bilan_, _seance_, consigne = monde
    with tenant_context(world.org_a):
        travail.rendu_soumettre(
            consigne=consigne,
            texte="Réponse",
            temps_declare_minutes=60,
            fichiers=[],
            par=world.beneficiaire_user_a,
        )
    assistant = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="as@a.test")
    client = login_as(assistant)
    url = f"/app/travail/consignes/{consigne.public_id}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"retour": "Bien"}).status_code == 403
    autre = staff_user(organisation=world.org_a, email="autre2@a.test")
    # A consultant of the organisation who is not on the bilan: 404, never its existence
    # (need-to-know, domain rule 11; was 403 before beneficiaires/acces.py).
    assert login_as(autre).get(url).status_code == 404
    with tenant_context(world.org_a):
        assert Rendu.objects.get().retour_le is None


def test_other_beneficiaries_get_404_and_nothing_is_written(world, login_as, monde):
    _bilan_, _seance_, consigne = monde
    voisin, voisin_user = beneficiaire_with_portal(
        organisation=world.org_a, consultant=world.consultant_a, email="voisin@exemple.test"
    )
    for user in (world.beneficiaire_user_b, voisin_user):
        client = login_as(user)
        url = f"/portail/travail/{consigne.public_id}/"
        assert client.get(url).status_code == 404
        response = client.post(
            url, {"texte": "Intrus", "temps_declare_minutes": 60, "fichiers": [_pdf()]}
        )
        assert response.status_code == 404
        assert consigne.titre not in _page(client.get("/portail/travail/"))
    with pytest.raises(PermissionDenied), tenant_context(world.org_a):
        travail.rendu_soumettre(
            consigne=consigne,
            texte="Intrus",
            temps_declare_minutes=60,
            fichiers=[],
            par=voisin_user,
        )
    with tenant_context(world.org_a):
        assert not Rendu.objects.exists()
    assert _stored_rendus(world.org_a) == []
    assert (
        login_as(world.consultant_b)
        .get(f"/app/travail/consignes/{consigne.public_id}/")
        .status_code
        == 404
    )


def test_selectors(world, monde):
    bilan, _seance_, consigne = monde
    with tenant_context(world.org_a):
        lignes = lecture.consignes_du_bilan(bilan=bilan)
        assert [ligne.consigne for ligne in lignes] == [consigne]
        assert lignes[0].etat == lecture.EtatConsigne.A_FAIRE
        assert [
            ligne.consigne
            for ligne in lecture.consignes_du_beneficiaire(beneficiaire=world.beneficiaire_a)
        ] == [consigne]
        voisin, _u = beneficiaire_with_portal(organisation=world.org_a, email="v2@exemple.test")
        assert lecture.consignes_du_beneficiaire(beneficiaire=voisin) == []


def test_staff_bilan_page_lists_consignes(world, login_as, monde):
    bilan, _seance_, _consigne_ = monde
    page = _page(login_as(world.consultant_a).get(f"/app/travail/bilans/{bilan.public_id}/"))
    assert "Questionnaire d'intérêts" in page
    assert page.count("<h1") == 1


def test_duree_fr():
    assert formatting.duree_fr(minutes=90) == "1 h 30"
    assert formatting.duree_fr(minutes=120) == "2 h"
    assert formatting.duree_fr(minutes=45) == "45 min"
