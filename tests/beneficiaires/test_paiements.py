"""Recording payments of a self-funded bilan (L6353-3 to L6353-7) on real rows."""

import threading
import time
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from beneficiaires.models import Bilan, Financement, Paiement
from beneficiaires.services.financement import paiement_enregistrer
from bilan.core.tenancy import tenant_context
from tests.factories.bilans import bilan_for

D = Decimal
SIGNE_LE = date(2026, 6, 1)  # withdrawal period: 2 → 11 June inclusive
PREMIER_JOUR = date(2026, 6, 12)


@pytest.fixture
def bilan(world):
    return bilan_for(world.beneficiaire_a, financement=Financement.PERSONNEL, prix_ttc=D("1000"))


def _payer(world, bilan, montant, le=PREMIER_JOUR, contrat_signe_le=SIGNE_LE):
    with tenant_context(world.org_a):
        return paiement_enregistrer(
            bilan=bilan,
            montant=D(montant),
            le=le,
            mode="virement",
            par=world.admin_a,
            contrat_signe_le=contrat_signe_le,
        )


def _nombre(world, bilan):
    with tenant_context(world.org_a):
        return Paiement.objects.filter(bilan_id=bilan.pk).count()


def _refuse(world, bilan, montant, match, **kwargs):
    avant = _nombre(world, bilan)
    with pytest.raises(ValidationError, match=match):
        _payer(world, bilan, montant, **kwargs)
    assert _nombre(world, bilan) == avant


def test_paiement_accepte_et_enregistre(world, bilan):
    paiement = _payer(world, bilan, "300.00")
    assert paiement.pk
    assert paiement.organisation_id == world.org_a.pk
    assert paiement.montant == D("300.00")
    assert paiement.date == PREMIER_JOUR
    assert paiement.enregistre_par == world.admin_a
    assert _nombre(world, bilan) == 1


def test_refuse_avant_signature(world, bilan):
    _refuse(world, bilan, "100", "avant la signature", le=date(2026, 5, 31))
    _refuse(world, bilan, "100", "avant la signature", contrat_signe_le=None)


def test_refuse_pendant_le_delai_de_retractation_jour_10_inclus(world, bilan):
    _refuse(world, bilan, "100", "délai de rétractation", le=SIGNE_LE)
    _refuse(world, bilan, "100", "11/06/2026 inclus", le=date(2026, 6, 11))
    _payer(world, bilan, "100", le=PREMIER_JOUR)
    assert _nombre(world, bilan) == 1


def test_premier_paiement_limite_a_30_pourcent(world, bilan):
    _refuse(world, bilan, "300.01", "30 %")
    _payer(world, bilan, "300.00")
    assert _nombre(world, bilan) == 1


def _etape(world, bilan, statut, phase):
    with tenant_context(world.org_a):
        Bilan.objects.filter(pk=bilan.pk).update(statut=statut, phase=phase)


def test_regle_22_solde_echelonne_au_fil_du_bilan(world, bilan):
    """Signed 01/06/2026: 300 € on 12/06 is accepted, a second payment on 13/06 (day 12) is
    refused before the investigation phase; 70 % in investigation, 100 % at the synthèse."""
    _payer(world, bilan, "300")
    _refuse(world, bilan, "100", "encore payable maintenant : 0,00", le=date(2026, 6, 13))
    _etape(world, bilan, "en_cours", "investigation")
    _refuse(world, bilan, "400.01", "soit 700,00", le=date(2026, 7, 1))
    _payer(world, bilan, "400", le=date(2026, 7, 1))
    _refuse(world, bilan, "0.01", "à la remise de la synthèse", le=date(2026, 7, 2))
    _etape(world, bilan, "synthese_remise", "conclusion")
    _payer(world, bilan, "300", le=date(2026, 8, 1))
    assert _nombre(world, bilan) == 3


def test_total_jamais_au_dessus_du_prix(world, bilan):
    _payer(world, bilan, "300")
    _etape(world, bilan, "synthese_remise", "conclusion")
    _payer(world, bilan, "400", le=date(2026, 7, 1))
    _refuse(world, bilan, "300.01", "dépasserait le prix", le=date(2026, 8, 1))
    _payer(world, bilan, "300.00", le=date(2026, 8, 1))
    _refuse(world, bilan, "0.01", "dépasserait le prix", le=date(2026, 8, 2))
    assert _nombre(world, bilan) == 3


def test_refuse_sans_prix(world):
    bilan = bilan_for(world.beneficiaire_a, financement=Financement.PERSONNEL, prix_ttc=None)
    _refuse(world, bilan, "100", "prix du bilan doit être fixé")


@pytest.mark.parametrize("route", sorted(set(Financement.values) - {Financement.PERSONNEL}))
def test_refuse_pour_les_autres_financements(world, route):
    bilan = bilan_for(world.beneficiaire_a, financement=route, prix_ttc=D("1000"))
    _refuse(world, bilan, "100", "financement personnel")


def test_refuse_hors_de_l_organisme_actif(world, bilan):
    with tenant_context(world.org_b), pytest.raises(ValidationError, match="organisme actif"):
        paiement_enregistrer(
            bilan=bilan,
            montant=D("100"),
            le=PREMIER_JOUR,
            mode="",
            par=world.admin_a,
            contrat_signe_le=SIGNE_LE,
        )
    assert _nombre(world, bilan) == 0


@pytest.mark.django_db(transaction=True)
def test_deux_paiements_simultanes_ne_passent_pas_tous_les_deux(world):
    """700 € already paid on 1 000 €: two simultaneous 250 € payments each pass alone, not both.

    The race is provoked by the test, not by a pause in the project's code: the test holds a
    SHARE lock on the payments table (reads go on, inserts wait) and releases it only once both
    payments are waiting on a lock. With the bilan row locked before the total is read, the
    second payment waits at that lock and reads 950 € after the first commits; without the row
    lock, both would read 700 €, both wait at their INSERT, and both be written (1 200 €).
    """
    bilan = bilan_for(world.beneficiaire_a, financement=Financement.PERSONNEL, prix_ttc=D("1000"))
    _payer(world, bilan, "300")
    _etape(world, bilan, "synthese_remise", "conclusion")
    _payer(world, bilan, "400", le=date(2026, 7, 1))

    reglages = connection.settings_dict
    verrou = psycopg.connect(
        host=reglages["HOST"] or None,
        port=reglages["PORT"] or None,
        dbname=reglages["NAME"],
        user=reglages["USER"],
        password=reglages["PASSWORD"],
    )
    depart = threading.Barrier(3)
    resultats = []

    def payer():
        try:
            depart.wait(timeout=5)
            _payer(world, bilan, "250", le=date(2026, 8, 1))
            resultats.append("ok")
        except ValidationError as erreur:
            resultats.append(erreur.messages[0])
        finally:
            connection.close()

    fils = [threading.Thread(target=payer) for _ in range(2)]
    try:
        with verrou.cursor() as curseur:
            curseur.execute(f'LOCK TABLE "{Paiement._meta.db_table}" IN SHARE MODE')
            for fil in fils:
                fil.start()
            depart.wait(timeout=5)
            en_attente = 0
            for _essai in range(500):  # up to 10 s for both payments to reach a lock
                curseur.execute("SELECT pg_stat_clear_snapshot()")  # fresh, not per transaction
                curseur.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
                )
                en_attente = curseur.fetchone()[0]
                if en_attente == 2:
                    break
                time.sleep(0.02)
        assert en_attente == 2, "les deux paiements n'attendent pas tous deux un verrou"
        assert resultats == []  # nothing decided while the payments table is locked
    finally:
        verrou.rollback()  # releases the table: the payments go on
        verrou.close()
        for fil in fils:
            fil.join(timeout=30)

    assert len(resultats) == 2
    assert resultats.count("ok") == 1
    assert "dépasserait le prix" in next(r for r in resultats if r != "ok")
    with tenant_context(world.org_a):
        assert Paiement.objects.filter(bilan_id=bilan.pk).count() == 3
        assert sum(p.montant for p in Paiement.objects.filter(bilan_id=bilan.pk)) == D("950")
