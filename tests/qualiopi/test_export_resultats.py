"""The result providers of the evidence export yield the expected CSV rows on the constructed
dataset, and nothing confidential (free-text reasons, follow-up comments, séance notes)."""

import pytest

from beneficiaires.models import Bilan
from bilan.core.tenancy import tenant_context
from qualiopi.export.pieces import ContexteExport
from qualiopi.export.resultats import FOURNISSEURS
from qualiopi.referentiel import referentiel_courant
from tests.qualiopi.jeu_resultats import (
    DEBUT,
    FIN,
    MOTIF_CONFIDENTIEL,
    NOTE_CONFIDENTIELLE,
    jeu_construire,
)

pytestmark = pytest.mark.django_db


def _pieces(world, preuve, *, bilans=None):
    with tenant_context(world.org_a):
        ids = (
            tuple(b.pk for b in bilans)
            if bilans
            else tuple(Bilan.objects.values_list("pk", flat=True))
        )
        ctx = ContexteExport(organisation=world.org_a, debut=DEBUT, fin=FIN, bilan_ids=ids)
        fournisseur = next(f for f in FOURNISSEURS if f.preuve == preuve)
        return {p.nom: b"".join(p.contenu()).decode("utf-8-sig") for p in fournisseur.pieces(ctx)}


def _rangs(texte):
    return [ligne.split(";") for ligne in texte.strip().splitlines()]


def test_every_provider_proves_a_kind_of_the_referential():
    preuves = referentiel_courant().preuves
    assert {f.preuve for f in FOURNISSEURS} == {
        "resultats_rapport",
        "abandons",
        "suivi_six_mois",
        "seances_prevues_realisees",
        "administratif",
    }
    assert all(f.preuve in preuves for f in FOURNISSEURS)


def test_regle_29_resultats_rapport_csv_and_html_state_the_referential(world):
    jeu_construire(world)
    pieces = _pieces(world, "resultats_rapport")
    lignes = _rangs(pieces["indicateurs_resultats.csv"])
    valeurs = {ligne[0]: ligne[1] for ligne in lignes[1:]}
    assert valeurs["Bilans terminés"] == "2"
    assert valeurs["Bilans abandonnés"] == "2"
    assert lignes[1][4] == referentiel_courant().libelle
    html = pieces["rapport_resultats.html"]
    assert referentiel_courant().libelle in html
    assert "Raisons de santé" in html


def test_regle_29_abandons_csv_coded_cause_without_the_free_text(world):
    bilans = jeu_construire(world)
    texte = _pieces(world, "abandons")["abandons.csv"]
    assert _rangs(texte) == [
        ["Dossier", "Début", "Abandon le", "Code de la cause", "Cause"],
        [
            bilans["B6"].numero,
            "2025-12-01",
            "2026-02-01",
            "reprise_emploi",
            "Reprise d'emploi ou nouveau poste",
        ],
        [bilans["B3"].numero, "2026-02-15", "2026-03-20", "sante", "Raisons de santé"],
    ]
    assert MOTIF_CONFIDENTIEL not in texte


def test_regle_29_suivi_six_mois_csv_with_coded_outcomes_no_comment(world):
    bilans = jeu_construire(world)
    texte = _pieces(world, "suivi_six_mois")["suivis_six_mois.csv"]
    assert _rangs(texte)[1:] == [
        [
            bilans["B7"].numero,
            "2025-11-01",
            "2026-01-15",
            "Réalisé",
            "2026-01-15",
            "non",
            "en_recherche",
            "En recherche",
        ],
        [
            bilans["B5"].numero,
            "2025-12-15",
            "2026-06-10",
            "Réalisé",
            "2026-06-10",
            "oui",
            "en_emploi_projet",
            "En emploi dans le projet",
        ],
    ]
    assert "Commentaire confidentiel" not in texte


def test_regle_24_seances_prevues_realisees_csv_per_dossier(world):
    bilans = jeu_construire(world)
    texte = _pieces(world, "seances_prevues_realisees")["heures_prevues_realisees.csv"]
    rangs = {ligne[0]: ligne for ligne in _rangs(texte)[1:]}
    assert rangs[bilans["B1"].numero][4:11] == [
        "12,00",
        "7,50",
        "5,50",
        "2,00",
        "4,50",
        "62,5",
        "2",
    ]
    assert rangs[bilans["B3"].numero][8:10] == ["5,00", "16,7"]
    assert NOTE_CONFIDENTIELLE not in texte


def test_administratif_bpf_csv_of_each_year_in_the_window(world):
    jeu_construire(world)
    pieces = _pieces(world, "administratif")
    assert list(pieces) == ["bpf_bilans_2026.csv"]
    assert ["2026", "Produits", "Total", "", "", "2737.50"] in _rangs(pieces["bpf_bilans_2026.csv"])


def test_a_sample_limits_the_per_dossier_files(world):
    bilans = jeu_construire(world)
    pieces = _pieces(world, "abandons", bilans=[bilans["B1"]])
    assert pieces == {}  # B1 did not drop out: nothing, the index prints the absence sentence
