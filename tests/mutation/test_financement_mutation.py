"""Financing rules (domain §8 rules 19 and 22): what the mutation run of
``beneficiaires/financement.py`` found untested after the staggered payments were merged.

The stage table of the staggering (``paiement_palier``: each stage's share, its French name read
in the refusal, the next step), the CPF split of a bilan (which entry date, the exemption, no
split off the CPF route) and the zero price. See tests/MUTATION.md.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

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


REGLAGE_LE = "Un·e administrateur·rice le renseigne dans la page « Organisme »."
QUALIOPI_ABSENT = fin.Probleme(
    "financement",
    "L'organisme n'a pas de certificat Qualiopi couvrant les bilans de compétences enregistré : "
    "seul un financement personnel est possible (L6316-1). " + REGLAGE_LE,
    reglage_organisme=True,
)


@pytest.mark.parametrize(
    ("organisation", "debut", "attendu"),
    [
        (
            {"numero_declaration_activite": ""},
            date(2026, 6, 16),
            [
                fin.Probleme(
                    "financement",
                    "Le numéro de déclaration d'activité de l'organisme n'est pas renseigné : un "
                    "bilan financé ne peut pas commencer (L6351-1). " + REGLAGE_LE,
                    reglage_organisme=True,
                )
            ],
        ),
        ({"qualiopi_numero_certificat": ""}, date(2026, 6, 16), [QUALIOPI_ABSENT]),
        ({"qualiopi_couvre_bilans": False}, date(2026, 6, 16), [QUALIOPI_ABSENT]),
        (
            {"qualiopi_date_expiration": None},
            date(2026, 6, 16),
            [
                fin.Probleme(
                    "financement",
                    "La date d'expiration du certificat Qualiopi de l'organisme n'est pas "
                    "renseignée : un bilan financé ne peut pas commencer (L6316-1). "
                    "Un·e administrateur·rice la renseigne dans la page « Organisme ».",
                    reglage_organisme=True,
                )
            ],
        ),
        # Expired the day before the planned start.
        (
            {"qualiopi_date_expiration": date(2026, 6, 15)},
            date(2026, 6, 16),
            [
                fin.Probleme(
                    "financement",
                    "Le certificat Qualiopi de l'organisme expire le 15/06/2026, avant le début "
                    "du bilan (16/06/2026) : un bilan financé ne peut pas commencer (L6316-1). "
                    "Un·e administrateur·rice enregistre le certificat renouvelé dans la page "
                    "« Organisme ».",
                    reglage_organisme=True,
                )
            ],
        ),
        # A planned start already past: today (01/06/2026) is the reference.
        (
            {"qualiopi_date_expiration": date(2026, 5, 31)},
            date(2026, 5, 20),
            [
                fin.Probleme(
                    "financement",
                    "Le certificat Qualiopi de l'organisme expire le 31/05/2026, avant le début "
                    "du bilan (01/06/2026) : un bilan financé ne peut pas commencer (L6316-1). "
                    "Un·e administrateur·rice enregistre le certificat renouvelé dans la page "
                    "« Organisme ».",
                    reglage_organisme=True,
                )
            ],
        ),
        ({"qualiopi_date_expiration": date(2026, 6, 1)}, date(2026, 5, 20), []),
    ],
)
def test_regle_25_the_organisations_settings_named_for_its_admin(organisation, debut, attendu):
    bilan = _bilan_route(Financement.OPCO, date_debut_prevue=debut)
    assert (
        fin.financement_problemes_detail(
            bilan=bilan, aujourdhui=AUJOURDHUI, organisation=_organisation(**organisation)
        )
        == attendu
    )


def test_a_bilan_without_a_route_says_so():
    bilan = _bilan_route("", date_debut_prevue=date(2026, 6, 16))
    assert fin.financement_problemes_detail(
        bilan=bilan, aujourdhui=AUJOURDHUI, organisation=_organisation()
    ) == [fin.Probleme("financement", "Le mode de financement n'est pas choisi.", manquant=True)]


def _cpf(**champs):
    bilan = _bilan_route(Financement.CPF, **champs)
    return fin.financement_problemes_detail(
        bilan=bilan, aujourdhui=AUJOURDHUI, organisation=_organisation()
    )


def test_regle_20_the_five_year_declaration_missing_or_blocking():
    assert _cpf(cpf_aucun_bilan_finance_5_ans=None) == [
        fin.Probleme(
            "cpf_aucun_bilan_finance_5_ans",
            "Le ou la bénéficiaire n'a pas déclaré s'il ou elle a eu un bilan financé par un "
            "financeur public ou mutualisé depuis 5 ans (D6323-6).",
            manquant=True,
        )
    ]
    assert _cpf(cpf_aucun_bilan_finance_5_ans=False) == [
        fin.Probleme(
            "cpf_aucun_bilan_finance_5_ans",
            "Le ou la bénéficiaire a eu un bilan financé par un financeur public ou mutualisé "
            "depuis moins de 5 ans : le CPF ne peut pas financer ce bilan (D6323-6). Choisissez "
            "un autre financement.",
        )
    ]


def test_regle_21_the_authorisation_to_ask_for_and_the_late_request_with_its_notice():
    assert _cpf(sur_temps_de_travail=True, autorisation_demandee_le=None) == [
        fin.Probleme(
            "autorisation_demandee_le",
            "Le bilan a lieu sur le temps de travail : l'autorisation d'absence de l'employeur "
            "doit être demandée (D6323-4).",
            manquant=True,
        )
    ]
    tardive = (
        "L'autorisation d'absence a été demandée moins de %s jours avant le début (D6323-4) : "
        "sans accord exprès de l'employeur, le bilan ne peut pas commencer à cette date."
    )
    # Asked on 01/05 for a start on 16/06: 46 days, under 60.
    assert _cpf(sur_temps_de_travail=True, autorisation_demandee_le=date(2026, 5, 1)) == [
        fin.Probleme("autorisation_demandee_le", tardive % 60)
    ]
    # Asked 107 days before an action of 6 months (16/06 to 16/12): under 120.
    assert _cpf(
        sur_temps_de_travail=True,
        autorisation_demandee_le=date(2026, 3, 1),
        date_fin_prevue=date(2026, 12, 16),
    ) == [fin.Probleme("autorisation_demandee_le", tardive % 120)]


def _verifier(**champs):
    valeurs = {
        "prix": D("1000.00"),
        "contrat_signe_le": date(2026, 6, 1),
        "deja_paye": D("0"),
        "montant": D("300.00"),
        "le": date(2026, 6, 12),
        "statut": StatutBilan.CLOS,
        "phase": Phase.CONCLUSION,
    }
    valeurs.update(champs)
    with pytest.raises(ValidationError) as refus:
        fin.paiement_verifier(**valeurs)
    return refus.value.messages


def test_regle_22_every_refusal_of_a_payment_in_full():
    assert _verifier(montant=D("0"), prix=None, contrat_signe_le=None) == [
        "Le montant du paiement doit être positif.",
        "Le prix du bilan doit être fixé avant d'enregistrer un paiement.",
        "Aucun paiement ne peut être reçu avant la signature du contrat de formation (L6353-3).",
    ]
    assert _verifier(montant=D("-5"), le=date(2026, 6, 11)) == [
        "Le montant du paiement doit être positif.",
        "Aucun paiement ne peut être reçu pendant le délai de rétractation de 10 jours, qui court "
        "jusqu'au 11/06/2026 inclus (L6353-6). Premier paiement possible le 12/06/2026.",
    ]
    assert _verifier(deja_paye=D("700"), montant=D("300.01")) == [
        "Le total des paiements (1\u202f000,01\xa0€) dépasserait le prix du bilan "
        "(1\u202f000,00\xa0€) ; reste dû : 300,00\xa0€."
    ]
    # Already above the price (recorded before a price change): nothing is left, not less.
    assert _verifier(prix=D("500.00"), deja_paye=D("600"), montant=D("1.00")) == [
        "Le total des paiements (601,00\xa0€) dépasserait le prix du bilan (500,00\xa0€) ; "
        "reste dû : 0,00\xa0€."
    ]


def test_regle_22_a_price_of_zero_is_no_price_one_euro_is():
    assert _verifier(prix=D("0.00")) == [
        "Le prix du bilan doit être fixé avant d'enregistrer un paiement."
    ]
    # 30 % of 1,00 € on the first payment: 0,30 € is lawful, 0,31 € is not.
    fin.paiement_verifier(
        prix=D("1.00"),
        contrat_signe_le=date(2026, 6, 1),
        deja_paye=D("0"),
        montant=D("0.30"),
        le=date(2026, 6, 12),
        statut=StatutBilan.CLOS,
        phase=Phase.CONCLUSION,
    )
    assert _verifier(prix=D("1.00"), montant=D("0.31")) == [
        "Le premier paiement ne peut dépasser 30 % du prix, soit 0,30\xa0€ (L6353-6)."
    ]


def test_regle_22_no_amount_or_a_zero_one_stops_at_its_message():
    """Without a positive amount nothing else is checked, even a total already above the
    stage's share (400 € paid where 30 % of 1 000 € is allowed)."""
    for montant in (None, D("0")):
        assert _verifier(montant=montant, deja_paye=D("400"), statut=StatutBilan.ATTENTE) == [
            "Le montant du paiement doit être positif."
        ]


def test_regle_22_the_30_percent_cap_is_for_the_first_payment_only():
    """0,50 € already paid: 400 € more during the investigation phase (70 % allowed) is not a
    first payment, so the 30 % cap no longer applies."""
    fin.paiement_verifier(
        prix=D("1000.00"),
        contrat_signe_le=date(2026, 6, 1),
        deja_paye=D("0.50"),
        montant=D("400.00"),
        le=date(2026, 6, 12),
        statut=StatutBilan.EN_COURS,
        phase=Phase.INVESTIGATION,
    )


def test_regle_22_the_staggering_message_in_full_during_the_investigation():
    assert _verifier(
        deja_paye=D("300"),
        montant=D("400.01"),
        statut=StatutBilan.EN_COURS,
        phase=Phase.INVESTIGATION,
    ) == [
        "Le solde est échelonné au fil du bilan (L6353-6) : à ce stade (phase d'investigation ou "
        "de conclusion), le total des paiements ne peut dépasser 70 % du prix, soit 700,00\xa0€ "
        "; encore payable maintenant : 400,00\xa0€. Le total pourra atteindre 100 % du prix "
        "(1\u202f000,00\xa0€) à la remise de la synthèse."
    ]


def test_regle_26_r6313_5_the_organisations_siret_entered_with_spaces():
    """The organisation's SIRET is compared without its spaces (mutation ``_problemes_communs``
    9: the spaces replaced by another string hid the organisation's own employees)."""
    beneficiaire = Beneficiaire(
        prenom="C", nom="M", employeur_nom="Employeur", employeur_siret="73282932000108"
    )
    bilan = _bilan_route(Financement.PERSONNEL, beneficiaire=beneficiaire)
    organisation = _organisation(siret="732 829 320 00074")
    assert fin.financement_problemes_detail(
        bilan=bilan, aujourdhui=AUJOURDHUI, organisation=organisation
    ) == [
        fin.Probleme(
            NON_FIELD_ERRORS,
            "L'organisme ne peut pas réaliser le bilan de ses propres salarié·es : l'employeur "
            "du ou de la bénéficiaire (SIRET 73282932000108) est l'organisme lui-même (R6313-5).",
        )
    ]


def test_regle_21_the_employers_pending_and_refused_answers_at_their_field():
    """Asked on 20/05 for a start on 01/09 (over 60 days' notice) and not answered on 01/06:
    missing information at the answer's field, with the day silence becomes consent (30 days:
    19/06); refused: a rule broken at the same field, not missing information (mutations
    ``_problemes_cpf`` 154-180)."""
    attente = _cpf(
        sur_temps_de_travail=True,
        autorisation_demandee_le=date(2026, 5, 20),
        date_debut_prevue=date(2026, 9, 1),
    )
    assert attente == [
        fin.Probleme(
            "autorisation_reponse",
            "L'employeur n'a pas encore répondu à la demande d'autorisation d'absence ; sans "
            "réponse, elle sera acquise après le 19/06/2026 (D6323-4).",
            manquant=True,
        )
    ]
    refus = _cpf(
        sur_temps_de_travail=True,
        date_debut_prevue=date(2026, 9, 1),
        autorisation_demandee_le=date(2026, 5, 20),
        autorisation_reponse="refus",
        autorisation_reponse_le=date(2026, 5, 25),
    )
    assert refus == [
        fin.Probleme(
            "autorisation_reponse",
            "L'employeur a refusé l'absence : le bilan ne peut pas avoir lieu sur le temps de "
            "travail (D6323-4).",
        )
    ]
