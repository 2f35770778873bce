"""Evidence providers of the registers, documents and offer pages: each yields its pieces for
the window (or nothing, with its absence sentence), streamed in chunks, inside the bound
organisation only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bilan.core.exports import csv_morceaux
from bilan.core.tenancy import tenant_context
from qualiopi.export import registres as export
from qualiopi.export.pieces import ContexteExport
from qualiopi.models import (
    ActionAmelioration,
    AdaptationHandicap,
    Intervenant,
    OffreVersion,
    PartenaireHandicap,
    PieceIntervenant,
    Reclamation,
    RetourPartiePrenante,
    VeilleEntree,
)
from qualiopi.referentiel import referentiel_courant
from qualiopi.services import documents as documents_services
from qualiopi.services import offres as offres_services
from qualiopi.services import registres as services
from tests.factories.bilans import bilan_for, programme_for

pytestmark = pytest.mark.django_db

DEBUT, FIN = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
TOUS = {f.preuve: f for f in export.FOURNISSEURS}


def _pieces(org, preuve, bilan_ids=(), echantillon=False) -> dict[str, bytes]:
    ctx = ContexteExport(
        organisation=org, debut=DEBUT, fin=FIN, bilan_ids=tuple(bilan_ids), echantillon=echantillon
    )
    with tenant_context(org):
        resultat = {}
        for piece in TOUS[preuve].pieces(ctx):
            morceaux = list(piece.contenu())
            assert all(isinstance(m, bytes) for m in morceaux)
            resultat[piece.nom] = b"".join(morceaux)
        return resultat


def _enregistrer(org, par, entree):
    with tenant_context(org):
        return services.entree_enregistrer(entree=entree, organisation=org, par=par)


def test_every_provider_is_an_evidence_kind_of_the_referential():
    preuves = (
        set(referentiel_courant().preuves) if hasattr(referentiel_courant(), "preuves") else None
    )
    attendues = {
        "offre_versions",
        "cgv",
        "cadre_legal",
        "declaration_accessibilite",
        "documents_organisation",
        "moyens_locaux",
        "organigramme",
        "accuses_lecture",
        "reclamations",
        "actions_amelioration",
        "veille_legale",
        "veille_metiers",
        "veille_pedagogique",
        "consultants",
        "formations_supervision",
        "handicap",
        "retours_parties_prenantes",
    }
    assert set(TOUS) == attendues
    if preuves:
        assert attendues <= preuves
    assert all(f.absence for f in export.FOURNISSEURS)


def test_empty_organisation_yields_nothing_for_every_kind(world):
    for preuve in TOUS:
        assert _pieces(world.org_a, preuve) == {}, preuve


def test_complaints_actions_and_feedback_of_the_window(world):
    dans = _enregistrer(
        world.org_a,
        world.admin_a,
        Reclamation(
            recue_le=dt.date(2026, 2, 2),
            canal="courriel",
            nature="organisation",
            objet="=Retard",
            description="d",
            accuse_le=dt.date(2026, 2, 3),
            reponse_le=dt.date(2026, 2, 10),
            reponse="Réponse apportée",
            cloture_le=dt.date(2026, 2, 11),
        ),
    )
    _enregistrer(
        world.org_a,
        world.admin_a,
        Reclamation(
            recue_le=dt.date(2025, 3, 2),
            canal="courriel",
            nature="autre",
            objet="Ancienne close",
            description="d",
            accuse_le=dt.date(2025, 3, 3),
            reponse_le=dt.date(2025, 3, 4),
            reponse="ok",
            cloture_le=dt.date(2025, 3, 5),
        ),
    )
    ouverte = _enregistrer(
        world.org_a,
        world.admin_a,
        Reclamation(
            recue_le=dt.date(2025, 12, 20),
            canal="oral",
            nature="autre",
            objet="Encore ouverte",
            description="d",
        ),
    )
    action = _enregistrer(
        world.org_a,
        world.admin_a,
        ActionAmelioration(
            intitule="Planning confirmé",
            source="reclamation",
            reclamation=dans,
            responsable=world.admin_a,
            ouverte_le=dt.date(2026, 2, 10),
            echeance=dt.date(2026, 3, 10),
        ),
    )
    _enregistrer(
        world.org_a,
        world.admin_a,
        RetourPartiePrenante(
            recu_le=dt.date(2026, 3, 1), source="financeur", organisme_nom="OPCO", resume="Bien"
        ),
    )
    _enregistrer(
        world.org_b,
        world.consultant_b,
        Reclamation(
            recue_le=dt.date(2026, 2, 2),
            canal="oral",
            nature="autre",
            objet="Chez B",
            description="d",
        ),
    )
    csv = _pieces(world.org_a, "reclamations")["reclamations.csv"].decode()
    assert csv.startswith("\ufeff")
    assert "'=Retard" in csv
    assert str(action.public_id) in csv
    assert "Encore ouverte" in csv
    assert str(ouverte.public_id) in csv
    assert "Ancienne close" not in csv
    assert "Chez B" not in csv
    assert (
        "Planning confirmé"
        in _pieces(world.org_a, "actions_amelioration")["actions-amelioration.csv"].decode()
    )
    assert (
        "OPCO"
        in _pieces(world.org_a, "retours_parties_prenantes")[
            "retours-parties-prenantes.csv"
        ].decode()
    )


def test_watch_log_split_by_kind(world):
    for kind, source in (
        ("legale", "Décret CPF"),
        ("metiers", "France Travail"),
        ("pedagogique", "Visio"),
    ):
        _enregistrer(
            world.org_a,
            world.admin_a,
            VeilleEntree(kind=kind, date=dt.date(2026, 3, 1), source=source, apprentissage="x"),
        )
    assert "Décret CPF" in _pieces(world.org_a, "veille_legale")["veille-legale.csv"].decode()
    assert "Décret CPF" not in _pieces(world.org_a, "veille_metiers")["veille-metiers.csv"].decode()
    assert "Visio" in _pieces(world.org_a, "veille_pedagogique")["veille-pedagogique.csv"].decode()


def test_staff_records_with_their_proof_files(world):
    intervenant = _enregistrer(
        world.org_a, world.admin_a, Intervenant(nom="Jeanne Externe", sous_traitant=True)
    )
    with tenant_context(world.org_a):
        services.piece_intervenant_enregistrer(
            piece=PieceIntervenant(kind="habilitation", intitule="MBTI", date=dt.date(2024, 1, 1)),
            intervenant=intervenant,
            fichier=SimpleUploadedFile("mbti.pdf", b"%PDF-1.4 mbti"),
        )
        services.piece_intervenant_enregistrer(
            piece=PieceIntervenant(
                kind="supervision",
                intitule="Analyse de pratiques",
                date=dt.date(2026, 4, 1),
                heures=Decimal("3"),
            ),
            intervenant=intervenant,
            fichier=None,
        )
    consultants = _pieces(world.org_a, "consultants")
    assert "MBTI" in consultants["intervenants.csv"].decode()
    assert "Jeanne Externe" in consultants["intervenants.csv"].decode()
    fichiers = [n for n in consultants if n.startswith("justificatifs/")]
    assert [consultants[n] for n in fichiers] == [b"%PDF-1.4 mbti"]
    formations = _pieces(world.org_a, "formations_supervision")
    assert "Analyse de pratiques" in formations["formations-supervision.csv"].decode()
    assert "MBTI" not in formations["formations-supervision.csv"].decode()


def test_handicap_partners_and_anonymised_cases(world):
    partenaire = _enregistrer(
        world.org_a, world.admin_a, PartenaireHandicap(kind="cap_emploi", nom="Cap emploi 75")
    )
    _enregistrer(
        world.org_a,
        world.admin_a,
        AdaptationHandicap(
            date=dt.date(2026, 2, 1),
            besoin="Malvoyance",
            adaptation="Supports agrandis",
            partenaire=partenaire,
        ),
    )
    pieces = _pieces(world.org_a, "handicap")
    assert "Cap emploi 75" in pieces["partenaires.csv"].decode()
    assert "Supports agrandis" in pieces["adaptations.csv"].decode()


def test_documents_in_force_during_the_window_and_acknowledgements(world):
    def deposer(kind, contenu, le):
        with tenant_context(world.org_a):
            return documents_services.document_version_deposer(
                organisation=world.org_a,
                kind=kind,
                fichier=SimpleUploadedFile("doc.pdf", contenu),
                en_vigueur_le=le,
                commentaire="",
                par=world.admin_a,
            )

    deposer("cgv", b"%PDF-1.4 cgv 2024", dt.date(2024, 1, 1))
    deposer("cgv", b"%PDF-1.4 cgv 2025", dt.date(2025, 6, 1))
    deposer("cgv", b"%PDF-1.4 cgv 2026-03", dt.date(2026, 3, 1))
    deposer("cgv", b"%PDF-1.4 cgv 2026-09", dt.date(2026, 9, 1))
    livret = deposer("livret_accueil", b"%PDF-1.4 livret", dt.date(2026, 1, 5))
    deposer("organigramme", b"%PDF-1.4 organigramme", dt.date(2026, 1, 5))
    cgv = _pieces(world.org_a, "cgv")
    assert sorted(cgv.values()) == [b"%PDF-1.4 cgv 2025", b"%PDF-1.4 cgv 2026-03"]
    assert list(_pieces(world.org_a, "documents_organisation").values()) == [b"%PDF-1.4 livret"]
    assert list(_pieces(world.org_a, "organigramme").values()) == [b"%PDF-1.4 organigramme"]
    assert _pieces(world.org_b, "cgv") == {}
    bilan = bilan_for(world.beneficiaire_a, numero="BC-2026-0001")
    with tenant_context(world.org_a):
        accuse = documents_services.document_accuser_lecture(
            version=livret, beneficiaire=world.beneficiaire_a
        )
    assert _pieces(world.org_a, "accuses_lecture", bilan_ids=[bilan.pk]) == {}  # read after FIN
    with tenant_context(world.org_a):
        type(accuse).objects.filter(pk=accuse.pk).update(
            lu_le=dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)
        )
    csv = _pieces(world.org_a, "accuses_lecture", bilan_ids=[bilan.pk])[
        "accuses-lecture.csv"
    ].decode()
    assert "BC-2026-0001" in csv
    assert "Aubertin" not in csv
    # A sample without this beneficiary's dossier leaves their acknowledgement out.
    assert _pieces(world.org_a, "accuses_lecture", bilan_ids=[], echantillon=True) == {}


def test_offer_versions_as_html_files_and_an_index(world):
    programme = programme_for(world.org_a)
    contenu = {
        "titre": "Bilan 24 h",
        "objectifs": "o",
        "public_vise": "p",
        "duree_heures": Decimal("24"),
        "duree_repartition": "r",
        "delai_acces": "d",
        "tarif": "1 800 €",
        "financements": "f",
        "accessibilite": "a",
        "referent_handicap_contact": "ref@a.test",
        "contacts": "c",
        "methodes": "m",
        "modalites_evaluation": "e",
    }
    with tenant_context(world.org_a):
        for tarif in ("1 800 €", "1 900 €"):
            offres_services.offre_version_publier(
                programme=programme,
                version=OffreVersion(**(contenu | {"tarif": tarif})),
                resultats_debut=DEBUT,
                resultats_fin=FIN,
                par=world.admin_a,
            )
        OffreVersion.objects.filter(numero=1).update(
            publiee_le=dt.datetime(2026, 2, 1, 10, tzinfo=dt.UTC)
        )
        OffreVersion.objects.filter(numero=2).update(
            publiee_le=dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC)
        )
    pieces = _pieces(world.org_a, "offre_versions")
    html = [n for n in pieces if n.endswith(".html")]
    assert len(html) == 2
    assert "1 900 €" in "".join(pieces[n].decode() for n in html)
    index = pieces["index.csv"].decode()
    assert index.count("Bilan 24 h") == 2


def test_csv_chunks_have_one_header_and_one_byte_order_mark():
    # The registers are written by the shared streaming CSV (bilan.core.exports).
    morceaux = list(csv_morceaux(entetes=["a"], lignes=[[1], [2], [3], ["=4"]], lot=2))
    assert len(morceaux) == 2
    texte = b"".join(morceaux).decode()
    assert texte.count("\ufeff") == 1
    assert texte.splitlines() == ["\ufeffa", "1", "2", "3", "'=4"]
