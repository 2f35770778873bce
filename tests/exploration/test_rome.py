"""ROME reference: full load (counts, idempotence), search acceptance on both paths, pages."""

import time

import pytest
from django.db import connection

from exploration.models import Appellation, Fiche, FicheCompetence, Mobilite, RomeVersion
from exploration.selectors import rome
from exploration.services.rome import rome_charger
from exploration.views import pistes as pistes_views
from tests.exploration.rome_fixtures import petit_rome
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db

ACCEPTATION = {"developpeur web": "M1855", "infirmiere": "J1506", "boulangé": "D1102"}


def _premiere_fiche_memoire(index, requete: str) -> str:
    """The SQLite path: in-memory trigram index, then the shared ranking."""
    mots = rome.normaliser(requete).split()
    resultats = rome.appellations_classer(requete, rome.candidats_memoire(mots, index))
    return Fiche.objects.get(pk=resultats[0].fiche_id).code


def test_full_load_counts_idempotence_and_search_on_both_paths():
    debut = time.perf_counter()
    resultat = rome_charger()
    duree = time.perf_counter() - debut
    assert resultat.charge
    assert duree < 60
    assert Appellation.objects.count() == 13120
    assert Fiche.objects.count() == 1584
    assert RomeVersion.objects.get().numero == 60
    assert FicheCompetence.objects.filter(coeur="principale").count() == 12900 + 3148 + 2852
    assert FicheCompetence.objects.filter(coeur="emergente").count() == 1255 + 119 + 357
    assert Mobilite.objects.count() == 14912
    # No doubled apostrophes left from the published texts.
    assert not Fiche.objects.filter(definition__contains="''").exists()
    # Second run: skipped, nothing added.
    encore = rome_charger()
    assert not encore.charge
    assert Appellation.objects.count() == 13120
    assert RomeVersion.objects.count() == 1

    # PostgreSQL path (the suite's backend): trigram index candidates.
    assert connection.vendor == "postgresql"
    for requete, code in ACCEPTATION.items():
        trouve = rome.appellations_rechercher(requete=requete)
        assert trouve[0].fiche.code == code, requete
    # SQLite path: same ranking over the in-memory trigram index, same first results.
    index = rome._index_memoire()
    for requete, code in ACCEPTATION.items():
        assert _premiere_fiche_memoire(index, requete) == code, requete
        pg = [r.fiche.code for r in rome.appellations_rechercher(requete=requete)[:3]]
        mots = rome.normaliser(requete).split()
        memoire = rome.appellations_classer(requete, rome.candidats_memoire(mots, index))[:3]
        assert [Fiche.objects.get(pk=r.fiche_id).code for r in memoire] == pg
    # Core savoir-faire of a real fiche feed the gap matrix.
    assert "Pétrir manuellement ou mécaniquement des pâtes" in rome.fiche_savoir_faire_coeur(
        fiche=Fiche.objects.get(code="D1102")
    )


def test_ranking_function_pure():
    candidats = [
        rome.Candidat(
            1,
            10,
            "Boulanger industriel / Boulangère industrielle",
            rome.normaliser("Boulanger industriel / Boulangère industrielle"),
            False,
        ),
        rome.Candidat(2, 20, "Boulanger / Boulangère", "boulanger boulangere", True),
        rome.Candidat(3, 30, "Plombier / Plombière", "plombier plombiere", True),
    ]
    resultats = rome.appellations_classer("BOULANGÉ", candidats)
    assert [r.fiche_id for r in resultats] == [20, 10]
    assert rome.normaliser("Chef d’œuvre — Écrivain") == "chef d oeuvre ecrivain"
    assert rome.appellations_classer("zzz", candidats) == []


def test_suggestions_by_riasec_are_ideas_not_a_ranking():
    fiches = petit_rome()
    suggerees = rome.fiches_suggerees(code_riasec="rc")
    assert suggerees[0] == fiches["boulanger"]
    assert fiches["infirmier"] not in suggerees
    assert rome.fiches_suggerees(code_riasec="SI") == [fiches["infirmier"]]
    assert rome.fiches_suggerees(code_riasec="") == []
    assert rome.fiches_suggerees(code_riasec="xz") == []


def test_fiche_page_content_and_attribution_staff_and_portal(world, login_as):
    petit_rome()
    for client, url in [
        (login_as(world.consultant_a), "/app/exploration/metiers/D1102/"),
        (login_as(world.beneficiaire_user_a), "/portail/exploration/metiers/D1102/"),
    ]:
        page = client.get(url).content.decode()
        assert "Boulanger / Boulangère" in page
        assert "Prépare et façonne les pâtes à pain." in page
        assert "CAP Boulanger" in page
        assert "Pétrir manuellement" in page
        assert "Cœur de métier" in page
        assert "Émergent" in page
        assert "Règles d&#x27;hygiène alimentaire" in page
        assert "Travail de nuit" in page
        assert "J&#x27;aime le travail manuel" in page
        assert "Pâtissier / Pâtissière" in page  # mobility
        assert "RC" in page
        assert "Source : France Travail, ROME 4.0 version 60" in page
        assert "18/09/2025" in page
    staff = login_as(world.consultant_a)
    assert staff.get("/app/exploration/metiers/Z9999/").status_code == 404
    # A malformed bilan parameter is ignored, not a server error.
    assert staff.get("/app/exploration/metiers/D1102/", {"bilan": "x<"}).status_code == 200


def test_search_page_plain_and_htmx(world, login_as):
    petit_rome()
    client = login_as(world.beneficiaire_user_a)
    page = client.get("/portail/exploration/metiers/", {"q": "boulangere"}).content.decode()
    assert "D1102" in page
    assert "<form" in page
    assert "Source : France Travail" in page
    partiel = client.get(
        "/portail/exploration/metiers/", {"q": "infirmiere"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "J1506" in partiel
    assert "<form" not in partiel
    staff = login_as(world.consultant_a).get("/app/exploration/metiers/", {"q": "patissier"})
    assert "D1104" in staff.content.decode()


def test_staff_ideas_from_a_riasec_code(world, login_as):
    fiches = petit_rome()
    bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="investigation")
    page = (
        login_as(world.consultant_a)
        .get(f"/app/exploration/bilans/{bilan.public_id}/pistes/", {"riasec": "cr"})
        .content.decode()
    )
    assert "sans ordre de préférence ni classement" in page
    assert fiches["boulanger"].libelle in page
    assert fiches["infirmier"].libelle not in page


def test_portal_ideas_follow_the_released_riasec_profile(world, login_as, monkeypatch):
    fiches = petit_rome()
    bilan_for(world.beneficiaire_a, statut="en_cours", phase="investigation")
    portail = login_as(world.beneficiaire_user_a)
    assert "Des idées à explorer" not in portail.get("/portail/exploration/").content.decode()
    # A released RIASEC result (exploration.selectors.questionnaires): its two first letters.
    monkeypatch.setattr(pistes_views, "profil_riasec_publie", lambda *, bilan: "SIE")
    page = portail.get("/portail/exploration/").content.decode()
    assert "Des idées à explorer" in page
    assert "ni un classement" in page
    assert fiches["infirmier"].libelle in page
    assert fiches["boulanger"].libelle not in page
