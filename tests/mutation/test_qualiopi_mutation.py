"""Qualiopi's result indicators (domain §9, RNQ indicator 2 for bilans; rules 24 and 29): what
the mutation run of ``qualiopi/selectors/resultats.py`` found unchecked. The CSV of the
indicators (what an auditor reads: every label, value, volume, period and referential) and the
JSON snapshot were checked on a few values only; here, row by row and key by key, on the
constructed dataset of ``tests/qualiopi/jeu_resultats.py`` (its docstring gives the figures).
See tests/MUTATION.md.
"""

import pytest

from bilan.core.tenancy import tenant_context
from qualiopi.selectors.resultats import (
    realisation_lignes_csv,
    resultats_instantane,
    resultats_lignes_csv,
    resultats_periode,
)
from tests.qualiopi.jeu_resultats import DEBUT, FIN, jeu_construire

pytestmark = pytest.mark.django_db

PERIODE = "2026-01-01 / 2026-06-30"
RNQ = "RNQ V9 (applicable depuis le 2024-03-08)"


def _resultats(world):
    jeu_construire(world)
    with tenant_context(world.org_a):
        return resultats_periode(organisation=world.org_a, debut=DEBUT, fin=FIN)


def test_regle_29_the_indicators_csv_row_by_row(world):
    entetes, lignes = resultats_lignes_csv(r=_resultats(world))
    assert entetes == ["Indicateur", "Valeur", "Volume", "Période", "Référentiel"]
    assert lignes == [
        ["Bilans commencés", 4, "", PERIODE, RNQ],
        ["Bilans terminés", 2, "", PERIODE, RNQ],
        ["Bilans abandonnés", 2, "", PERIODE, RNQ],
        ["Taux d'abandon (%)", "50,0", 4, PERIODE, ""],
        ["Cause d'abandon : Reprise d'emploi ou nouveau poste", 1, "", PERIODE, ""],
        ["Cause d'abandon : Raisons de santé", 1, "", PERIODE, ""],
        ["Heures d'accompagnement réalisées (moyenne par bilan)", "4,75", 2, PERIODE, ""],
        ["Heures de travail personnel guidé réalisées (moyenne par bilan)", "1,00", 2, PERIODE, ""],
        # B1 12 h, B2 4 h, B3 6 h, B6 2 h planned; 7.5 + 4 + 1 + 0 realised.
        ["Heures prévues (dossiers sortis)", "24,00", "", PERIODE, ""],
        ["Heures réalisées (dossiers sortis)", "12,50", "", PERIODE, ""],
        ["Heures non réalisées", "11,50", "", PERIODE, ""],
        ["Taux de réalisation (%)", "52,1", "", PERIODE, ""],
        ["Entretiens de suivi dus", 3, "", PERIODE, ""],
        ["Entretiens de suivi réalisés (%)", "66,7", 2, PERIODE, ""],
        ["Entretiens de suivi réalisés dans la fenêtre prévue (%)", "33,3", 1, PERIODE, ""],
        ["Situation au suivi : En emploi dans le projet", 1, "", PERIODE, ""],
        ["Situation au suivi : En recherche", 1, "", PERIODE, ""],
        ["Enquêtes métier", 0, 0, PERIODE, ""],
        ["Taux de réponse à chaud (%)", "75,0", 4, PERIODE, ""],
        ["Satisfaction à chaud (notes 4-5, %)", "66,7", 3, PERIODE, ""],
        ["Taux de réponse à froid (%)", "100,0", 1, PERIODE, ""],
        ["Satisfaction à froid (notes 4-5, %)", "100,0", 1, PERIODE, ""],
    ]


def test_regle_29_the_snapshot_key_by_key(world):
    instantane = resultats_instantane(r=_resultats(world))
    assert instantane == {
        "abandonnes": 2,
        "causes_abandon": [
            ["reprise_emploi", "Reprise d'emploi ou nouveau poste", 1],
            ["sante", "Raisons de santé", 1],
        ],
        "commences": 4,
        "consultant_id": None,
        "debut": "2026-01-01",
        "enquetes_metier": 0,
        "enquetes_metier_bilans": 0,
        "enquetes_metier_par_nature": [],
        "fin": "2026-06-30",
        "heures_accompagnement_moyennes": "4.75",
        "heures_non_realisees_total": "11.50",
        "heures_prevues_total": "24.00",
        "heures_realisees_total": "12.50",
        "heures_travail_personnel_moyennes": "1.00",
        "referentiel": RNQ,
        "resultats_suivi": [
            ["en_emploi_projet", "En emploi dans le projet", 1],
            ["en_recherche", "En recherche", 1],
        ],
        "satisfaction_chaud": {
            "envoyees": 4,
            "kind": "chaud",
            "notes": 3,
            "repondues": 3,
            "satisfaites": 2,
            "taux": 66.7,
            "taux_reponse": 75.0,
        },
        "satisfaction_froid": {
            "envoyees": 1,
            "kind": "froid",
            "notes": 1,
            "repondues": 1,
            "satisfaites": 1,
            "taux": 100.0,
            "taux_reponse": 100.0,
        },
        "suivis_dans_la_fenetre": 1,
        "suivis_dus": 3,
        "suivis_realises": 2,
        "taux_abandon": 50.0,
        "taux_realisation_global": 52.1,
        "taux_suivi": 66.7,
        "taux_suivi_dans_la_fenetre": 33.3,
        "termines": 2,
    }
    # Dates and decimals are strings, nothing else: the snapshot goes into JSON as it is.
    assert isinstance(instantane["heures_prevues_total"], str)
    assert isinstance(instantane["causes_abandon"][0], list)


def test_regle_24_the_completion_csv_row_by_row(world):
    """Rule 24, one row per dossier that left in the period (no name, no content), in the
    order of their end: status, dates, hours planned and realised (accompaniment and guided
    personal work), unperformed hours, completion rate, séances realised without both
    signatures."""
    bilans = jeu_construire(world)
    with tenant_context(world.org_a):
        r = resultats_periode(organisation=world.org_a, debut=DEBUT, fin=FIN)
    entetes, rangees = realisation_lignes_csv(lignes=r.realisation)
    assert entetes == [
        "Dossier",
        "Statut",
        "Début",
        "Fin",
        "Heures prévues",
        "Heures réalisées",
        "dont accompagnement",
        "dont travail personnel",
        "Heures non réalisées",
        "Taux de réalisation (%)",
        "Séances réalisées sans émargement complet",
    ]
    numero = {cle: bilan.numero for cle, bilan in bilans.items()}
    assert rangees == [
        [
            numero["B6"],
            "Abandonné",
            "2025-12-01",
            "2026-02-01",
            "2,00",
            "0,00",
            "0,00",
            "0,00",
            "2,00",
            "0,0",
            0,
        ],
        [
            numero["B1"],
            "Clos",
            "2026-01-10",
            "2026-03-10",
            "12,00",
            "7,50",
            "5,50",
            "2,00",
            "4,50",
            "62,5",
            2,
        ],
        [
            numero["B3"],
            "Abandonné",
            "2026-02-15",
            "2026-03-20",
            "6,00",
            "1,00",
            "1,00",
            "0,00",
            "5,00",
            "16,7",
            1,
        ],
        [
            numero["B2"],
            "Synthèse remise",
            "2026-02-01",
            "2026-04-01",
            "4,00",
            "4,00",
            "4,00",
            "0,00",
            "0,00",
            "100,0",
            0,
        ],
    ]
