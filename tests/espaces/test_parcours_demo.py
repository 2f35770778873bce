"""Issue 13 walkthrough on the demo: what a new consultant and a new beneficiary met, fixed."""

import datetime as dt

import pytest
from django.utils import timezone

from beneficiaires.models import StatutBilan
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from syntheses.services import syntheses as services
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db


def _bilan_en_conclusion(world):
    return bilan_for(
        world.beneficiaire_a,
        statut=StatutBilan.EN_COURS,
        phase="conclusion",
        date_debut_reelle=dt.date(2026, 9, 1),
    )


def test_portal_home_asks_to_validate_a_shared_synthese(world, login_as):
    """A shared synthèse waits for the beneficiary's validation: the portal home said « Rien
    à faire pour le moment » and gave no way to it."""
    bilan = _bilan_en_conclusion(world)
    portail = login_as(world.beneficiaire_user_a)
    with tenant_context(world.org_a):
        synthese = services.synthese_obtenir_ou_creer(bilan=bilan, par=world.consultant_a)
        services.synthese_enregistrer(
            synthese=synthese,
            revision=synthese.revision,
            sections={"circonstances": "<p>Reconversion.</p>"},
            par=world.consultant_a,
        )
    page = portail.get("/portail/").content.decode()
    assert "Lire, commenter et valider votre synthèse" not in page  # draft: not shown yet

    with tenant_context(world.org_a):
        services.synthese_partager(synthese=synthese, par=world.consultant_a)
    page = portail.get("/portail/").content.decode()
    assert "Lire, commenter et valider votre synthèse" in page
    assert 'href="/portail/synthese/"' in page
    assert "Rien à faire pour le moment." not in page

    with tenant_context(world.org_a):
        synthese.refresh_from_db()
        services.synthese_valider(
            synthese=synthese, role="beneficiaire", par=world.beneficiaire_user_a
        )
    page = portail.get("/portail/").content.decode()
    assert "Lire, commenter et valider votre synthèse" not in page  # done: no longer asked


def test_a_realised_seance_page_links_to_its_attendance_sheet(world, login_as):
    """Once a séance is marked held, its page offered no way to the attendance signatures
    (only the dossier's table did)."""
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase="preliminaire")
    with tenant_context(world.org_a):
        seance = Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase="preliminaire",
            type="entretien",
            intitule="Entretien",
            debut=timezone.now() - dt.timedelta(days=2),
            duree_minutes=60,
            modalite=Seance.Modalite.TELEPHONE,
            consultant=world.consultant_a,
        )
    client = login_as(world.consultant_a)
    lien = f'href="/app/seances/{seance.public_id}/emargement/"'
    assert lien not in client.get(f"/app/seances/{seance.public_id}/").content.decode()
    reponse = client.post(
        f"/app/seances/{seance.public_id}/action/realiser/", {"duree_realisee_minutes": "60"}
    )
    assert reponse.status_code == 302
    assert lien in client.get(f"/app/seances/{seance.public_id}/").content.decode()


def test_a_personal_work_seance_page_leads_to_its_hand_in_not_to_a_failing_form(world, login_as):
    """On the demo, « Marquer réalisée » on guided personal work always answered « Le
    formulaire contient une erreur »: the page now leads to the instruction and hand-in."""
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase="investigation")
    with tenant_context(world.org_a):
        seance = Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase="investigation",
            type="travail_personnel",
            intitule="Questionnaire d'intérêts",
            debut=timezone.now() - dt.timedelta(days=2),
            duree_minutes=90,
            modalite=Seance.Modalite.AUTONOMIE,
            consultant=world.consultant_a,
        )
    page = login_as(world.consultant_a).get(f"/app/seances/{seance.public_id}/").content.decode()
    assert f'href="/app/travail/seances/{seance.public_id}/consigne/"' in page
    assert "Marquer réalisée" not in page
