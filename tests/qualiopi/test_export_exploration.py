"""The exploration tools in the Qualiopi results and evidence (ind. 2, 12, 19): enquêtes métier
counted with their nature, resources listed; never what the beneficiary wrote."""

import datetime as dt

import pytest

from bilan.core.tenancy import tenant_context
from exploration.models import EnqueteMetier, Piste
from qualiopi.export.exploration import enquetes_metier, ressources_pedagogiques
from qualiopi.export.pieces import ContexteExport
from qualiopi.selectors.resultats import resultats_lignes_csv, resultats_periode
from tests.exploration.rome_fixtures import petit_rome
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db

SECRET = "SENTINELLE-ENQUETE-CONFIDENTIELLE"


def _enquete(world, bilan, *, jour, nature, modalite="rencontre"):
    return EnqueteMetier.objects.create(
        organisation=world.org_a,
        bilan=bilan,
        interlocuteur=f"Personne {SECRET}",
        fonction=f"Fonction {SECRET}",
        type_organisation=nature,
        modalite=modalite,
        rencontre_le=jour,
        questions=SECRET,
        apprentissages=SECRET,
        effet_projet=SECRET,
        commentaire_consultant=SECRET,
    )


@pytest.fixture
def jeu(world):
    fiches = petit_rome()
    bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="investigation")
    autre = bilan_for(world.beneficiaire_a, statut="en_cours", phase="investigation")
    with tenant_context(world.org_a):
        _enquete(world, bilan, jour=dt.date(2026, 3, 10), nature="entreprise")
        _enquete(world, bilan, jour=dt.date(2026, 4, 2), nature="public", modalite="visio")
        _enquete(world, autre, jour=dt.date(2026, 4, 20), nature="entreprise")
        # Outside the window: not counted.
        _enquete(world, autre, jour=dt.date(2025, 12, 1), nature="association")
        Piste.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            fiche=next(iter(fiches.values())),
            ajoutee_par="beneficiaire",
            note_beneficiaire=SECRET,
        )
    return bilan, autre


def _texte(pieces) -> str:
    return "".join(b"".join(p.contenu()).decode("utf-8") for p in pieces)


def test_regle_29_les_resultats_comptent_les_enquetes_metier_et_leur_nature(world, jeu):
    with tenant_context(world.org_a):
        r = resultats_periode(
            organisation=world.org_a, debut=dt.date(2026, 1, 1), fin=dt.date(2026, 12, 31)
        )
        _entetes, lignes = resultats_lignes_csv(r=r)
    assert r.enquetes_metier == 3
    assert r.enquetes_metier_bilans == 2
    assert {code: n for code, _libelle, n in r.enquetes_metier_par_nature} == {
        "entreprise": 2,
        "public": 1,
    }
    assert [ligne[:2] for ligne in lignes if str(ligne[0]).startswith("Enquêtes métier")] == [
        ["Enquêtes métier", 3],
        ["Enquêtes métier : Entreprise privée", 2],
        ["Enquêtes métier : Administration ou établissement public", 1],
    ]
    # The consultant filter narrows the count to that consultant's bilans.
    with tenant_context(world.org_a):
        autre = resultats_periode(
            organisation=world.org_a,
            debut=dt.date(2026, 1, 1),
            fin=dt.date(2026, 12, 31),
            consultant=world.admin_a,
        )
    assert autre.enquetes_metier == 0


def test_preuves_des_enquetes_metier_nombre_et_nature_sans_contenu(world, jeu):
    bilan, autre = jeu
    ctx = ContexteExport(
        organisation=world.org_a,
        debut=dt.date(2026, 1, 1),
        fin=dt.date(2026, 12, 31),
        bilan_ids=(bilan.pk, autre.pk),
    )
    with tenant_context(world.org_a):
        pieces = list(enquetes_metier(ctx))
        ressources = list(ressources_pedagogiques(ctx))
        texte = _texte(pieces)
        texte_ressources = _texte(ressources)
    assert [p.nom for p in pieces] == ["enquetes_metier.csv", "enquetes_metier_par_nature.csv"]
    lignes = pieces[0].contenu()
    csv = b"".join(lignes).decode("utf-8").splitlines()
    assert len(csv) == 4  # header + the three enquêtes of the window
    assert "Entreprise privée;2" in texte
    assert SECRET not in texte
    assert SECRET not in texte_ressources
    assert "ressources_mises_a_disposition.csv" in [p.nom for p in ressources]
    assert f"{bilan.numero};1;0" in texte_ressources
    # A window without enquête: no file, the index prints the absence sentence.
    vide = ContexteExport(
        organisation=world.org_a,
        debut=dt.date(2020, 1, 1),
        fin=dt.date(2020, 12, 31),
        bilan_ids=(bilan.pk,),
    )
    with tenant_context(world.org_a):
        assert list(enquetes_metier(vide)) == []
