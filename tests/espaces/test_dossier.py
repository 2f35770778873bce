"""The dossier as a workspace: header (beneficiary, route, phase, hours bar, next step),
sections reached by anchors without JavaScript, a timeline, missing conditions with their
links, and a constant number of queries whatever the volume."""

import datetime as dt
import html

import pytest
from django.utils import timezone

from beneficiaires.models import Financement, StatutBilan
from beneficiaires.services import bilans as services_bilans
from bilan.core.tenancy import tenant_context
from seances.models import Consigne, Seance
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db

SECTIONS = ["cadre", "seances", "travail", "documents", "synthese", "suivi", "historique"]


def _page(client, bilan) -> str:
    response = client.get(f"/app/bilans/{bilan.public_id}/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _seance(bilan, *, jours: int, **champs):
    valeurs = {
        "phase": "preliminaire",
        "type": "entretien",
        "intitule": "Entretien",
        "duree_minutes": 60,
        "modalite": "presentiel",
        "statut": Seance.Statut.REALISEE,
        "duree_realisee_minutes": 60,
        **champs,
    }
    with tenant_context(bilan.organisation):
        return Seance.objects.create(
            organisation=bilan.organisation,
            bilan=bilan,
            debut=timezone.now() + dt.timedelta(days=jours),
            **valeurs,
        )


def _bilan_en_cours(world):
    return bilan_for(
        world.beneficiaire_a,
        statut=StatutBilan.EN_COURS,
        phase="preliminaire",
        financement=Financement.CPF,
        prix_ttc=1800,
        date_debut_reelle=timezone.localdate() - dt.timedelta(days=20),
        objectifs="Changer de métier.",
    )


def test_le_dossier_a_un_entete_des_sections_ancrees_et_une_chronologie(world, login_as):
    bilan = _bilan_en_cours(world)
    seance = _seance(bilan, jours=-10, intitule="Entretien d'accueil")
    _seance(bilan, jours=-5, intitule="Entretien manqué", statut=Seance.Statut.ABSENCE_EXCUSEE)
    travail = _seance(
        bilan,
        jours=-3,
        type="travail_personnel",
        intitule="Travail",
        modalite="autonomie",
        duree_minutes=120,
        statut=Seance.Statut.PLANIFIEE,
        duree_realisee_minutes=None,
    )
    with tenant_context(world.org_a):
        Consigne.objects.create(
            organisation=world.org_a,
            seance=travail,
            titre="Portrait de mes valeurs",
            consignes="Écrire.",
            temps_attendu_minutes=120,
        )
    page = _page(login_as(world.consultant_a), bilan)
    # Header: beneficiary, route, phase, hours bar, next step.
    assert str(world.beneficiaire_a) in page
    assert "CPF (Mon Compte Formation)" in page
    assert 'aria-current="step"' in page
    assert 'class="barre-heures"' in page
    assert "3 h comptées : 1 h d'accompagnement, 2 h de travail personnel guidé" in page
    assert "Prochaine étape" in page
    assert "Définir les objectifs, puis passer à l'investigation." in page
    # Sections reachable without JavaScript: each anchor has its section.
    for ancre in SECTIONS:
        assert f'href="#{ancre}"' in page
        assert f'id="{ancre}"' in page
    travail_section = page[page.index('id="travail"') : page.index('id="documents"')]
    assert "Portrait de mes valeurs" in travail_section
    assert "À faire" in travail_section, travail_section
    # The timeline: the séance held, the one missed; nothing planned in it.
    historique = page[page.index('id="historique"') :]
    assert f"{seance.intitule} — Réalisée" in historique
    assert "Entretien manqué — Absence excusée" in historique
    assert "Travail — Planifiée" not in historique


def test_le_dossier_garde_les_liens_de_ce_qui_manque(world, login_as):
    """Issue 13's links kept: every missing condition links to the form that fixes it."""
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.ATTENTE)
    page = _page(login_as(world.admin_a), bilan)
    with tenant_context(world.org_a):
        manques = services_bilans.bilan_manques_demarrage(
            bilan=bilan, aujourdhui=timezone.localdate()
        )
    assert manques
    assert 'id="manques"' in page
    for m in manques:
        assert m.message in page
        if m.lien:
            assert f'href="{m.lien}"' in page
            assert m.libelle_lien in page
    assert page.index('id="manques"') < page.index('id="cadre"')
    assert "Voir ce qui manque" in page


def test_un_consultant_etranger_au_dossier_ne_le_voit_pas(world, login_as):
    bilan = _bilan_en_cours(world)
    assert login_as(world.consultant_b).get(f"/app/bilans/{bilan.public_id}/").status_code == 404


# 22 + 1 for the questionnaires section, + 2 for the pistes métier section (the pistes with
# their fiche, the enquêtes count), - 3 since the session is written at most once a minute
# (issue 16).
NB_REQUETES = 22


def test_le_dossier_garde_un_nombre_constant_de_requetes(
    world, login_as, django_assert_num_queries
):
    bilan = _bilan_en_cours(world)
    client = login_as(world.consultant_a)
    # A session's first staff page records its idle expiry (one write); the next ones within
    # the minute do not write it (issue 16).
    client.get("/app/")
    _seance(bilan, jours=-10)
    with django_assert_num_queries(NB_REQUETES):
        client.get(f"/app/bilans/{bilan.public_id}/")
    for i in range(6):
        s = _seance(
            bilan,
            jours=-9 + i,
            type="travail_personnel",
            modalite="autonomie",
            statut=Seance.Statut.PLANIFIEE,
            duree_realisee_minutes=None,
        )
        with tenant_context(world.org_a):
            Consigne.objects.create(
                organisation=world.org_a,
                seance=s,
                titre=f"Consigne {i}",
                consignes="Écrire.",
                temps_attendu_minutes=60,
            )
    with django_assert_num_queries(NB_REQUETES):
        page = client.get(f"/app/bilans/{bilan.public_id}/").content.decode()
    assert page.count("Consigne ") >= 6
