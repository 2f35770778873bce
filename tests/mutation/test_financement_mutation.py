"""Financing rules (domain §8 rules 19 and 22): what the mutation run of
``beneficiaires/financement.py`` found untested after the staggered payments were merged.

The stage table of the staggering (``paiement_palier``: each stage's share, its French name read
in the refusal, the next step), the CPF split of a bilan (which entry date, the exemption, no
split off the CPF route) and the zero price. See tests/MUTATION.md.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import NON_FIELD_ERRORS

from beneficiaires import financement as fin
from beneficiaires.models import Beneficiaire, Bilan, Financement, Phase, StatutBilan
from tests.beneficiaires.test_financement import AUJOURDHUI, SIRET_EMPLOYEUR, _organisation
from tests.beneficiaires.test_financement import _bilan as _bilan_route

AVANT = fin.Palier(
    part=D("0.30"),
    etape="avant la phase d'investigation",
    suivant="au début de la phase d'investigation",
    part_suivante=D("0.70"),
)
INVESTIGATION = fin.Palier(
    part=D("0.70"),
    etape="phase d'investigation ou de conclusion",
    suivant="à la remise de la synthèse",
    part_suivante=D("1"),
)
REMISE = fin.Palier(part=D("1"), etape="synthèse remise")
REFUS = fin.Palier(part=D("0"), etape="bilan refusé ou contrat rétracté")
ABANDON_AVANT = fin.Palier(part=D("0.30"), etape="bilan abandonné")
ABANDON_INVESTIGATION = fin.Palier(part=D("0.70"), etape="bilan abandonné")


@pytest.mark.parametrize(
    ("statut", "phase", "palier"),
    [
        (StatutBilan.DEMANDE, "", AVANT),
        (StatutBilan.ATTENTE, Phase.PRELIMINAIRE, AVANT),
        # Only a bilan under way reaches the investigation share (a stale phase does not).
        (StatutBilan.ATTENTE, Phase.INVESTIGATION, AVANT),
        (StatutBilan.PREALABLE_REALISE, Phase.CONCLUSION, AVANT),
        (StatutBilan.EN_COURS, Phase.PRELIMINAIRE, AVANT),
        (StatutBilan.EN_COURS, Phase.INVESTIGATION, INVESTIGATION),
        (StatutBilan.EN_COURS, Phase.CONCLUSION, INVESTIGATION),
        (StatutBilan.SYNTHESE_REMISE, Phase.CONCLUSION, REMISE),
        (StatutBilan.CLOS, Phase.CONCLUSION, REMISE),
        (StatutBilan.CLOS, "", REMISE),
        (StatutBilan.ABANDONNE, Phase.PRELIMINAIRE, ABANDON_AVANT),
        (StatutBilan.ABANDONNE, "", ABANDON_AVANT),
        (StatutBilan.ABANDONNE, Phase.INVESTIGATION, ABANDON_INVESTIGATION),
        (StatutBilan.ABANDONNE, Phase.CONCLUSION, ABANDON_INVESTIGATION),
        (StatutBilan.REFUSE, "", REFUS),
        (StatutBilan.REFUSE, Phase.INVESTIGATION, REFUS),
    ],
)
def test_regle_22_the_share_payable_at_each_stage(statut, phase, palier):
    """L6353-6 / L6353-7: 30 % before the investigation phase, 70 % during investigation or
    conclusion, 100 % once the synthèse is handed over; an abandoned bilan stays at the share
    of the stage reached with no next step; a refused one (withdrawal) at nothing."""
    assert fin.paiement_palier(statut=statut, phase=phase) == palier


def _bilan(**champs):
    valeurs = {
        "financement": Financement.CPF,
        "prix_ttc": D("2000.00"),
        "date_debut_reelle": None,
        "date_debut_prevue": None,
        "cpf_exoneration": "",
    }
    valeurs.update(champs)
    return Bilan(**valeurs)


def test_regle_19_a_bilans_cpf_split_is_taken_at_its_entry_date():
    """The cap of 1 600 € applies from 26 Feb 2026: the actual start wins over the planned one,
    the planned one over today, today when neither is known."""
    sans_plafond = {
        "cpf_utilisable": D("2000.00"),
        "reste_a_financer": D("0.00"),
        "participation": D("103.20"),
    }
    plafonne = {
        "cpf_utilisable": D("1600.00"),
        "reste_a_financer": D("400.00"),
        "participation": D("103.20"),
    }
    mars = date(2026, 3, 10)
    # Actual start after the reform, planned before it: the actual one.
    bilan = _bilan(date_debut_reelle=date(2026, 3, 2), date_debut_prevue=date(2026, 2, 20))
    assert fin.bilan_cpf_repartition(bilan=bilan, aujourdhui=date(2026, 1, 5)) == plafonne
    # Planned before the reform, today after it: the planned one.
    bilan = _bilan(date_debut_prevue=date(2026, 2, 20))
    assert fin.bilan_cpf_repartition(bilan=bilan, aujourdhui=mars) == sans_plafond
    # Neither: today.
    assert fin.bilan_cpf_repartition(bilan=_bilan(), aujourdhui=mars) == plafonne
    assert fin.bilan_cpf_repartition(bilan=_bilan(), aujourdhui=date(2026, 2, 25)) == sans_plafond


def test_regle_19_a_bilans_exemption_waives_the_participation():
    bilan = _bilan(date_debut_prevue=date(2026, 3, 2), cpf_exoneration="demandeur_emploi")
    assert fin.bilan_cpf_repartition(bilan=bilan, aujourdhui=date(2026, 3, 2)) == {
        "cpf_utilisable": D("1600.00"),
        "reste_a_financer": D("400.00"),
        "participation": D("0.00"),
    }


@pytest.mark.parametrize(
    "champs",
    [
        {"financement": Financement.PERSONNEL},
        {"financement": Financement.OPCO},
        {"prix_ttc": None},
        {"prix_ttc": D("0")},
    ],
)
def test_regle_19_no_cpf_split_off_the_cpf_route_or_without_a_price(champs):
    assert fin.bilan_cpf_repartition(bilan=_bilan(**champs), aujourdhui=date(2026, 3, 2)) is None


def test_regle_19_a_free_bilan_splits_into_zeros_a_negative_price_is_refused():
    assert fin.cpf_repartition(prix=D("0"), entree_le=date(2026, 3, 2), exoneration="c2p") == {
        "cpf_utilisable": D("0.00"),
        "reste_a_financer": D("0.00"),
        "participation": D("0.00"),
    }
    with pytest.raises(ValueError, match=r"^Le prix ne peut pas être négatif\.$"):
        fin.cpf_repartition(prix=D("-0.01"), entree_le=date(2026, 3, 2), exoneration="")


SIGNATAIRE = fin.Probleme(
    "employeur_signataire_nom",
    "Le ou la signataire de la convention pour l'employeur n'est pas renseigné·e (R6313-8).",
    manquant=True,
)
EMPLOYEUR = fin.Probleme(
    NON_FIELD_ERRORS,
    "Le nom et le SIRET de l'employeur doivent être renseignés dans la fiche du ou de la "
    "bénéficiaire (convention tripartite, R6313-8).",
    manquant=True,
)


@pytest.mark.parametrize("route", sorted(fin.ROUTES_EMPLOYEUR))
@pytest.mark.parametrize(
    ("nom", "siret", "signataire", "attendu"),
    [
        ("", "", "  ", [SIGNATAIRE, EMPLOYEUR]),
        # Either one missing is enough: the tripartite convention names both.
        ("Employeur SA", " ", "Dominique Durand", [EMPLOYEUR]),
        (" ", SIRET_EMPLOYEUR, "Dominique Durand", [EMPLOYEUR]),
        ("Employeur SA", SIRET_EMPLOYEUR, "", [SIGNATAIRE]),
        ("Employeur SA", SIRET_EMPLOYEUR, "Dominique Durand", []),
    ],
)
def test_regle_08_an_employer_route_names_the_convention_parties(
    route, nom, siret, signataire, attendu
):
    """R6313-8: the employer's signatory, name and SIRET, each missing information (a draft may
    be saved without them) at its field, the employer's at no field (the beneficiary's file)."""
    beneficiaire = Beneficiaire(prenom="C", nom="M", employeur_nom=nom, employeur_siret=siret)
    bilan = _bilan_route(route, beneficiaire=beneficiaire, employeur_signataire_nom=signataire)
    assert (
        fin.financement_problemes_detail(
            bilan=bilan, aujourdhui=AUJOURDHUI, organisation=_organisation()
        )
        == attendu
    )
