"""The Qualiopi referential is data: its file drives the indicators and their evidence kinds."""

import json

import pytest

from qualiopi import referentiel
from qualiopi.referentiel import charger_referentiel, referentiel_courant


def test_rnq_v9_applique_22_indicateurs_au_bilan_et_exclut_les_autres_avec_motif():
    rnq = referentiel_courant()
    assert rnq.version == "RNQ V9"
    assert len(rnq.criteres) == 7
    assert len(rnq.indicateurs) == 32
    hors_bilan = [i.numero for i in rnq.indicateurs if not i.bilan]
    assert hors_bilan == [3, 7, 8, 13, 14, 15, 16, 20, 28, 29]
    assert len(rnq.indicateurs_bilan()) == 22
    # Each indicator that applies names its evidence; each one that does not says why.
    assert all(i.preuves for i in rnq.indicateurs_bilan())
    assert all(i.motif_exclusion and not i.preuves for i in rnq.indicateurs if not i.bilan)
    assert [i.numero for i in rnq.indicateurs_prouves_par("reclamations")] == [31]
    assert "RNQ V9" in rnq.libelle


def test_une_nouvelle_version_est_un_fichier_de_donnees(tmp_path, monkeypatch):
    """A renumbering or a new indicator is a new JSON file named by the setting, not code."""
    donnees = json.loads((referentiel.DOSSIER_DONNEES / "rnq-v9.json").read_text("utf-8"))
    donnees["version"] = "RNQ V10"
    donnees["indicateurs"].append(
        {
            "numero": 33,
            "critere": 7,
            "titre": "Nouvel indicateur",
            "bilan": True,
            "preuves": ["reclamations"],
        }
    )
    (tmp_path / "rnq-v10.json").write_text(json.dumps(donnees), encoding="utf-8")
    monkeypatch.setattr(referentiel, "DOSSIER_DONNEES", tmp_path)
    rnq = charger_referentiel("rnq-v10")
    assert rnq.version == "RNQ V10"
    assert [i.numero for i in rnq.indicateurs_prouves_par("reclamations")] == [31, 33]


def test_une_preuve_non_declaree_est_refusee(tmp_path, monkeypatch):
    donnees = json.loads((referentiel.DOSSIER_DONNEES / "rnq-v9.json").read_text("utf-8"))
    donnees["indicateurs"][0]["preuves"].append("preuve_inconnue")
    (tmp_path / "casse.json").write_text(json.dumps(donnees), encoding="utf-8")
    monkeypatch.setattr(referentiel, "DOSSIER_DONNEES", tmp_path)
    with pytest.raises(ValueError, match="preuve_inconnue"):
        charger_referentiel("casse")
