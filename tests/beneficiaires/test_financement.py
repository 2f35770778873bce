"""Financing rules (beneficiaires/financement.py) and the form validation built on them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from beneficiaires import financement as fin
from beneficiaires.models import Beneficiaire, Bilan, Financement
from beneficiaires.services.financement import bilan_financement_valider
from bilan.core import dates
from bilan.core.models import Organisation
from bilan.core.tenancy import tenant_context
from tests.factories.bilans import bilan_for

D = Decimal
SIRET_ORGANISME = "73282932000074"
SIRET_MEME_ENTREPRISE = "73282932000108"  # same SIREN, another establishment
SIRET_EMPLOYEUR = "55210055400013"
AUJOURDHUI = date(2026, 6, 1)  # a Monday; no public holiday in June 2026


# --- Working days ------------------------------------------------------------------------------


def test_jour_ouvre_exclut_week_end_et_feries():
    assert dates.est_jour_ouvre(le=date(2026, 6, 5))  # Friday
    assert not dates.est_jour_ouvre(le=date(2026, 6, 6))  # Saturday: ouvrable, not ouvré
    assert not dates.est_jour_ouvre(le=date(2026, 6, 7))
    assert not dates.est_jour_ouvre(le=date(2026, 7, 14))  # Tuesday, Fête nationale


def test_ajouter_jours_ouvres_ne_compte_pas_le_jour_de_depart():
    assert dates.ajouter_jours_ouvres(depart=date(2026, 6, 5), jours=1) == date(2026, 6, 8)
    assert dates.ajouter_jours_ouvres(depart=date(2026, 6, 6), jours=1) == date(2026, 6, 8)
    assert dates.ajouter_jours_ouvres(depart=date(2026, 6, 5), jours=0) == date(2026, 6, 5)
    assert dates.ajouter_jours_ouvres(depart=date(2026, 6, 8), jours=-1) == date(2026, 6, 5)


def test_cpf_minimum_exemple_du_cahier_des_charges():
    assert fin.cpf_date_debut_minimale(proposition_le=date(2026, 2, 20)) == date(2026, 3, 9)


def test_cpf_minimum_saute_1er_mai_8_mai_et_ascension():
    # 30/04/2026 (Thu) → 1 May (Fri), 8 May (Fri) and Ascension (Thu 14 May) are not counted.
    proposition = date(2026, 4, 30)
    assert dates.ajouter_jours_ouvres(depart=proposition, jours=10) == date(2026, 5, 19)
    assert fin.cpf_date_debut_minimale(proposition_le=proposition) == date(2026, 5, 20)
    # Without the holidays it would have been 15 May.
    assert date(2026, 5, 15) < fin.cpf_date_debut_minimale(proposition_le=proposition)


@pytest.mark.parametrize(
    ("lundi_de_paques", "proposition", "minimum"),
    [
        # Easter Monday moves: computed by `holidays`, not a fixed list of dates.
        (date(2026, 4, 6), date(2026, 4, 3), date(2026, 4, 21)),
        (date(2027, 3, 29), date(2027, 3, 26), date(2027, 4, 13)),
    ],
)
def test_cpf_minimum_saute_le_lundi_de_paques_calcule(lundi_de_paques, proposition, minimum):
    assert lundi_de_paques in dates.jours_feries(annee=lundi_de_paques.year)
    assert not dates.est_jour_ouvre(le=lundi_de_paques)
    assert fin.cpf_date_debut_minimale(proposition_le=proposition) == minimum


def test_feries_calcules_pour_une_annee_lointaine():
    feries = dates.jours_feries(annee=2031)
    assert date(2031, 4, 14) in feries  # Easter Monday 2031
    assert date(2031, 5, 22) in feries  # Ascension 2031
    assert date(2031, 4, 7) not in feries


def test_echeance_declaration_3_jours_ouvres_saute_le_lundi_de_pentecote():
    # Thu 21/05/2026 → Fri 22 (1), Mon 25 Whit Monday skipped, Tue 26 (2), Wed 27 (3).
    assert fin.cpf_echeance_declaration(evenement_le=date(2026, 5, 21)) == date(2026, 5, 27)
    assert fin.cpf_echeance_declaration(evenement_le=date(2026, 6, 1)) == date(2026, 6, 4)


# --- Participation, cap, split, hours ------------------------------------------------------------


@pytest.mark.parametrize(
    ("le", "montant"),
    [
        (date(2024, 5, 1), D("0.00")),
        (date(2024, 5, 2), D("100.00")),
        (date(2024, 12, 31), D("100.00")),
        (date(2025, 1, 1), D("102.23")),
        (date(2025, 12, 31), D("102.23")),
        (date(2026, 1, 1), D("103.20")),
        (date(2026, 11, 22), D("103.20")),
    ],
)
def test_participation_forfaitaire_par_annee(le, montant):
    assert fin.participation_forfaitaire(le=le) == montant


def test_plafond_cpf_a_partir_du_26_fevrier_2026():
    assert fin.cpf_plafond(le=date(2026, 2, 25)) is None
    assert fin.cpf_plafond(le=date(2026, 2, 26)) == D("1600.00")


@pytest.mark.parametrize(
    ("prix", "entree_le", "exoneration", "attendu"),
    [
        (D("2000"), date(2026, 3, 2), "", (D("1600.00"), D("400.00"), D("103.20"))),
        (D("1600"), date(2026, 3, 2), "", (D("1600.00"), D("0.00"), D("103.20"))),
        (D("1600.01"), date(2026, 3, 2), "", (D("1600.00"), D("0.01"), D("103.20"))),
        (D("1200"), date(2026, 3, 2), "", (D("1200.00"), D("0.00"), D("103.20"))),
        # Before the reform: no cap.
        (D("2000"), date(2026, 2, 25), "", (D("2000.00"), D("0.00"), D("103.20"))),
        (D("2000"), date(2025, 6, 1), "", (D("2000.00"), D("0.00"), D("102.23"))),
    ],
)
def test_cpf_repartition(prix, entree_le, exoneration, attendu):
    resultat = fin.cpf_repartition(prix=prix, entree_le=entree_le, exoneration=exoneration)
    assert (
        resultat["cpf_utilisable"],
        resultat["reste_a_financer"],
        resultat["participation"],
    ) == attendu


@pytest.mark.parametrize("code", sorted(fin.EXONERATIONS_PARTICIPATION))
def test_cpf_repartition_exoneree(code):
    resultat = fin.cpf_repartition(prix=D("1800"), entree_le=date(2026, 3, 2), exoneration=code)
    assert resultat == {
        "cpf_utilisable": D("1600.00"),
        "reste_a_financer": D("200.00"),
        "participation": D("0.00"),
    }


def test_exonerations_alignees_sur_les_choix_du_modele():
    choix = {value for value, _label in Bilan._meta.get_field("cpf_exoneration").choices}
    assert set(fin.EXONERATIONS_PARTICIPATION) == choix


def test_cpf_repartition_refuse_un_motif_inconnu():
    with pytest.raises(ValueError, match="exonération"):
        fin.cpf_repartition(prix=D("1000"), entree_le=date(2026, 3, 2), exoneration="ami")


def test_heures_financees_accompagnement_seul_a_partir_du_26_fevrier_2026():
    heures = {"heures_accompagnement": D("14"), "heures_travail_personnel": D("6")}
    assert fin.cpf_heures_financees(entree_le=date(2026, 2, 25), **heures) == D("20")
    assert fin.cpf_heures_financees(entree_le=date(2026, 2, 26), **heures) == D("14")


# --- Employer authorisation (D6323-4) ---------------------------------------------------------

DEBUT = date(2026, 9, 1)


def _etat(**kwargs):
    valeurs = {
        "demande_le": DEBUT - timedelta(days=60),
        "debut_prevu": DEBUT,
        "reponse": "",
        "reponse_le": None,
        "aujourdhui": DEBUT - timedelta(days=55),
    }
    valeurs.update(kwargs)
    return fin.autorisation_employeur_etat(**valeurs)


def test_autorisation_a_demander():
    assert _etat(demande_le=None) == "a_demander"


def test_autorisation_60_jours_avant_en_attente_59_jours_trop_tardive():
    assert _etat(demande_le=DEBUT - timedelta(days=60)) == "en_attente"
    assert _etat(demande_le=DEBUT - timedelta(days=59)) == "trop_tardive"


def test_autorisation_acquise_par_silence_apres_30_jours():
    demande = DEBUT - timedelta(days=90)
    assert _etat(demande_le=demande, aujourdhui=demande + timedelta(days=30)) == "en_attente"
    assert _etat(demande_le=demande, aujourdhui=demande + timedelta(days=31)) == "accordee"


def test_autorisation_silence_ne_vaut_pas_accord_pour_une_demande_tardive():
    demande = DEBUT - timedelta(days=59)
    assert _etat(demande_le=demande, aujourdhui=demande + timedelta(days=40)) == "trop_tardive"


def test_autorisation_reponses_expresses():
    assert _etat(reponse="accord", reponse_le=DEBUT - timedelta(days=50)) == "accordee"
    assert _etat(reponse="refus", reponse_le=DEBUT - timedelta(days=50)) == "refusee"
    # An explicit agreement waives the notice.
    tardive = DEBUT - timedelta(days=20)
    assert _etat(demande_le=tardive, reponse="accord", reponse_le=tardive) == "accordee"
    assert _etat(demande_le=tardive, reponse="refus", reponse_le=tardive) == "refusee"


def test_autorisation_refus_apres_le_delai_de_30_jours_ne_retire_pas_l_accord_acquis():
    demande = DEBUT - timedelta(days=90)
    refus_a_temps = demande + timedelta(days=30)
    refus_tardif = demande + timedelta(days=31)
    assert _etat(demande_le=demande, reponse="refus", reponse_le=refus_a_temps) == "refusee"
    assert _etat(demande_le=demande, reponse="refus", reponse_le=refus_tardif) == "accordee"


def test_autorisation_action_de_6_mois_ou_plus_exige_120_jours():
    demande = DEBUT - timedelta(days=90)
    six_mois = date(2027, 3, 1)  # 01/09/2026 + 6 months
    moins = six_mois - timedelta(days=1)
    aujourdhui = demande + timedelta(days=5)
    assert _etat(demande_le=demande, fin_prevue=six_mois, aujourdhui=aujourdhui) == "trop_tardive"
    assert _etat(demande_le=demande, fin_prevue=moins, aujourdhui=aujourdhui) == "en_attente"
    demande = DEBUT - timedelta(days=120)
    assert (
        _etat(demande_le=demande, fin_prevue=six_mois, aujourdhui=demande + timedelta(days=5))
        == "en_attente"
    )
    assert (
        _etat(demande_le=DEBUT - timedelta(days=119), fin_prevue=six_mois, aujourdhui=aujourdhui)
        == "trop_tardive"
    )


# --- Tripartite convention (R6313-8) ------------------------------------------------------------


def test_convention_date_limite_10_jours_calendaires():
    assert fin.convention_date_limite(transmise_le=date(2026, 6, 1)) == date(2026, 6, 11)


def test_regle_08_convention_refusee_par_silence_strictement_apres_le_10e_jour():
    transmise = date(2026, 6, 1)
    assert not fin.convention_refusee_par_silence(
        transmise_le=transmise, signee=False, aujourdhui=date(2026, 6, 11)
    )
    assert fin.convention_refusee_par_silence(
        transmise_le=transmise, signee=False, aujourdhui=date(2026, 6, 12)
    )
    assert not fin.convention_refusee_par_silence(
        transmise_le=transmise, signee=True, aujourdhui=date(2026, 6, 30)
    )
    assert not fin.convention_refusee_par_silence(
        transmise_le=None, signee=False, aujourdhui=date(2026, 6, 30)
    )


# --- Self-funded: withdrawal and payment rules (L6353-5/6) -------------------------------------


@pytest.mark.parametrize(
    ("signe_le", "fin_retractation"),
    [
        (date(2026, 6, 1), date(2026, 6, 11)),  # day 10 is a Thursday
        (date(2026, 6, 3), date(2026, 6, 15)),  # day 10 is a Saturday → Monday
        (date(2026, 4, 28), date(2026, 5, 11)),  # day 10 is Fri 8 May (holiday) → Monday
    ],
)
def test_retractation_fin(signe_le, fin_retractation):
    assert fin.retractation_fin(contrat_signe_le=signe_le) == fin_retractation


def _verifier(**kwargs):
    valeurs = {
        "prix": D("1000.00"),
        "contrat_signe_le": date(2026, 6, 1),
        "deja_paye": D("0"),
        "montant": D("300.00"),
        "le": date(2026, 6, 12),
        "statut": "attente",
        "phase": "",
    }
    valeurs.update(kwargs)
    fin.paiement_verifier(**valeurs)


def test_regle_22_paiement_accepte_le_lendemain_du_delai_au_plafond_de_30_pourcent():
    """Signed Monday 1 June 2026: the withdrawal period runs to Thursday 11 June inclusive. On
    Friday 12 June a first payment of exactly 30 % (300,00 € of 1 000 €) is lawful; the same
    payment one cent higher is refused with the 30 % message (so the day is accepted) — alone
    once the investigation phase allows 70 % in total, with the staggering message before it
    (the stage's share is 30 % too)."""
    assert fin.retractation_fin(contrat_signe_le=date(2026, 6, 1)) == date(2026, 6, 11)
    assert fin.premier_paiement_maximum(prix=D("1000.00")) == D("300.00")
    assert _verifier() is None
    premier = "Le premier paiement ne peut dépasser 30 % du prix, soit 300,00\xa0€ (L6353-6)."
    with pytest.raises(ValidationError) as refus:
        _verifier(montant=D("300.01"), statut="en_cours", phase="investigation")
    assert refus.value.messages == [premier]
    with pytest.raises(ValidationError) as refus:
        _verifier(montant=D("300.01"))
    assert refus.value.messages == [
        premier,
        "Le solde est échelonné au fil du bilan (L6353-6) : à ce stade (avant la phase "
        "d'investigation), le total des paiements ne peut dépasser 30 % du prix, soit "
        "300,00\xa0€ ; encore payable maintenant : 300,00\xa0€. Le total pourra atteindre 70 % "
        "du prix (700,00\xa0€) au début de la phase d'investigation.",
    ]


def test_paiement_verifier_refuse_le_10e_jour():
    with pytest.raises(ValidationError, match="11/06/2026 inclus"):
        _verifier(le=date(2026, 6, 11))


def test_paiement_verifier_refuse_avant_signature():
    with pytest.raises(ValidationError, match="avant la signature"):
        _verifier(le=date(2026, 5, 31))
    with pytest.raises(ValidationError, match="avant la signature"):
        _verifier(contrat_signe_le=None)


def test_paiement_verifier_premier_paiement_30_pourcent():
    _verifier(montant=D("300.00"))
    with pytest.raises(ValidationError, match="30 %"):
        _verifier(montant=D("300.01"))
    # Rounded down to the cent: 30 % of 1 234,57 € = 370,371 → 370,37 €.
    _verifier(prix=D("1234.57"), montant=D("370.37"))
    with pytest.raises(ValidationError, match="30 %"):
        _verifier(prix=D("1234.57"), montant=D("370.38"))


def test_regle_22_paiement_verifier_solde_echelonne_par_etape_jamais_au_dessus_du_prix():
    """L6353-6: 30 % then the balance staggered. The old behaviour (300 € on 12/06 then
    700 € on 13/06, 100 % collected the day after the withdrawal period) is refused."""
    with pytest.raises(ValidationError) as refus:
        _verifier(deja_paye=D("300"), montant=D("700.00"), le=date(2026, 6, 13))
    (message,) = refus.value.messages
    assert "ne peut dépasser 30 % du prix, soit 300,00" in message
    assert "encore payable maintenant : 0,00" in message
    assert "70 % du prix (700,00" in message
    assert "au début de la phase d'investigation" in message
    # Investigation (or conclusion) phase: up to 70 % in total.
    en_investigation = {"statut": "en_cours", "phase": "investigation"}
    _verifier(deja_paye=D("300"), montant=D("400.00"), **en_investigation)
    with pytest.raises(ValidationError, match="encore payable maintenant : 400,00") as refus:
        _verifier(deja_paye=D("300"), montant=D("400.01"), **en_investigation)
    assert "à la remise de la synthèse" in refus.value.messages[0]
    _verifier(deja_paye=D("300"), montant=D("400.00"), statut="en_cours", phase="conclusion")
    # Synthèse handed over: the balance, never more than the price.
    _verifier(deja_paye=D("700"), montant=D("300.00"), statut="synthese_remise", phase="")
    with pytest.raises(ValidationError, match="dépasserait le prix"):
        _verifier(deja_paye=D("700"), montant=D("300.01"), statut="clos", phase="conclusion")
    # Abandoned in investigation: what was delivered, no next step; refused: nothing.
    with pytest.raises(ValidationError) as refus:
        _verifier(deja_paye=D("700"), montant=D("0.01"), statut="abandonne", phase="investigation")
    assert "bilan abandonné" in refus.value.messages[0]
    assert "pourra atteindre" not in refus.value.messages[0]
    with pytest.raises(ValidationError, match="soit 0,00"):
        _verifier(montant=D("1.00"), statut="refuse", phase="")


def test_paiement_verifier_exige_un_prix_et_un_montant_positif():
    with pytest.raises(ValidationError, match="prix du bilan doit être fixé"):
        _verifier(prix=None)
    with pytest.raises(ValidationError, match="positif"):
        _verifier(montant=D("0"))


# --- Checklist before "en cours" ------------------------------------------------------------------


def _organisation(**kwargs):
    valeurs = {
        "raison_sociale": "Organisme certifié",
        "siret": SIRET_ORGANISME,
        "numero_declaration_activite": "11755555575",
        "qualiopi_numero_certificat": "QUALIOPI-123",
        "qualiopi_date_expiration": date(2027, 12, 31),
        "qualiopi_couvre_bilans": True,
    }
    valeurs.update(kwargs)
    return Organisation(**valeurs)


def _bilan(financement=Financement.CPF, beneficiaire=None, **kwargs):
    """An in-memory bilan: the rules read its fields only, no database needed."""
    beneficiaire = beneficiaire or Beneficiaire(
        prenom="Camille",
        nom="Martin",
        employeur_nom="Employeur SA",
        employeur_siret=SIRET_EMPLOYEUR,
    )
    valeurs = {"financement": financement, "date_debut_prevue": date(2026, 6, 16)}
    if financement == Financement.CPF:
        valeurs |= {
            "cpf_proposition_commande_le": AUJOURDHUI,
            "cpf_aucun_bilan_finance_5_ans": True,
        }
    elif financement in fin.ROUTES_EMPLOYEUR:
        valeurs |= {"employeur_signataire_nom": "Dominique Durand"}
    elif financement in fin.ROUTES_FINANCEUR:
        valeurs |= {"financeur_nom": "OPCO Atlas", "financeur_reference": "DOS-42"}
    else:
        valeurs |= {"prix_ttc": D("1500.00")}
    valeurs.update(kwargs)
    return Bilan(beneficiaire=beneficiaire, **valeurs)


def _problemes(bilan, organisation=None, aujourdhui=AUJOURDHUI):
    return fin.financement_problemes(
        bilan=bilan, aujourdhui=aujourdhui, organisation=organisation or _organisation()
    )


@pytest.mark.parametrize("route", Financement.values)
def test_dossier_complet_sans_probleme(route):
    assert _problemes(_bilan(route)) == []


def test_regle_17_cpf_debut_au_minimum_accepte_un_jour_ouvre_avant_refuse():
    assert _problemes(_bilan(date_debut_prevue=date(2026, 6, 16))) == []
    assert _problemes(_bilan(date_debut_prevue=date(2026, 6, 15))) == [
        "Le début ne peut précéder le 16/06/2026 (11 jours ouvrés après la proposition de "
        "commande du 01/06/2026)."
    ]


@pytest.mark.parametrize(
    ("debut", "bloque"), [(date(2026, 5, 19), True), (date(2026, 5, 20), False)]
)
def test_cpf_debut_apres_les_feries_de_mai(debut, bloque):
    bilan = _bilan(cpf_proposition_commande_le=date(2026, 4, 30), date_debut_prevue=debut)
    problemes = _problemes(bilan, aujourdhui=date(2026, 4, 30))
    assert problemes == (
        [
            "Le début ne peut précéder le 20/05/2026 (11 jours ouvrés après "
            "la proposition de commande du 30/04/2026)."
        ]
        if bloque
        else []
    )


def test_cpf_proposition_et_debut_manquants():
    problemes = _problemes(_bilan(cpf_proposition_commande_le=None, date_debut_prevue=None))
    assert any("proposition de commande" in p for p in problemes)
    assert any("date de début prévue" in p for p in problemes)


def test_regle_20_cpf_bloque_par_un_bilan_finance_depuis_5_ans():
    non_repondu = _problemes(_bilan(cpf_aucun_bilan_finance_5_ans=None))
    assert len(non_repondu) == 1
    assert "n'a pas déclaré" in non_repondu[0]
    deja_eu = _problemes(_bilan(cpf_aucun_bilan_finance_5_ans=False))
    assert len(deja_eu) == 1
    assert "le CPF ne peut pas financer ce bilan" in deja_eu[0]


def test_cpf_declaration_5_ans_non_exigee_avant_la_reforme():
    bilan = _bilan(
        cpf_proposition_commande_le=date(2026, 2, 2),
        date_debut_prevue=date(2026, 2, 25),
        cpf_aucun_bilan_finance_5_ans=None,
    )
    assert _problemes(bilan, aujourdhui=date(2026, 2, 10)) == []


@pytest.mark.parametrize(
    ("autorisation", "attendu"),
    [
        ({}, "doit être demandée"),
        ({"autorisation_demandee_le": date(2026, 4, 18)}, "moins de 60 jours"),  # 59 days
        ({"autorisation_demandee_le": date(2026, 5, 20)}, "moins de 60 jours"),
        (
            {"autorisation_demandee_le": date(2026, 4, 10), "autorisation_reponse": "refus"},
            "a refusé",
        ),
    ],
)
def test_cpf_sur_temps_de_travail_bloque_sans_accord(autorisation, attendu):
    problemes = _problemes(_bilan(sur_temps_de_travail=True, **autorisation))
    assert len(problemes) == 1
    assert attendu in problemes[0]


def test_cpf_sur_temps_de_travail_en_attente_puis_accord_par_silence():
    bilan = _bilan(
        sur_temps_de_travail=True,
        date_debut_prevue=date(2026, 8, 3),
        autorisation_demandee_le=date(2026, 5, 20),
    )
    en_attente = _problemes(bilan, aujourdhui=date(2026, 6, 19))
    assert en_attente == [
        "L'employeur n'a pas encore répondu à la demande d'autorisation d'absence ; sans "
        "réponse, elle sera acquise après le 19/06/2026 (D6323-4)."
    ]
    assert _problemes(bilan, aujourdhui=date(2026, 6, 20)) == []
    bilan.autorisation_reponse = "accord"
    assert _problemes(bilan, aujourdhui=date(2026, 6, 1)) == []


@pytest.mark.parametrize("route", sorted(fin.ROUTES_EMPLOYEUR))
def test_routes_employeur_signataire_et_employeur(route):
    beneficiaire = Beneficiaire(prenom="C", nom="M", employeur_nom="", employeur_siret="")
    problemes = _problemes(_bilan(route, beneficiaire=beneficiaire, employeur_signataire_nom="  "))
    assert len(problemes) == 2
    assert "signataire" in problemes[0]
    assert "SIRET de l'employeur" in problemes[1]


@pytest.mark.parametrize("route", sorted(fin.ROUTES_FINANCEUR))
def test_routes_financeur_nom_et_reference(route):
    problemes = _problemes(_bilan(route, financeur_nom="", financeur_reference=""))
    assert problemes == [
        "Le nom du financeur n'est pas renseigné.",
        "La référence du dossier chez le financeur (accord de prise en charge) n'est pas "
        "renseignée.",
    ]


def test_personnel_prix_manquant():
    assert _problemes(_bilan(Financement.PERSONNEL, prix_ttc=None)) == [
        "Le prix du bilan n'est pas renseigné."
    ]


# R6313-5


@pytest.mark.parametrize("route", [Financement.PERSONNEL, Financement.PLAN_EMPLOYEUR])
@pytest.mark.parametrize("siret", [SIRET_ORGANISME, SIRET_MEME_ENTREPRISE])
def test_r6313_5_l_employeur_ne_realise_pas_le_bilan_de_ses_salaries(route, siret):
    beneficiaire = Beneficiaire(prenom="C", nom="M", employeur_nom="Nous", employeur_siret=siret)
    problemes = _problemes(_bilan(route, beneficiaire=beneficiaire))
    assert len(problemes) == 1
    assert "R6313-5" in problemes[0]


def test_r6313_5_sans_siret_organisme_rien_a_comparer():
    beneficiaire = Beneficiaire(prenom="C", nom="M", employeur_siret=SIRET_ORGANISME)
    assert (
        _problemes(
            _bilan(Financement.PERSONNEL, beneficiaire=beneficiaire), _organisation(siret="")
        )
        == []
    )


# Rule 25: NDA and Qualiopi for funded routes


@pytest.mark.parametrize(
    ("organisation", "attendu"),
    [
        ({"numero_declaration_activite": ""}, "déclaration d'activité"),
        ({"qualiopi_numero_certificat": ""}, "pas de certificat Qualiopi"),
        ({"qualiopi_couvre_bilans": False}, "pas de certificat Qualiopi"),
        (
            {"qualiopi_date_expiration": None},
            "expiration du certificat Qualiopi de l'organisme n'est pas renseignée",
        ),
        ({"qualiopi_date_expiration": date(2026, 6, 15)}, "expire le 15/06/2026"),
    ],
)
@pytest.mark.parametrize("route", [Financement.CPF, Financement.OPCO, Financement.FRANCE_TRAVAIL])
def test_regle_25_route_financee_exige_nda_et_qualiopi_valide_au_debut(
    organisation, attendu, route
):
    problemes = _problemes(_bilan(route), _organisation(**organisation))
    assert len(problemes) == 1
    assert attendu in problemes[0]
    # Clean French that says where to fix it (the dossier page links to the settings).
    assert "page « Organisme »" in problemes[0]
    assert "pas de date d'expiration, avant" not in problemes[0]
    (detail,) = fin.financement_problemes_detail(
        bilan=_bilan(route), aujourdhui=AUJOURDHUI, organisation=_organisation(**organisation)
    )
    assert detail.reglage_organisme  # the dossier links it to the organisation's settings


def test_qualiopi_expirant_le_jour_du_debut_suffit():
    organisation = _organisation(qualiopi_date_expiration=date(2026, 6, 16))
    assert _problemes(_bilan(Financement.OPCO), organisation) == []


def test_qualiopi_sans_date_de_debut_verifie_aujourd_hui():
    organisation = _organisation(qualiopi_date_expiration=date(2026, 5, 31))
    problemes = _problemes(_bilan(Financement.OPCO, date_debut_prevue=None), organisation)
    assert len(problemes) == 1
    assert "01/06/2026" in problemes[0]


def test_financement_personnel_sans_nda_ni_qualiopi():
    organisation = _organisation(
        numero_declaration_activite="", qualiopi_numero_certificat="", qualiopi_couvre_bilans=False
    )
    assert _problemes(_bilan(Financement.PERSONNEL), organisation) == []


# --- Form validation on real rows -------------------------------------------------------------


@pytest.fixture
def organisation_certifiee(world):
    org = world.org_a
    org.numero_declaration_activite = "11755555575"
    org.qualiopi_numero_certificat = "QUALIOPI-123"
    org.qualiopi_date_expiration = date(2027, 12, 31)
    org.qualiopi_couvre_bilans = True
    org.save()
    return org


def test_valider_cles_de_formulaire(world, organisation_certifiee):
    bilan = bilan_for(
        world.beneficiaire_a,
        financement=Financement.CPF,
        cpf_proposition_commande_le=date(2026, 2, 20),
        date_debut_prevue=date(2026, 3, 6),
        cpf_aucun_bilan_finance_5_ans=False,
    )
    with tenant_context(organisation_certifiee), pytest.raises(ValidationError) as erreur:
        bilan_financement_valider(
            bilan=Bilan.objects.get(pk=bilan.pk),
            organisation=organisation_certifiee,
            aujourdhui=date(2026, 2, 20),
        )
    assert erreur.value.message_dict == {
        "date_debut_prevue": [
            "Le début ne peut précéder le 09/03/2026 (11 jours ouvrés après la proposition "
            "de commande du 20/02/2026)."
        ],
        "cpf_aucun_bilan_finance_5_ans": [
            "Le ou la bénéficiaire a eu un bilan financé par un financeur public ou mutualisé "
            "depuis moins de 5 ans : le CPF ne peut pas financer ce bilan (D6323-6). "
            "Choisissez un autre financement."
        ],
    }


def test_valider_brouillon_ignore_les_informations_manquantes(world, organisation_certifiee):
    bilan = bilan_for(world.beneficiaire_a, financement=Financement.OPCO)
    with tenant_context(organisation_certifiee):
        bilan = Bilan.objects.select_related("beneficiaire").get(pk=bilan.pk)
        bilan_financement_valider(
            bilan=bilan, organisation=organisation_certifiee, aujourdhui=AUJOURDHUI, complet=False
        )
        with pytest.raises(ValidationError) as erreur:
            bilan_financement_valider(
                bilan=bilan, organisation=organisation_certifiee, aujourdhui=AUJOURDHUI
            )
    assert set(erreur.value.message_dict) == {"financeur_nom", "financeur_reference"}


def test_valider_r6313_5_hors_champ_et_qualiopi_sur_financement(world):
    org = world.org_a  # factory organisation: SIRET set, no NDA, no Qualiopi
    with tenant_context(org):
        beneficiaire = Beneficiaire.objects.get(pk=world.beneficiaire_a.pk)
        beneficiaire.employeur_nom = "Organisme A"
        beneficiaire.employeur_siret = org.siret
        beneficiaire.save()
    bilan = bilan_for(
        beneficiaire,
        financement=Financement.OPCO,
        financeur_nom="OPCO",
        financeur_reference="R1",
        date_debut_prevue=date(2026, 7, 1),
    )
    with tenant_context(org), pytest.raises(ValidationError) as erreur:
        bilan_financement_valider(
            bilan=Bilan.objects.get(pk=bilan.pk), organisation=org, aujourdhui=AUJOURDHUI
        )
    erreurs = erreur.value.message_dict
    assert set(erreurs) == {NON_FIELD_ERRORS, "financement"}
    assert "R6313-5" in erreurs[NON_FIELD_ERRORS][0]
    assert len(erreurs["financement"]) == 2  # no NDA, no Qualiopi


def test_regle_22_echeancier_suit_les_paliers_appliques():
    echeances = fin.echeancier_propose(prix=D("1800"), contrat_signe_le=date(2026, 6, 1))
    assert echeances == [
        ("À partir du 12/06/2026", D("540.00")),
        ("Au début de la phase d'investigation", D("720.00")),
        ("À la remise de la synthèse", D("540.00")),
    ]
    # Each step is exactly what the enforced rule lets through at that stage.
    _verifier(prix=D("1800"), montant=D("540.00"))
    _verifier(
        prix=D("1800"),
        deja_paye=D("540"),
        montant=D("720.00"),
        statut="en_cours",
        phase="investigation",
    )


# --- Survivors of the mutation run (issue 18) -------------------------------------------------


def test_regle_22_premier_paiement_30_pourcent_arrondi_a_l_inferieur():
    # 30 % of 1 234,59 € = 370,377 €: rounded down 370,37 € (rounded to nearest: 370,38 €).
    assert fin.premier_paiement_maximum(prix=D("1234.59")) == D("370.37")
    _verifier(prix=D("1234.59"), montant=D("370.37"))
    with pytest.raises(ValidationError, match="30 %"):
        _verifier(prix=D("1234.59"), montant=D("370.38"))


@pytest.mark.parametrize(
    ("champs", "attendu"),
    [
        (
            {"date_debut_prevue": None},
            ("date_debut_prevue", "La date de début prévue n'est pas renseignée."),
        ),
        (
            {"cpf_proposition_commande_le": None},
            (
                "cpf_proposition_commande_le",
                "La date d'envoi de la proposition de commande (Mon Compte Formation) n'est "
                "pas renseignée.",
            ),
        ),
    ],
)
def test_regle_17_dossier_cpf_a_moitie_rempli_donne_un_probleme_pas_une_erreur(champs, attendu):
    """Only one of the proposal and start dates: the missing one is named (no date compared
    with None), and nothing else."""
    detail = fin.financement_problemes_detail(
        bilan=_bilan(**champs), aujourdhui=AUJOURDHUI, organisation=_organisation()
    )
    assert [(p.champ, p.message, p.manquant) for p in detail] == [(*attendu, True)]


DEBUT_LONG = date(2026, 9, 1)


@pytest.mark.parametrize(
    ("fin_prevue", "attendu"),
    [
        # 6 months or more: 120 days of notice; the request came 100 days before.
        (date(2027, 3, 1), ["moins de 120 jours"]),
        # One day short of 6 months: 60 days suffice; the employer still has time to answer.
        (date(2027, 2, 28), ["n'a pas encore répondu", "le 23/06/2026"]),
    ],
)
def test_regle_21_preavis_de_120_jours_pour_une_action_de_6_mois_dans_la_liste(fin_prevue, attendu):
    bilan = _bilan(
        date_debut_prevue=DEBUT_LONG,
        date_fin_prevue=fin_prevue,
        sur_temps_de_travail=True,
        autorisation_demandee_le=DEBUT_LONG - timedelta(days=100),  # 24/05/2026
    )
    problemes = _problemes(bilan)
    assert len(problemes) == 1
    for morceau in attendu:
        assert morceau in problemes[0]


def test_regle_21_refus_apres_30_jours_lu_dans_la_liste_avec_sa_date():
    """The answer's date reaches the rule: a refusal after the 30 days does not withdraw the
    agreement acquired by silence; within the 30 days it is a refusal."""
    demande = DEBUT_LONG - timedelta(days=100)
    tardif = _bilan(
        date_debut_prevue=DEBUT_LONG,
        sur_temps_de_travail=True,
        autorisation_demandee_le=demande,
        autorisation_reponse="refus",
        autorisation_reponse_le=demande + timedelta(days=31),
    )
    assert _problemes(tardif, aujourdhui=date(2026, 7, 1)) == []
    dans_le_delai = _bilan(
        date_debut_prevue=DEBUT_LONG,
        sur_temps_de_travail=True,
        autorisation_demandee_le=demande,
        autorisation_reponse="refus",
        autorisation_reponse_le=demande + timedelta(days=30),
    )
    assert _problemes(dans_le_delai, aujourdhui=date(2026, 7, 1)) == [
        "L'employeur a refusé l'absence : le bilan ne peut pas avoir lieu sur le temps de "
        "travail (D6323-4)."
    ]


@pytest.mark.parametrize(
    ("route", "champs", "brouillon", "complet"),
    [
        (
            Financement.CPF,
            {
                "cpf_proposition_commande_le": None,
                "date_debut_prevue": None,
                "cpf_aucun_bilan_finance_5_ans": False,
            },
            {"cpf_aucun_bilan_finance_5_ans"},
            {"cpf_proposition_commande_le", "date_debut_prevue", "cpf_aucun_bilan_finance_5_ans"},
        ),
        (
            Financement.PLAN_EMPLOYEUR,
            {"employeur_signataire_nom": ""},
            set(),
            {"employeur_signataire_nom"},
        ),
        (Financement.PERSONNEL, {"prix_ttc": None}, set(), {"prix_ttc"}),
    ],
)
def test_brouillon_hors_opco_ignore_le_manquant_mais_pas_la_regle(
    route, champs, brouillon, complet
):
    bilan = _bilan(route, **champs)
    organisation = _organisation()

    def champs_en_erreur(*, complet_demande):
        try:
            bilan_financement_valider(
                bilan=bilan,
                organisation=organisation,
                aujourdhui=AUJOURDHUI,
                complet=complet_demande,
            )
        except ValidationError as erreur:
            return set(erreur.message_dict)
        return set()

    assert champs_en_erreur(complet_demande=False) == brouillon
    assert champs_en_erreur(complet_demande=True) == complet


@pytest.mark.parametrize(
    ("siret_employeur", "meme_entreprise"),
    [
        ("73282932000074", True),  # the organisation itself
        ("732 829 320 00108", True),  # same SIREN, another establishment, spaced
        ("73282932010074", True),  # same SIREN, the NIC differs from its 1st digit
        ("73282933000074", False),  # differs at the 8th digit only, same NIC
        ("73282932100074", False),  # differs at the 9th digit (last of the SIREN)
        ("83282932000074", False),  # differs at the 1st digit
    ],
)
def test_regle_26_r6313_5_compare_exactement_les_9_chiffres_du_siren(
    siret_employeur, meme_entreprise
):
    beneficiaire = Beneficiaire(
        prenom="C", nom="M", employeur_nom="Employeur", employeur_siret=siret_employeur
    )
    problemes = _problemes(_bilan(Financement.PERSONNEL, beneficiaire=beneficiaire))
    if meme_entreprise:
        assert problemes == [
            "L'organisme ne peut pas réaliser le bilan de ses propres salarié·es : "
            "l'employeur du ou de la bénéficiaire (SIRET "
            f"{''.join(siret_employeur.split())}) est l'organisme lui-même (R6313-5)."
        ]
    else:
        assert problemes == []


def test_regle_22_echeancier_arrondi_sans_perte_de_centimes():
    # 30 % of 1 000,01 € = 300,003 → 300,00 ; 70 % = 700,007 → 700,00 ; balance 300,01.
    assert [
        m for _, m in fin.echeancier_propose(prix=D("1000.01"), contrat_signe_le=date(2026, 6, 1))
    ] == [D("300.00"), D("400.00"), D("300.01")]


def test_regles_04_19_20_premier_jour_de_la_reforme_des_deux_cotes():
    veille, jour = date(2026, 2, 25), date(2026, 2, 26)
    assert not fin.cpf_regles_2026_applicables(le=veille)
    assert fin.cpf_regles_2026_applicables(le=jour)
    assert fin.cpf_plafond(le=veille) is None
    assert fin.cpf_plafond(le=jour) == D("1600.00")
    heures = {"heures_accompagnement": D("14"), "heures_travail_personnel": D("6")}
    assert fin.cpf_heures_financees(entree_le=veille, **heures) == D("20")
    assert fin.cpf_heures_financees(entree_le=jour, **heures) == D("14")
    assert fin.cpf_repartition(prix=D("2000"), entree_le=veille, exoneration="")[
        "cpf_utilisable"
    ] == D("2000")
    # The 5-year declaration is asked from the reform's first day on, not the day before.
    sans_declaration = {
        "cpf_proposition_commande_le": date(2026, 2, 2),
        "cpf_aucun_bilan_finance_5_ans": None,
    }
    assert (
        _problemes(
            _bilan(date_debut_prevue=veille, **sans_declaration), aujourdhui=date(2026, 2, 10)
        )
        == []
    )
    le_jour = _problemes(
        _bilan(date_debut_prevue=jour, **sans_declaration), aujourdhui=date(2026, 2, 10)
    )
    assert len(le_jour) == 1
    assert "n'a pas déclaré" in le_jour[0]


# --- One rule for every legal clock (art. 641 and 642 CPC) ----------------------------------


@pytest.mark.parametrize(
    ("depart", "echeance"),
    [
        (date(2026, 11, 17), date(2026, 11, 27)),  # Tue + 10 = Fri: unchanged
        (date(2026, 11, 18), date(2026, 11, 30)),  # + 10 = Sat 28/11 → Mon 30/11
        (date(2026, 11, 19), date(2026, 11, 30)),  # + 10 = Sun 29/11 → Mon 30/11
        (date(2026, 4, 28), date(2026, 5, 11)),  # + 10 = Fri 8 May (holiday) → Mon 11 May
    ],
)
def test_regle_08_et_22_une_seule_regle_pour_les_delais_legaux(depart, echeance):
    assert dates.echeance_legale(depart=depart, jours=10) == echeance
    # The tripartite signature and the self-funded withdrawal agree on every date.
    assert fin.convention_date_limite(transmise_le=depart) == echeance
    assert fin.retractation_fin(contrat_signe_le=depart) == echeance


def test_regle_08_echeance_un_samedi_prolongee_au_lundi():
    transmise = date(2026, 11, 18)  # deadline Sat 28/11 → Mon 30/11
    assert not fin.convention_refusee_par_silence(
        transmise_le=transmise, signee=False, aujourdhui=date(2026, 11, 30)
    )
    assert fin.convention_refusee_par_silence(
        transmise_le=transmise, signee=False, aujourdhui=date(2026, 12, 1)
    )


def test_regle_21_reponse_de_l_employeur_suit_la_meme_regle():
    # Request Thu 1/10/2026: + 30 = Sat 31/10, Sun 1/11 is All Saints' → Mon 2/11/2026.
    assert fin.autorisation_fin_reponse(demande_le=date(2026, 10, 1)) == date(2026, 11, 2)
    etat = {
        "demande_le": date(2026, 10, 1),
        "debut_prevu": date(2027, 1, 4),
        "reponse": "",
        "reponse_le": None,
    }
    assert fin.autorisation_employeur_etat(**etat, aujourdhui=date(2026, 11, 2)) == (
        fin.AUTORISATION_EN_ATTENTE
    )
    assert fin.autorisation_employeur_etat(**etat, aujourdhui=date(2026, 11, 3)) == (
        fin.AUTORISATION_ACCORDEE
    )


def test_regle_17_onze_jours_ouvres_sans_compter_le_jour_de_la_proposition():
    # Proposition Fri 20/11/2026: Mon 23 … Fri 4/12 is 10 jours ouvrés, the 11th is Mon 7/12.
    assert fin.cpf_date_debut_minimale(proposition_le=date(2026, 11, 20)) == date(2026, 12, 7)


def test_regle_18_declarations_edof_dans_les_3_jours_ouvres():
    # Start Thu 24/12/2026: Fri 25 is Christmas, so Mon 28, Tue 29, Wed 30/12.
    assert fin.cpf_echeance_declaration(evenement_le=date(2026, 12, 24)) == date(2026, 12, 30)
    # End Fri 10/07/2026: Mon 13, Tue 14 (holiday) skipped, Wed 15, Thu 16/07.
    assert fin.cpf_echeance_declaration(evenement_le=date(2026, 7, 10)) == date(2026, 7, 16)


def test_regle_04_cpf_finance_l_accompagnement_seul_a_partir_du_26_fevrier_2026():
    heures = {"heures_accompagnement": D("16"), "heures_travail_personnel": D("8")}
    assert fin.cpf_heures_financees(entree_le=date(2026, 2, 26), **heures) == D("16")
    assert fin.cpf_heures_financees(entree_le=date(2026, 2, 25), **heures) == D("24")


# --- Rule 25: Qualiopi certificate deadlines ----------------------------------------------


def test_regle_25_alertes_expiration_et_fenetre_de_surveillance():
    from bilan.core.selectors import qualiopi_alertes

    org = _organisation(
        qualiopi_date_emission=date(2025, 3, 10), qualiopi_date_expiration=date(2028, 3, 9)
    )
    # Window 10/05/2026 → 10/01/2027; warned from 10/03/2026 on.
    assert qualiopi_alertes(organisation=org, aujourdhui=date(2026, 3, 9)) == []
    (alerte,) = qualiopi_alertes(organisation=org, aujourdhui=date(2026, 3, 10))
    assert "entre le 10/05/2026 et le 10/01/2027" in alerte
    assert qualiopi_alertes(organisation=org, aujourdhui=date(2027, 1, 11)) == []
    # Six months before expiry, and once expired.
    assert qualiopi_alertes(organisation=org, aujourdhui=date(2027, 9, 8)) == []
    (alerte,) = qualiopi_alertes(organisation=org, aujourdhui=date(2027, 9, 9))
    assert "expire le 09/03/2028" in alerte
    (alerte,) = qualiopi_alertes(organisation=org, aujourdhui=date(2028, 3, 10))
    assert "a expiré le 09/03/2028" in alerte
    # Missing dates are named.
    manque = qualiopi_alertes(organisation=_organisation(), aujourdhui=date(2026, 6, 1))
    assert any("date" in a and "délivrance" in a for a in manque)
