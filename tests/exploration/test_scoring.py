"""Scoring against hand-computed scores (docstring of ``exploration.scoring``): for each
instrument a full answer set, the expected sums written literally, reverse keys included."""

import pytest

from exploration import scoring
from exploration.instruments import (
    IPIP_BF_50,
    IPIP_NEO_120,
    RIASEC_48,
    VALEURS,
    instrument,
)


def _par_code(lignes):
    return {ligne["code"]: ligne["score"] for ligne in lignes}


# --- IPIP-NEO-120 ------------------------------------------------------------------------------
# Each facet has one item in each block of 30 (items k, k+30, k+60, k+90). Pattern: items 1-30
# answered 5, 31-60 answered 4, 61-90 answered 2, 91-120 answered 1. A plus-keyed item then
# scores 5, 4, 2, 1 by block, a minus-keyed one 1, 2, 4, 5. By hand from the data's keys
# (e.g. N2 = +,+,+,- gives 5+4+2+5 = 16; A2 = -,-,-,- gives 1+2+4+5 = 12):


def _neo_reponses():
    return {
        str(n): (5 if n <= 30 else 4 if n <= 60 else 2 if n <= 90 else 1) for n in range(1, 121)
    }


NEO_FACETTES = {
    "N1": 12, "N2": 16, "N3": 16, "N4": 16, "N5": 16, "N6": 16,
    "E1": 18, "E2": 18, "E3": 16, "E4": 16, "E5": 12, "E6": 12,
    "O1": 12, "O2": 18, "O3": 18, "O4": 16, "O5": 16, "O6": 18,
    "A1": 16, "A2": 12, "A3": 18, "A4": 12, "A5": 12, "A6": 18,
    "C1": 12, "C2": 16, "C3": 18, "C4": 18, "C5": 18, "C6": 12,
}  # fmt: skip
NEO_DOMAINES = {"N": 92, "E": 92, "O": 98, "A": 88, "C": 94}


def test_ipip_neo_120_scores_calcules_a_la_main():
    resultat = scoring.score_likert(instrument=instrument(IPIP_NEO_120), reponses=_neo_reponses())
    assert _par_code(resultat["facettes"]) == NEO_FACETTES
    assert _par_code(resultat["domaines"]) == NEO_DOMAINES
    n = resultat["domaines"][0]
    assert (n["code"], n["min"], n["max"], n["items"]) == ("N", 24, 120, 24)
    # 92 / 24 = 3.83 > 3.5; facet N1 = 12 / 4 = 3.0; A2 = 12 -> moyen; O2 = 18 / 4 = 4.5.
    assert n["niveau"] == "haut"
    niveaux = {f["code"]: f["niveau"] for f in resultat["facettes"]}
    assert (niveaux["N1"], niveaux["N2"], niveaux["O2"]) == ("moyen", "haut", "haut")
    assert {f["code"]: f["domaine"] for f in resultat["facettes"]}["C6"] == "C"


def test_ipip_neo_120_sans_cles_inversees_le_score_serait_faux():
    """Guards the test itself: ignoring the 55 minus-keyed items would give 12 everywhere."""
    assert len([i for i in instrument(IPIP_NEO_120).items if i.inverse]) == 55
    assert set(NEO_FACETTES.values()) != {12}


# --- IPIP Big-Five 50 --------------------------------------------------------------------------
# Pattern 1: item k (1-10) of each factor answered 1, 2, 3, 4, 5, 1, 2, 3, 4, 5. Keys (data):
# E minus 2, 4, 6, 8, 10 -> 1+4+3+2+5+5+2+3+4+1 = 30
# A minus 1, 3, 5, 7     -> 5+2+3+4+1+1+4+3+4+5 = 32
# C minus 2, 4, 6, 8     -> 1+4+3+2+5+5+2+3+4+5 = 34
# ES (items N) minus 1, 3, 5, 6, 7, 8, 9, 10 -> 5+2+3+4+1+5+4+3+2+1 = 30
# I (items O) minus 2, 4, 6 -> 1+4+3+2+5+5+2+3+4+5 = 34
# Pattern 2: every item answered 5: plus items score 5, minus items 1:
# E 5x5+5x1 = 30; A 6x5+4x1 = 34; C 34; ES 2x5+8x1 = 18; I 7x5+3x1 = 38.


def _bf_motif(motif):
    reponses = {}
    for lettre in "EACNO":
        for k in range(1, 11):
            reponses[f"{lettre}{k}"] = motif(k)
    return reponses


def test_big_five_50_scores_calcules_a_la_main():
    inst = instrument(IPIP_BF_50)
    un = scoring.score_likert(instrument=inst, reponses=_bf_motif(lambda k: (k - 1) % 5 + 1))
    assert _par_code(un["domaines"]) == {"E": 30, "A": 32, "C": 34, "ES": 30, "I": 34}
    deux = scoring.score_likert(instrument=inst, reponses=_bf_motif(lambda k: 5))
    assert _par_code(deux["domaines"]) == {"E": 30, "A": 34, "C": 34, "ES": 18, "I": 38}
    niveaux = {d["code"]: d["niveau"] for d in deux["domaines"]}
    # 18 / 10 = 1.8 < 2.5; 38 / 10 = 3.8 > 3.5; 34 / 10 = 3.4.
    assert (niveaux["ES"], niveaux["I"], niveaux["A"]) == ("bas", "haut", "moyen")
    assert deux["facettes"] == []
    assert "code" not in deux


# --- RIASEC 48 ---------------------------------------------------------------------------------
# R all 1 -> 8; I all 2 -> 16; A 5,5,5,5,4,4,4,4 -> 36; S all 5 -> 40; E all 3 -> 24;
# C 4,4,4,4,3,3,3,3 -> 28. Code: S (40), A (36), C (28): « SAC », no tie.


def _riasec(valeurs):
    return {f"{lettre}{k}": valeurs[lettre][k - 1] for lettre in "RIASEC" for k in range(1, 9)}


def test_riasec_scores_et_code_calcules_a_la_main():
    valeurs = {
        "R": [1] * 8,
        "I": [2] * 8,
        "A": [5, 5, 5, 5, 4, 4, 4, 4],
        "S": [5] * 8,
        "E": [3] * 8,
        "C": [4, 4, 4, 4, 3, 3, 3, 3],
    }
    resultat = scoring.score_likert(instrument=instrument(RIASEC_48), reponses=_riasec(valeurs))
    assert _par_code(resultat["domaines"]) == {
        "R": 8, "I": 16, "A": 36, "S": 40, "E": 24, "C": 28,
    }  # fmt: skip
    assert resultat["code"] == "SAC"
    assert resultat["egalite"] is False
    assert resultat["domaines"][0]["max"] == 40


def test_riasec_egalite_departagee_par_l_ordre_riasec():
    # E all 3 but the first four 4 -> 28, as C: third and fourth equal, E comes before C.
    valeurs = {
        "R": [1] * 8,
        "I": [2] * 8,
        "A": [5, 5, 5, 5, 4, 4, 4, 4],
        "S": [5] * 8,
        "E": [4, 4, 4, 4, 3, 3, 3, 3],
        "C": [4, 4, 4, 4, 3, 3, 3, 3],
    }
    resultat = scoring.score_likert(instrument=instrument(RIASEC_48), reponses=_riasec(valeurs))
    assert resultat["code"] == "SAE"
    assert resultat["egalite"] is True


# --- Values card sort --------------------------------------------------------------------------
# 87 cards (92 minus the 5 the project leaves out: 36, 58, 73, 80, 84). Cards 1-10 « très
# important » (10), 11-20 « important » (10), the other 67 « peu important ».


def _piles():
    inst = instrument(VALEURS)
    return {
        c.id: "tres_important"
        if int(c.id) <= 10
        else "important"
        if int(c.id) <= 20
        else "peu_important"
        for c in inst.cartes
    }


def test_tri_des_valeurs_piles_et_top_cinq():
    inst = instrument(VALEURS)
    assert len(inst.cartes) == 87
    assert {"36", "58", "73", "80", "84"}.isdisjoint(c.id for c in inst.cartes)
    resultat = scoring.score_tri(instrument=inst, piles=_piles(), top=["8", "3", "1", "10", "4"])
    assert resultat["comptes"] == {"tres_important": 10, "important": 10, "peu_important": 67}
    assert resultat["piles"]["tres_important"] == [str(i) for i in range(1, 11)]
    assert resultat["top"] == ["8", "3", "1", "10", "4"]


@pytest.mark.parametrize(
    "top",
    [["8", "3", "1", "10"], ["8", "3", "1", "10", "10"], ["8", "3", "1", "10", "15"]],
)
def test_tri_des_valeurs_top_refuse(top):
    with pytest.raises(ValueError, match="Classez|parmi"):
        scoring.score_tri(instrument=instrument(VALEURS), piles=_piles(), top=top)


def test_tri_des_valeurs_carte_sans_pile_refusee():
    piles = _piles()
    del piles["1"]
    with pytest.raises(ValueError, match="sans pile"):
        scoring.score_tri(
            instrument=instrument(VALEURS), piles=piles, top=["2", "3", "4", "5", "6"]
        )


def test_likert_incomplet_ou_hors_echelle_refuse():
    reponses = _neo_reponses()
    del reponses["120"]
    with pytest.raises(ValueError, match="sans réponse"):
        scoring.score_likert(instrument=instrument(IPIP_NEO_120), reponses=reponses)
    reponses = _neo_reponses() | {"7": 6}
    with pytest.raises(ValueError, match="hors de l"):
        scoring.score_likert(instrument=instrument(IPIP_NEO_120), reponses=reponses)


def test_donnees_des_instruments():
    neo = instrument(IPIP_NEO_120)
    assert (len(neo.items), len(neo.domaines), len(neo.facettes)) == (120, 5, 30)
    assert neo.items[0].texte == "Je m'inquiète à propos de choses"
    assert [o.libelle for o in neo.options][1] == "Plutôt en désaccord"
    assert all(d.textes.keys() == {"bas", "moyen", "haut"} for d in neo.domaines)
    assert len(instrument(RIASEC_48).items) == 48
    assert len(instrument(IPIP_BF_50).items) == 50
    assert instrument(IPIP_BF_50).items[0].texte == "Je suis un boute-en-train."


def test_noms_de_facettes_corriges_par_le_projet():
    facettes = {f.code: f.libelle for f in instrument(IPIP_NEO_120).facettes}
    assert (facettes["E1"], facettes["E2"], facettes["C3"], facettes["O3"]) == (
        "Chaleur",
        "Sociabilité",
        "Sens du devoir",
        "Émotivité",
    )
    assert facettes["N1"] == "Anxiété"  # the others as in the data
