"""Questionnaires end to end (without a browser): assignment, answering in the portal with
save and resume, results hidden until released, release, agreement for the synthèse,
need-to-know (outsiders get 404 and nothing changes), journal of reads, purge with the bilan."""

import datetime as dt

import pytest
from django.utils import timezone

from bilan.core.models import AuditEvent, Role
from bilan.core.tenancy import tenant_context
from exploration.instruments import IPIP_NEO_120, RIASEC_48, VALEURS, instrument
from exploration.models import Passation
from exploration.selectors.questionnaires import (
    passations_pour_synthese,
    profil_riasec_publie,
)
from exploration.services import questionnaires as services
from seances.models import Seance
from syntheses.models import Purge
from syntheses.selectors import synthese_materiaux
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user
from tests.syntheses.test_retention import Dossier

pytestmark = pytest.mark.django_db


def _seance(world, bilan, *, type="questionnaire", modalite="presentiel"):
    with tenant_context(world.org_a):
        return Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            consultant=world.consultant_a,
            phase="investigation",
            type=type,
            intitule="Passation de questionnaires",
            debut=timezone.now() + dt.timedelta(days=1),
            duree_minutes=60,
            modalite=modalite,
        )


@pytest.fixture
def bilan(world):
    return bilan_for(world.beneficiaire_a, statut="en_cours", phase="investigation")


@pytest.fixture
def passation(world, bilan):
    seance = _seance(world, bilan)
    with tenant_context(world.org_a):
        return services.passation_assigner(
            bilan=bilan, seance=seance, instrument_code=IPIP_NEO_120, par=world.consultant_a
        )


def _tout_repondre(world, passation, valeur=4):
    inst = instrument(passation.instrument)
    with tenant_context(world.org_a):
        services.passation_repondre(
            passation=passation,
            reponses={i.id: valeur for i in inst.items},
            page=1,
            par=world.beneficiaire_user_a,
        )
        return services.passation_terminer(passation=passation, par=world.beneficiaire_user_a)


def _url_app(p, suffixe=""):
    return f"/app/exploration/questionnaires/{p.public_id}/{suffixe}"


def _url_portail(p, suffixe=""):
    return f"/portail/exploration/questionnaires/{p.public_id}/{suffixe}"


# --- Assignment ----------------------------------------------------------------------------------


def test_le_consultant_propose_un_questionnaire_depuis_le_bilan(world, bilan, login_as):
    seance = _seance(world, bilan)
    client = login_as(world.consultant_a)
    url = f"/app/exploration/bilans/{bilan.public_id}/questionnaires/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"instrument": IPIP_NEO_120, "seance": seance.public_id})
    assert response.status_code == 302
    with tenant_context(world.org_a):
        p = Passation.objects.get()
    assert (p.instrument, p.modalite, p.statut) == (IPIP_NEO_120, "seance", "a_faire")
    # The same instrument twice while the first is open: refused at the field, nothing written.
    response = client.post(url, {"instrument": IPIP_NEO_120, "seance": seance.public_id})
    assert response.status_code == 400
    assert "déjà en cours" in response.content.decode()
    with tenant_context(world.org_a):
        assert Passation.objects.count() == 1


def test_en_travail_personnel_guide_la_seance_garde_les_heures(world, bilan):
    seance = _seance(world, bilan, type="travail_personnel", modalite="autonomie")
    with tenant_context(world.org_a):
        avant = type(bilan).objects.get(pk=bilan.pk).minutes_comptees
        p = services.passation_assigner(
            bilan=bilan, seance=seance, instrument_code=RIASEC_48, par=world.consultant_a
        )
        assert p.modalite == "travail"
        # Assigning adds no minute: the séance holds the time (24-hour rules unchanged).
        assert type(bilan).objects.get(pk=bilan.pk).minutes_comptees == avant


@pytest.mark.parametrize("qui", ["consultant_b", "non_assigne", "beneficiaire_user_b"])
def test_regle_11_un_tiers_ne_propose_rien(world, bilan, login_as, qui):
    seance = _seance(world, bilan)
    if qui == "non_assigne":
        user = staff_user(organisation=world.org_a, email="autre@a.test")
    else:
        user = getattr(world, qui)
    client = login_as(user)
    url = f"/app/exploration/bilans/{bilan.public_id}/questionnaires/"
    response = client.post(url, {"instrument": IPIP_NEO_120, "seance": seance.public_id})
    assert response.status_code in {302, 404} if qui.startswith("beneficiaire") else {404}
    if response.status_code == 302:
        assert response["Location"].startswith("/portail/")
    with tenant_context(world.org_a):
        assert not Passation.objects.exists()


def test_un_assistant_ne_voit_pas_les_questionnaires(world, bilan, passation, login_as):
    assistant = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="as@a.test")
    client = login_as(assistant)
    assert (
        client.get(f"/app/exploration/bilans/{bilan.public_id}/questionnaires/").status_code == 403
    )
    assert client.get(_url_app(passation)).status_code == 403


# --- Answering in the portal -------------------------------------------------------------------


def test_repondre_par_pages_enregistrer_et_reprendre(world, passation, login_as):
    client = login_as(world.beneficiaire_user_a)
    page = client.get(_url_portail(passation)).content.decode()
    assert "Question 1 sur 120" in page
    assert "Question 10 sur 120" in page
    assert "Question 11 sur 120" not in page
    assert "<fieldset" in page
    assert "<legend" in page
    reponses = {f"q-{n}": "4" for n in range(1, 11)}
    response = client.post(_url_portail(passation), {"page": "1", "action": "pause", **reponses})
    assert response.status_code == 302
    with tenant_context(world.org_a):
        passation.refresh_from_db()
    assert passation.statut == "en_cours"
    assert passation.reponses == {str(n): 4 for n in range(1, 11)}
    # Resuming opens the first page with a question unanswered.
    page = client.get(_url_portail(passation)).content.decode()
    assert "Question 11 sur 120" in page
    assert "10 réponses enregistrées sur 120" in page
    # A value outside the scale is refused and nothing is saved.
    client.post(_url_portail(passation), {"page": "2", "q-11": "9"})
    with tenant_context(world.org_a):
        passation.refresh_from_db()
    assert "11" not in passation.reponses


def test_la_derniere_page_termine_seulement_si_tout_est_repondu(world, passation, login_as):
    client = login_as(world.beneficiaire_user_a)
    reponses = {f"q-{n}": "2" for n in range(111, 121)}
    response = client.post(_url_portail(passation), {"page": "12", **reponses})
    assert response.status_code == 302
    assert response["Location"].endswith("?page=1")
    with tenant_context(world.org_a):
        passation.refresh_from_db()
        assert passation.statut == "en_cours"
        services.passation_repondre(
            passation=passation,
            reponses={str(n): 3 for n in range(1, 111)},
            page=11,
            par=world.beneficiaire_user_a,
        )
    response = client.post(_url_portail(passation), {"page": "12", **reponses})
    assert response["Location"] == _url_portail(passation, "resultats/")
    with tenant_context(world.org_a):
        passation.refresh_from_db()
    assert passation.statut == "terminee"
    assert passation.resultat["instrument"] == IPIP_NEO_120


# --- Results: hidden until released ------------------------------------------------------------


def test_resultats_caches_jusqu_a_la_communication(world, passation, login_as):
    _tout_repondre(world, passation)
    beneficiaire = login_as(world.beneficiaire_user_a)
    page = beneficiaire.get(_url_portail(passation, "resultats/")).content.decode()
    assert "Résultats disponibles après votre entretien de restitution" in page
    assert "<svg" not in page
    assert "Névrosisme" not in page
    # The consultant sees them at once, and that read is journalled.
    consultant = login_as(world.consultant_a)
    page = consultant.get(_url_app(passation)).content.decode()
    assert "<svg" in page
    assert "Névrosisme" in page
    assert "<caption>" in page
    with tenant_context(world.org_a):
        lectures = AuditEvent.objects.filter(
            object_type="resultat_questionnaire", object_id=passation.public_id
        )
        assert lectures.count() == 1
        assert lectures.get().actor == world.consultant_a
        assert lectures.get().beneficiaire_id == world.beneficiaire_a.pk
    # Release: dated, by whom; then the beneficiary sees the chart and the interpretation.
    response = consultant.post(_url_app(passation, "communiquer/"))
    assert response.status_code == 302
    with tenant_context(world.org_a):
        passation.refresh_from_db()
    assert passation.publiee_le is not None
    assert passation.publiee_par == world.consultant_a
    page = beneficiaire.get(_url_portail(passation, "resultats/")).content.decode()
    assert "<svg" in page
    assert "Névrosisme" in page
    assert "ni un diagnostic ni un verdict" in page
    assert "après votre entretien de restitution" not in page


def test_communiquer_avant_la_fin_est_refuse(world, passation):
    with tenant_context(world.org_a), pytest.raises(Exception, match="pas terminé"):
        services.passation_publier(passation=passation, par=world.consultant_a)
    with tenant_context(world.org_a):
        passation.refresh_from_db()
    assert passation.publiee_le is None


@pytest.mark.parametrize("qui", ["consultant_b", "non_assigne"])
def test_regle_11_un_tiers_ne_lit_ni_ne_communique(world, passation, login_as, qui):
    _tout_repondre(world, passation)
    user = (
        staff_user(organisation=world.org_a, email="autre@a.test")
        if qui == "non_assigne"
        else world.consultant_b
    )
    client = login_as(user)
    assert client.get(_url_app(passation)).status_code == 404
    assert client.post(_url_app(passation, "communiquer/")).status_code == 404
    with tenant_context(world.org_a):
        passation.refresh_from_db()
        assert passation.publiee_le is None
        assert not AuditEvent.objects.filter(object_type="resultat_questionnaire").exists()


def test_un_autre_beneficiaire_obtient_404_et_rien_ne_change(world, passation, login_as):
    client = login_as(world.beneficiaire_user_b)
    assert client.get(_url_portail(passation)).status_code == 404
    assert client.post(_url_portail(passation), {"page": "1", "q-1": "5"}).status_code == 404
    assert client.get(_url_portail(passation, "resultats/")).status_code == 404
    assert client.post(_url_portail(passation, "accord/"), {"accord": "oui"}).status_code == 404
    with tenant_context(world.org_a):
        passation.refresh_from_db()
    assert passation.reponses == {}
    assert passation.statut == "a_faire"


# --- Synthèse: only with the beneficiary's agreement -------------------------------------------


def test_le_resultat_n_entre_dans_la_synthese_qu_avec_l_accord(world, bilan, login_as):
    seance = _seance(world, bilan)
    with tenant_context(world.org_a):
        p = services.passation_assigner(
            bilan=bilan, seance=seance, instrument_code=RIASEC_48, par=world.consultant_a
        )
    _tout_repondre(world, p)
    with tenant_context(world.org_a):
        assert passations_pour_synthese(bilan=bilan) == []
        assert profil_riasec_publie(bilan=bilan) is None
        services.passation_publier(passation=p, par=world.consultant_a)
        assert passations_pour_synthese(bilan=bilan) == []
        # All answers 4: each letter scores 32, a six-way tie, ordered R, I, A.
        assert profil_riasec_publie(bilan=bilan) == "RIA"
    client = login_as(world.beneficiaire_user_a)
    assert client.post(_url_portail(p, "accord/"), {"accord": "oui"}).status_code == 302
    with tenant_context(world.org_a):
        materiaux = passations_pour_synthese(bilan=bilan)
        groupes = synthese_materiaux(bilan=bilan, etapes=[])
    assert len(materiaux) == 1
    libelle, html = materiaux[0]
    assert libelle.startswith("RIASEC")
    assert "Code RIASEC : RIA" in html
    assert "<ul>" in html
    assert any(g.titre.startswith("Questionnaires") and g.elements for g in groupes)
    client.post(_url_portail(p, "accord/"), {"accord": "non"})
    with tenant_context(world.org_a):
        assert passations_pour_synthese(bilan=bilan) == []


# --- Card sort ---------------------------------------------------------------------------------


def test_tri_des_valeurs_sans_javascript(world, bilan, login_as):
    seance = _seance(world, bilan)
    with tenant_context(world.org_a):
        p = services.passation_assigner(
            bilan=bilan, seance=seance, instrument_code=VALEURS, par=world.consultant_a
        )
    client = login_as(world.beneficiaire_user_a)
    cartes = instrument(VALEURS).cartes
    pages = -(-len(cartes) // 10)
    for numero in range(1, pages + 1):
        donnees = {"page": str(numero)}
        for carte in cartes[(numero - 1) * 10 : numero * 10]:
            pile = "tres_important" if int(carte.id) <= 7 else "peu_important"
            donnees[f"c-{carte.id}"] = pile
        response = client.post(_url_portail(p), donnees)
    assert response["Location"].endswith("?etape=classement")
    page = client.get(response["Location"]).content.decode()
    assert "Rang 5" in page
    assert "<select" in page
    response = client.post(
        _url_portail(p),
        {"etape": "classement", **{f"rang-{r}": c for r, c in enumerate("73125", 1)}},
    )
    assert response["Location"] == _url_portail(p, "resultats/")
    with tenant_context(world.org_a):
        p.refresh_from_db()
    assert p.resultat["top"] == ["7", "3", "1", "2", "5"]
    assert p.resultat["comptes"]["tres_important"] == 7
    page = login_as(world.consultant_a).get(_url_app(p)).content.decode()
    assert "Les cinq valeurs classées en premier" in page
    assert "<li><strong>Vitalité</strong>" in page  # card 5, ranked fifth
    assert "Très important (7)" in page


# --- Purge with the bilan (R6313-7) ------------------------------------------------------------


def test_la_purge_du_bilan_detruit_reponses_et_resultats(world, django_capture_on_commit_callbacks):
    dossier = Dossier(world)
    with tenant_context(world.org_a):
        Passation.objects.create(
            organisation=world.org_a,
            bilan=dossier.bilan,
            seance=dossier.seance,
            instrument=RIASEC_48,
            modalite="seance",
            assignee_par=world.consultant_a,
            statut="terminee",
            terminee_le=timezone.now(),
            reponses={"R1": 5},
            resultat={"code": "RIA"},
        )
    dossier.purger(django_capture_on_commit_callbacks)
    with tenant_context(world.org_a):
        assert not Passation.objects.exists()
        journal = {p.objet: p.nombre for p in Purge.objects.filter(bilan=dossier.bilan)}
        # The séance row stays (attendance, hours), without the questionnaire.
        assert Seance.objects.filter(pk=dossier.seance.pk).exists()
    assert journal["Réponses et résultats de questionnaires"] == 1


def test_le_portail_annonce_le_questionnaire_a_remplir(world, passation, login_as):
    client = login_as(world.beneficiaire_user_a)
    accueil = client.get("/portail/").content.decode()
    assert "Questionnaire à remplir" in accueil
    assert _url_portail(passation) in accueil
    _tout_repondre(world, passation)
    assert "Questionnaire à remplir" not in client.get("/portail/").content.decode()
