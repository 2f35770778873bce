"""The evidence export's archive: the index, its links, the evidence kinds, the sample, and
what must never be in it (domain.md §3.3, §9; rule 15)."""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.utils import timezone

from bilan.core.tenancy import tenant_context
from qualiopi.export.archive import ordre_des_preuves
from qualiopi.export.catalogue import FOURNISSEURS
from qualiopi.referentiel import PREUVE_ADMINISTRATIVE, referentiel_courant
from qualiopi.selectors.exports import bilans_du_perimetre, echantillon_tirer
from qualiopi.services.export import archive_produire
from tests.factories.bilans import bilan_for
from tests.qualiopi.donnees_export import (
    SENTINELLES,
    dossier_clos,
    liens_de_l_index,
    textes_de_l_archive,
)

pytestmark = pytest.mark.django_db


def _periode():
    fin = timezone.localdate()
    return fin - dt.timedelta(days=365), fin


def _archive(organisation, *, echantillon=None, graine=None):
    debut, fin = _periode()
    sortie = io.BytesIO()
    etapes = []
    produite = archive_produire(
        organisation=organisation,
        debut=debut,
        fin=fin,
        echantillon=echantillon,
        graine=graine,
        sortie=sortie,
        progression=lambda faites, total, etape: etapes.append((faites, total, etape)),
    )
    return sortie.getvalue(), produite, etapes


@pytest.fixture
def dossier(world):
    return dossier_clos(world.beneficiaire_a, admin=world.admin_a, numero="BC-2026-0042")


def test_the_zip_opens_and_every_link_of_the_index_is_a_file_of_the_archive(world, dossier):
    contenu, produite, etapes = _archive(world.org_a)
    with zipfile.ZipFile(io.BytesIO(contenu)) as zf:
        assert zf.testzip() is None
        noms = set(zf.namelist())
        index = zf.read("index.html").decode()
    liens = liens_de_l_index(index)
    assert liens, "the index links to its files"
    for lien in liens:
        assert lien in noms, lien
    assert "conventions_signees/BC-2026-0042-convention-v1.pdf" in noms
    assert "emargements/BC-2026-0042-certificat-realisation-v1.pdf" in noms
    # Progress went from 0 to the total, in order.
    assert etapes[0][0] == 0
    assert etapes[-1][0] == etapes[-1][1]
    assert [e[0] for e in etapes] == sorted(e[0] for e in etapes)
    assert produite.references == ["BC-2026-0042"]


def test_index_names_the_organisation_window_and_referential(world, dossier):
    contenu, _produite, _etapes = _archive(world.org_a)
    index = zipfile.ZipFile(io.BytesIO(contenu)).read("index.html").decode()
    debut, fin = _periode()
    assert "Organisme A" in index
    assert f"du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}" in index
    assert referentiel_courant().libelle in index
    assert "Pièces administratives" in index
    assert 'href="administratif/organisme.csv"' in index


def test_every_applicable_indicator_has_files_or_says_why_not_and_the_others_their_motive(
    world, dossier
):
    contenu, produite, _etapes = _archive(world.org_a)
    index = zipfile.ZipFile(io.BytesIO(contenu)).read("index.html").decode()
    referentiel = referentiel_courant()
    blocs = dict(
        re.findall(r'<div class="indicateur[^"]*" id="indicateur-(\d+)">(.*?)</div>', index, re.S)
    )
    assert len(blocs) == len(referentiel.indicateurs) == 32
    for indicateur in referentiel.indicateurs:
        bloc = blocs[str(indicateur.numero)]
        if not indicateur.bilan:
            assert "Non applicable" in bloc
            assert indicateur.motif_exclusion.replace("'", "&#x27;") in bloc
            continue
        for code in indicateur.preuves:
            preuve = produite.resultat.preuves[code]
            if preuve.fichiers:
                assert f'href="{preuve.fichiers[0].chemin}"' in bloc
            else:
                assert preuve.absence.replace("'", "&#x27;") in bloc, (indicateur.numero, code)


def test_an_evidence_kind_without_pieces_prints_its_provider_absence_sentence(world):
    """No dossier in the window: the providers say why there is nothing."""
    contenu, produite, _etapes = _archive(world.org_a)
    index = zipfile.ZipFile(io.BytesIO(contenu)).read("index.html").decode()
    assert produite.references == []
    conventions = produite.resultat.preuves["conventions_signees"]
    assert conventions.fichiers == []
    assert conventions.fournisseur is not None
    assert str(conventions.fournisseur.absence) in index.replace("&#x27;", "'")
    # The administrative pieces are always there.
    assert produite.resultat.preuves[PREUVE_ADMINISTRATIVE].fichiers


def test_providers_run_in_the_referential_order_administrative_last():
    ordre = ordre_des_preuves(referentiel_courant())
    assert ordre[-1] == PREUVE_ADMINISTRATIVE
    assert ordre.index("entretiens_prealables") < ordre.index("objectifs")
    assert ordre.index("objectifs") < ordre.index("conventions_signees")
    assert {f.preuve for f in FOURNISSEURS} <= set(ordre)


def test_regle_15_archive_holds_no_confidential_bilan_content(world, dossier):
    """Séance notes, synthèse text and PDF, personal work, prior-interview and questionnaire
    answers: none of the sentinels is in any file of the archive (PDFs read as text)."""
    contenu, _produite, _etapes = _archive(world.org_a)
    textes = textes_de_l_archive(contenu)
    # The search sees the PDFs' text: the signed convention's own words are found.
    convention = textes["conventions_signees/BC-2026-0042-convention-v1.pdf"]
    assert "CONVENTION-LISIBLE" in convention
    for nom, texte in textes.items():
        for cle, sentinelle in SENTINELLES.items():
            debut = sentinelle.split(" ")[0]
            assert debut not in texte, f"{cle} trouvé dans {nom}"
    assert not any("synthese" in nom and nom.endswith(".pdf") for nom in textes)


def test_receipts_of_the_synthese_are_there_without_its_content(world, dossier):
    contenu, _produite, _etapes = _archive(world.org_a)
    textes = textes_de_l_archive(contenu)
    accuses = textes["validation_synthese/accuses-synthese.csv"]
    assert "BC-2026-0042" in accuses
    assert "En main propre" in accuses
    assert "consultant" in accuses  # the consultant's signature of the synthèse
    emargements = textes["emargements/emargements-seances.csv"]
    assert "Signataire beneficiaire" in emargements
    absences = textes["relances_absences/absences-annulations-reports.csv"]
    assert "Absence excusée" in absences
    enquetes = textes["enquetes_satisfaction/enquetes-par-dossier.csv"]
    assert "BC-2026-0042" in enquetes
    assert ";5" in enquetes or ";5.0" in enquetes


def test_a_dossier_of_another_organisation_is_never_in_the_archive(world, dossier):
    dossier_clos(world.beneficiaire_b, admin=world.consultant_b, numero="BC-AUTRE-0001")
    contenu, produite, _etapes = _archive(world.org_a)
    textes = textes_de_l_archive(contenu)
    assert produite.references == ["BC-2026-0042"]
    assert not any("BC-AUTRE-0001" in t or "BC-AUTRE-0001" in n for n, t in textes.items())


def test_the_window_keeps_dossiers_that_overlap_it(world):
    aujourdhui = timezone.localdate()
    debut, fin = aujourdhui - dt.timedelta(days=100), aujourdhui - dt.timedelta(days=10)
    dedans = bilan_for(
        world.beneficiaire_a,
        statut="en_cours",
        phase="investigation",
        date_debut_reelle=debut - dt.timedelta(days=5),
    )
    avant = bilan_for(
        world.beneficiaire_a,
        statut="clos",
        date_debut_reelle=debut - dt.timedelta(days=90),
        termine_le=debut - dt.timedelta(days=1),
    )
    apres = bilan_for(
        world.beneficiaire_a,
        statut="en_cours",
        phase="investigation",
        date_debut_reelle=fin + dt.timedelta(days=1),
    )
    demande = bilan_for(world.beneficiaire_a, statut="demande")
    with tenant_context(world.org_a):
        ids = set(bilans_du_perimetre(debut=debut, fin=fin).values_list("pk", flat=True))
    assert dedans.pk in ids
    assert not ids & {avant.pk, apres.pk, demande.pk}


def test_the_sample_is_reproducible_with_its_seed_and_printed_in_the_index(world):
    aujourdhui = timezone.localdate()
    for numero in range(8):
        bilan_for(
            world.beneficiaire_a,
            numero=f"BC-ECH-{numero:02d}",
            statut="en_cours",
            phase="investigation",
            date_debut_reelle=aujourdhui - dt.timedelta(days=30),
        )
    premier, produite1, _e = _archive(world.org_a, echantillon=3, graine=1234)
    second, produite2, _e = _archive(world.org_a, echantillon=3, graine=1234)
    assert produite1.references == produite2.references
    assert len(produite1.references) == 3
    index = zipfile.ZipFile(io.BytesIO(premier)).read("index.html").decode()
    assert "graine du tirage : 1234" in index
    assert ", ".join(produite1.references) in index
    # Another seed draws another sample (for these 8 dossiers and these two seeds).
    _c, produite3, _e = _archive(world.org_a, echantillon=3, graine=99)
    assert produite3.references != produite1.references
    # No seed given: one is drawn and returned.
    _c, produite4, _e = _archive(world.org_a, echantillon=2)
    assert produite4.graine is not None


def test_echantillon_tirer_is_pure_and_bounded():
    assert echantillon_tirer(ids=[5, 1, 3], taille=10, graine=1) == [1, 3, 5]
    assert echantillon_tirer(ids=list(range(100)), taille=5, graine=7) == echantillon_tirer(
        ids=list(reversed(range(100))), taille=5, graine=7
    )
