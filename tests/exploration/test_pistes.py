"""Pistes and enquêtes métier: portal and dossier, isolation, gap matrix, counts, purge."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bilan.core.tenancy import tenant_context
from exploration.models import EnqueteMetier, Piste
from exploration.selectors.pistes import enquetes_metier_compter
from exploration.services.pistes import piste_auto_evaluer
from syntheses.models import EcartCompetence, Purge
from syntheses.services.syntheses import (
    ecarts_preremplir_depuis_rome,
    synthese_inserer_enquetes_metier,
    synthese_obtenir_ou_creer,
)
from tests.exploration.rome_fixtures import petit_rome
from tests.factories.bilans import bilan_for
from tests.syntheses.test_retention import Dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde(world):
    fiches = petit_rome()
    bilan_a = bilan_for(world.beneficiaire_a, statut="en_cours", phase="investigation")
    bilan_b = bilan_for(world.beneficiaire_b, statut="en_cours", phase="investigation")
    return world, fiches, bilan_a, bilan_b


ENQUETE = {
    "interlocuteur": "Paul",
    "fonction": "Boulanger artisan",
    "type_organisation": "entreprise",
    "modalite": "rencontre",
    "rencontre_le": "2026-03-10",
    "questions": "Horaires ?",
    "apprentissages": "Lever à 4 h, MARQUEUR-ENQUETE",
    "effet_projet": "Je confirme le projet.",
}


def test_beneficiary_shortlists_notes_and_consultant_sees_both_notes(monde, login_as):
    world, fiches, bilan_a, _b = monde
    portail = login_as(world.beneficiaire_user_a)
    assert portail.post("/portail/exploration/pistes/", {"code": "D1102"}).status_code == 302
    with tenant_context(world.org_a):
        piste = Piste.objects.get(bilan=bilan_a)
    assert piste.ajoutee_par == "beneficiaire"
    portail.post(
        f"/portail/exploration/pistes/{piste.public_id}/noter/", {"note": "J'adore le pain"}
    )
    staff = login_as(world.consultant_a)
    staff.post(
        f"/app/exploration/bilans/{bilan_a.public_id}/pistes/{piste.public_id}/noter/",
        {"note": "Voir une immersion"},
    )
    with tenant_context(world.org_a):
        piste.refresh_from_db()
    assert piste.note_beneficiaire == "J'adore le pain"
    assert piste.note_consultant == "Voir une immersion"
    page = staff.get(f"/app/exploration/bilans/{bilan_a.public_id}/pistes/").content.decode()
    assert "J&#x27;adore le pain" in page
    assert "Source : France Travail" in page
    dossier = staff.get(f"/app/bilans/{bilan_a.public_id}/").content.decode()
    assert "Pistes et enquêtes métier" in dossier
    assert "Boulanger / Boulangère" in dossier
    assert "Voir une immersion" in portail.get("/portail/exploration/").content.decode()


def test_outsiders_get_404_and_nothing_changes(monde, login_as):
    world, fiches, bilan_a, bilan_b = monde
    with tenant_context(world.org_a):
        piste = Piste.objects.create(
            organisation=world.org_a,
            bilan=bilan_a,
            fiche=fiches["boulanger"],
            ajoutee_par="beneficiaire",
            note_beneficiaire="MARQUEUR-NOTE-A",
        )
    autre_org = login_as(world.consultant_b)
    assert autre_org.get(f"/app/exploration/bilans/{bilan_a.public_id}/pistes/").status_code == 404
    reponse = autre_org.post(
        f"/app/exploration/bilans/{bilan_a.public_id}/pistes/{piste.public_id}/noter/",
        {"note": "pirate"},
    )
    assert reponse.status_code == 404
    # The other organisation's beneficiary: another bilan, so the piste is not found.
    portail_b = login_as(world.beneficiaire_user_b)
    assert (
        portail_b.post(
            f"/portail/exploration/pistes/{piste.public_id}/noter/", {"note": "pirate"}
        ).status_code
        == 404
    )
    assert (
        portail_b.post(f"/portail/exploration/pistes/{piste.public_id}/retirer/").status_code == 404
    )
    assert "MARQUEUR-NOTE-A" not in portail_b.get("/portail/exploration/").content.decode()
    with tenant_context(world.org_a):
        piste.refresh_from_db()
        assert Piste.objects.filter(pk=piste.pk).exists()
    assert piste.note_beneficiaire == "MARQUEUR-NOTE-A"
    assert piste.note_consultant == ""


def test_target_piste_prefills_gap_matrix_with_core_savoir_faire(monde, login_as):
    world, fiches, bilan_a, _b = monde
    portail = login_as(world.beneficiaire_user_a)
    portail.post("/portail/exploration/pistes/", {"code": "D1102"})
    portail.post("/portail/exploration/pistes/", {"code": "D1104"})
    with tenant_context(world.org_a):
        boulanger = Piste.objects.get(bilan=bilan_a, fiche=fiches["boulanger"])
        patissier = Piste.objects.get(bilan=bilan_a, fiche=fiches["patissier"])
    portail.post(f"/portail/exploration/pistes/{patissier.public_id}/cible/", {"cible": "1"})
    portail.post(f"/portail/exploration/pistes/{boulanger.public_id}/cible/", {"cible": "1"})
    # The beneficiary rates their level on the target's core savoir-faire (portal).
    reponse = portail.post(
        f"/portail/exploration/pistes/{boulanger.public_id}/auto-evaluation/",
        {"niveau-10": "1", "niveau-11": ""},
    )
    assert reponse.status_code == 302
    page = portail.get("/portail/exploration/").content.decode()
    assert "Mon auto-évaluation pour mon projet cible" in page
    # Not on a savoir-faire outside the fiche's core, not by someone else.
    with tenant_context(world.org_a):
        boulanger.refresh_from_db()
        assert boulanger.auto_evaluation == {"10": 1}
        with pytest.raises(ValidationError):
            piste_auto_evaluer(piste=boulanger, niveaux={12: 3}, par=world.beneficiaire_user_a)
        with pytest.raises(PermissionDenied):
            piste_auto_evaluer(piste=boulanger, niveaux={10: 4}, par=world.consultant_a)
        with pytest.raises(ValidationError):
            piste_auto_evaluer(piste=patissier, niveaux={}, par=world.beneficiaire_user_a)
        boulanger.refresh_from_db()
        assert boulanger.auto_evaluation == {"10": 1}
    with tenant_context(world.org_a):
        assert list(Piste.objects.filter(bilan=bilan_a, projet_cible=True)) == [boulanger]
        synthese = synthese_obtenir_ou_creer(bilan=bilan_a, par=world.consultant_a)
        EcartCompetence.objects.create(
            organisation=world.org_a,
            synthese=synthese,
            competence="Défourner des pains et viennoiseries",
            niveau_actuel=2,
            niveau_requis=4,
        )
        ajoutees = ecarts_preremplir_depuis_rome(synthese=synthese, par=world.consultant_a)
        lignes = {e.competence: e for e in EcartCompetence.objects.filter(synthese=synthese)}
    assert ajoutees == 1  # "Défourner" was already there, kept as the consultant rated it
    assert (
        lignes["Pétrir manuellement ou mécaniquement des pâtes"].cible == "Boulanger / Boulangère"
    )
    assert lignes["Pétrir manuellement ou mécaniquement des pâtes"].niveau_actuel == 0
    assert lignes["Défourner des pains et viennoiseries"].niveau_actuel == 2
    assert lignes["Pétrir manuellement ou mécaniquement des pâtes"].niveau_beneficiaire == 1
    assert lignes["Défourner des pains et viennoiseries"].niveau_beneficiaire is None
    # Emerging, non-core and knowledge items are not pre-filled.
    assert "Utiliser des outils numériques de gestion" not in lignes
    assert "Règles d'hygiène alimentaire" not in lignes
    # Through the editor's button too (idempotent: nothing new).
    reponse = login_as(world.consultant_a).post(f"/app/syntheses/{synthese.public_id}/ecarts/rome/")
    assert reponse.status_code == 302


def test_enquete_metier_from_portal_comment_counts_summary_and_isolation(monde, login_as):
    world, fiches, bilan_a, bilan_b = monde
    portail = login_as(world.beneficiaire_user_a)
    assert (
        portail.post(
            "/portail/exploration/enquetes/nouvelle/", {**ENQUETE, "fonction": ""}
        ).status_code
        == 400
    )
    assert portail.post("/portail/exploration/enquetes/nouvelle/", ENQUETE).status_code == 302
    with tenant_context(world.org_a):
        enquete = EnqueteMetier.objects.get(bilan=bilan_a)
    assert enquete.apprentissages.endswith("MARQUEUR-ENQUETE")
    staff = login_as(world.consultant_a)
    staff.post(
        f"/app/exploration/bilans/{bilan_a.public_id}/enquetes/{enquete.public_id}/commenter/",
        {"commentaire": "Très utile"},
    )
    assert "Très utile" in portail.get("/portail/exploration/").content.decode()
    # Outsiders: the other organisation's consultant cannot comment (404, nothing written).
    reponse = login_as(world.consultant_b).post(
        f"/app/exploration/bilans/{bilan_a.public_id}/enquetes/{enquete.public_id}/commenter/",
        {"commentaire": "pirate"},
    )
    assert reponse.status_code == 404
    assert (
        login_as(world.beneficiaire_user_b)
        .get(f"/portail/exploration/enquetes/{enquete.public_id}/")
        .status_code
        == 404
    )
    with tenant_context(world.org_a):
        enquete.refresh_from_db()
        assert enquete.commentaire_consultant == "Très utile"
        EnqueteMetier.objects.create(
            organisation=world.org_a,
            bilan=bilan_a,
            interlocuteur="Ana",
            fonction="Infirmière",
            type_organisation="public",
            modalite="visio",
            rencontre_le=dt.date(2026, 1, 5),
        )
        compte = enquetes_metier_compter(
            organisation=world.org_a, debut=dt.date(2026, 3, 1), fin=dt.date(2026, 3, 31)
        )
        tout = enquetes_metier_compter(
            organisation=world.org_a, debut=dt.date(2026, 1, 1), fin=dt.date(2026, 12, 31)
        )
        synthese = synthese_obtenir_ou_creer(bilan=bilan_a, par=world.consultant_a)
        synthese = synthese_inserer_enquetes_metier(synthese=synthese, par=world.consultant_a)
    assert compte["total"] == 1
    assert compte["par_type_organisation"]["entreprise"] == 1
    assert tout["total"] == 2
    assert tout["par_type_organisation"]["public"] == 1
    assert tout["par_modalite"] == {"rencontre": 1, "telephone": 0, "visio": 1, "immersion": 0}
    # Removing a piste keeps the enquêtes métier linked to it, unlinked.
    with tenant_context(world.org_a):
        piste = Piste.objects.create(
            organisation=world.org_a,
            bilan=bilan_a,
            fiche=fiches["patissier"],
            ajoutee_par="beneficiaire",
        )
        EnqueteMetier.objects.filter(pk=enquete.pk).update(piste=piste)
    portail.post(f"/portail/exploration/pistes/{piste.public_id}/retirer/")
    with tenant_context(world.org_a):
        enquete.refresh_from_db()
        assert not Piste.objects.filter(pk=piste.pk).exists()
    assert enquete.piste_id is None
    assert "Enquêtes métier" in synthese.projets
    assert "MARQUEUR-ENQUETE" in synthese.projets
    with tenant_context(world.org_b):
        vide = enquetes_metier_compter(
            organisation=world.org_b, debut=dt.date(2026, 1, 1), fin=dt.date(2026, 12, 31)
        )
    assert vide["total"] == 0
    # The UI keeps "enquête métier" apart from the satisfaction questionnaire.
    assert (
        "questionnaire de satisfaction" not in portail.get("/portail/exploration/").content.decode()
    )


def test_purge_with_the_bilan_removes_pistes_and_enquetes(
    world, django_capture_on_commit_callbacks
):
    petit_rome()
    dossier = Dossier(world)
    with tenant_context(world.org_a):
        piste = Piste.objects.create(
            organisation=world.org_a,
            bilan=dossier.bilan,
            fiche_id=Piste._meta.get_field("fiche").related_model.objects.get(code="D1102").pk,
            ajoutee_par="consultant",
            note_consultant="secret",
        )
        EnqueteMetier.objects.create(
            organisation=world.org_a,
            bilan=dossier.bilan,
            piste=piste,
            interlocuteur="Paul",
            fonction="Boulanger",
            type_organisation="entreprise",
            rencontre_le=dt.date(2026, 3, 5),
            apprentissages="MARQUEUR",
        )
    dossier.purger(django_capture_on_commit_callbacks)
    with tenant_context(world.org_a):
        assert not EnqueteMetier.objects.filter(bilan=dossier.bilan).exists()
        assert not Piste.objects.filter(bilan=dossier.bilan).exists()
        journal = {p.objet: p.nombre for p in Purge.objects.filter(bilan=dossier.bilan)}
    assert journal["Enquêtes métier"] == 1
    assert journal["Pistes métier et leurs notes"] == 1
