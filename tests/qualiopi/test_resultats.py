"""Result indicators (rule 29) and completion per dossier (rule 24) on a constructed dataset
with exact expected values (tests/qualiopi/jeu_resultats.py says where each figure comes from)."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from beneficiaires.models import Bilan, StatutBilan
from beneficiaires.services.bilans import bilan_abandonner
from bilan.core.tenancy import tenant_context
from qualiopi.referentiel import referentiel_courant
from qualiopi.selectors.resultats import resultats_instantane, resultats_periode
from tests.factories.bilans import bilan_for
from tests.qualiopi.jeu_resultats import DEBUT, FIN, _seance, jeu_construire

pytestmark = pytest.mark.django_db


def _resultats(world, **kw):
    with tenant_context(world.org_a):
        return resultats_periode(organisation=world.org_a, debut=DEBUT, fin=FIN, **kw)


def test_regle_29_each_indicator_exact_on_the_constructed_dataset(world):
    jeu_construire(world)
    r = _resultats(world)
    assert r.referentiel == referentiel_courant().libelle
    assert (r.commences, r.termines, r.abandonnes) == (4, 2, 2)
    assert r.taux_abandon == 50.0
    assert r.causes_abandon == (
        ("reprise_emploi", "Reprise d'emploi ou nouveau poste", 1),
        ("sante", "Raisons de santé", 1),
    )
    assert r.heures_accompagnement_moyennes == Decimal("4.75")
    assert r.heures_travail_personnel_moyennes == Decimal("1.00")
    assert (r.suivis_dus, r.suivis_realises, r.suivis_dans_la_fenetre) == (3, 2, 1)
    assert r.taux_suivi == 66.7
    assert r.taux_suivi_dans_la_fenetre == 33.3
    assert r.resultats_suivi == (
        ("en_emploi_projet", "En emploi dans le projet", 1),
        ("en_recherche", "En recherche", 1),
    )
    chaud, froid = r.satisfaction_chaud, r.satisfaction_froid
    assert (chaud.envoyees, chaud.repondues, chaud.notes, chaud.satisfaites) == (4, 3, 3, 2)
    assert (chaud.taux_reponse, chaud.taux) == (75.0, 66.7)
    assert (froid.envoyees, froid.repondues, froid.taux_reponse, froid.taux) == (1, 1, 100.0, 100.0)
    assert r.enquetes_metier == 0  # none in this dataset (counted in test_export_exploration)


def test_regle_29_per_consultant_counts_only_their_bilans(world):
    bilans = jeu_construire(world)
    r = _resultats(world, consultant=world.admin_a)
    assert (r.commences, r.termines, r.abandonnes, r.taux_abandon) == (0, 0, 1, 100.0)
    assert r.causes_abandon == (("reprise_emploi", "Reprise d'emploi ou nouveau poste", 1),)
    assert [ligne.numero for ligne in r.realisation] == [bilans["B6"].numero]
    assert r.satisfaction_chaud.envoyees == 0


def test_regle_29_empty_period_gives_no_rate_rather_than_zero(world):
    r = _resultats(world)
    assert (r.commences, r.termines, r.abandonnes) == (0, 0, 0)
    assert r.taux_abandon is None
    assert r.taux_suivi is None
    assert r.satisfaction_chaud.taux is None
    assert r.realisation == ()


def test_regle_24_completion_rate_and_unperformed_hours_exact(world):
    bilans = jeu_construire(world)
    r = _resultats(world)
    lignes = {ligne.numero: ligne for ligne in r.realisation}
    assert set(lignes) == {bilans[n].numero for n in ("B1", "B2", "B3", "B6")}
    b1 = lignes[bilans["B1"].numero]
    assert (b1.heures_prevues, b1.heures_realisees, b1.heures_non_realisees) == (
        Decimal("12.00"),
        Decimal("7.50"),
        Decimal("4.50"),
    )
    assert (b1.heures_accompagnement, b1.heures_travail_personnel) == (
        Decimal("5.50"),
        Decimal("2.00"),
    )
    assert b1.taux_realisation == 62.5
    assert b1.seances_sans_emargement == 2
    b2 = lignes[bilans["B2"].numero]
    assert (b2.heures_realisees, b2.heures_non_realisees, b2.taux_realisation) == (
        Decimal("4.00"),
        Decimal("0.00"),
        100.0,
    )
    assert b2.seances_sans_emargement == 0  # signed by both; the cancelled séance not counted
    b3 = lignes[bilans["B3"].numero]
    assert (b3.heures_non_realisees, b3.taux_realisation) == (Decimal("5.00"), 16.7)
    b6 = lignes[bilans["B6"].numero]
    assert (b6.heures_realisees, b6.heures_non_realisees, b6.taux_realisation) == (
        Decimal("0.00"),
        Decimal("2.00"),
        0.0,
    )
    assert r.heures_prevues_total == Decimal("24.00")
    assert r.heures_realisees_total == Decimal("12.50")
    assert r.heures_non_realisees_total == Decimal("11.50")
    assert r.taux_realisation_global == 52.1


def test_regle_24_realised_beyond_the_plan_caps_at_100_and_never_negative(world):
    with tenant_context(world.org_a):
        bilan = bilan_for(
            world.beneficiaire_a,
            statut="clos",
            phase="conclusion",
            date_debut_reelle=DEBUT,
            date_fin_reelle=FIN,
            heures_accompagnement=Decimal("1"),
        )
    with tenant_context(world.org_a):
        _seance(bilan, jour=DEBUT, minutes=120)
    ligne = _resultats(world).realisation[0]
    assert (ligne.taux_realisation, ligne.heures_non_realisees) == (100.0, Decimal("0.00"))


def test_regle_29_abandonment_records_a_coded_cause_beside_the_text(world):
    with tenant_context(world.org_a):
        bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="preliminaire")
        with pytest.raises(ValidationError) as erreur:
            bilan_abandonner(bilan=bilan, cause="inventee", motif="Texte", par=world.consultant_a)
        assert "cause" in erreur.value.message_dict
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.EN_COURS
        bilan_abandonner(bilan=bilan, cause="sante", motif="Texte libre", par=world.consultant_a)
        bilan = Bilan.objects.get(pk=bilan.pk)
    assert (bilan.statut, bilan.cause_abandon, bilan.motif_abandon) == (
        "abandonne",
        "sante",
        "Texte libre",
    )


def test_regle_29_the_dossier_form_sends_the_cause(world, login_as):
    with tenant_context(world.org_a):
        bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="preliminaire")
    client = login_as(world.consultant_a)
    page = client.get(f"/app/bilans/{bilan.public_id}/").content.decode()
    assert 'name="cause"' in page
    assert "Raisons de santé" in page
    client.post(
        f"/app/bilans/{bilan.public_id}/action/abandonner/",
        {"cause": "financement", "motif": "Financement refusé"},
    )
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).cause_abandon == "financement"


def test_regle_29_snapshot_is_json_ready_without_dossier_numbers(world):
    bilans = jeu_construire(world)
    instantane = resultats_instantane(r=_resultats(world))
    texte = json.dumps(instantane)
    assert instantane["taux_abandon"] == 50.0
    assert instantane["heures_accompagnement_moyennes"] == "4.75"
    assert instantane["satisfaction_chaud"]["taux_reponse"] == 75.0
    assert instantane["debut"] == "2026-01-01"
    assert bilans["B1"].numero not in texte
