"""Rule 15: the administrative and quality evidence is kept apart from the bilan's work documents,
with its own retention schedule per kind, and destroyed by the daily job when it has passed."""

import datetime as dt
import os
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from beneficiaires.models import Document, Paiement
from beneficiaires.services.beneficiaires import document_deposer
from bilan.core.models import SignedDocument
from bilan.core.tenancy import tenant_context
from enquetes.models import Reponse
from qualiopi.conservation import REGLES_DEFAUT, conserver_jusqu_au
from qualiopi.models import NaturePreuve, PiecePreuve, Reclamation, RegleConservation
from qualiopi.services.conservation import (
    preuves_indexer,
    preuves_purger,
    regle_conservation_modifier,
)
from qualiopi.tasks import purger_preuves
from seances.models import Emargement, Seance
from syntheses.models import Synthese
from tests.qualiopi.jeu_resultats import MOTIF_CONFIDENTIEL, NOTE_CONFIDENTIELLE, jeu_construire
from tests.syntheses.test_partage import TEXTE_CONFIDENTIEL
from tests.syntheses.test_retention import CLOTURE, NOTES, Dossier

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _signer(document):
    with tenant_context(document.organisation):
        SignedDocument.objects.filter(pk=document.pk).update(
            status="signe", signed_at=dt.datetime(2026, 3, 2, 9, tzinfo=PARIS)
        )


def _emarger(world, seance):
    with tenant_context(world.org_a):
        for role in ("beneficiaire", "consultant"):
            Emargement.objects.create(
                organisation=world.org_a,
                seance=seance,
                role=role,
                signataire=role,
                methode="session",
                signe_le=seance.debut,
                details={"seance": str(seance.public_id)},
                details_sha256="0" * 64,
            )


def _administratif(world):
    with tenant_context(world.org_a):
        return document_deposer(
            beneficiaire=world.beneficiaire_a,
            titre="Convention signée (scan)",
            fichier=SimpleUploadedFile("c.pdf", b"%PDF-1.4 scan", "application/pdf"),
            type_mime="application/pdf",
            par=world.admin_a,
            categorie=Document.Categorie.ADMINISTRATIF,
        )


def _store(world):
    with tenant_context(world.org_a):
        return list(PiecePreuve.objects.order_by("nature", "source", "source_id"))


def test_regle_15_closing_and_purging_keeps_the_evidence_and_removes_the_work(
    world, django_capture_on_commit_callbacks
):
    d = Dossier(world)
    _signer(d.convention)
    _emarger(world, d.seance)
    scan = _administratif(world)
    d.purger(django_capture_on_commit_callbacks)
    with tenant_context(world.org_a):
        # The work documents went (R6313-7)...
        assert not Document.objects.filter(pk=d.document.pk).exists()
        assert Seance.objects.get(pk=d.seance.pk).notes == ""
        # ... the evidence stayed.
        assert SignedDocument.objects.filter(pk=d.convention.pk, status="signe").exists()
        assert Emargement.objects.filter(seance=d.seance).count() == 2
        assert Document.objects.filter(pk=scan.pk).exists()
        preuves_indexer(organisation=world.org_a)
    assert not os.path.exists(d.chemins["document"])
    assert os.path.exists(d.chemins["convention"])
    pieces = _store(world)
    assert sorted((p.nature, p.source) for p in pieces) == [
        (NaturePreuve.CONTRATS, "document_signe"),
        (NaturePreuve.EMARGEMENTS, "emargement"),
        (NaturePreuve.EMARGEMENTS, "emargement"),
        (NaturePreuve.PIECES_ADMINISTRATIVES, "document"),
    ]
    assert {p.bilan_numero for p in pieces if p.source != "document"} == {d.bilan.numero}
    # The synthèse (signed PDF) is bilan content: never in the store.
    assert not [p for p in pieces if (p.source, p.source_id) == ("document_signe", d.signe.pk)]
    contrat = next(p for p in pieces if p.nature == NaturePreuve.CONTRATS)
    assert contrat.conserver_jusqu_au == dt.date(2031, 5, 4)  # 5 years after the end
    emargement = next(p for p in pieces if p.nature == NaturePreuve.EMARGEMENTS)
    assert emargement.conserver_jusqu_au == dt.date(2029, 12, 31)  # 3 full years after 2026


def test_regle_15_evidence_past_its_schedule_is_purged_and_logged(
    world, django_capture_on_commit_callbacks
):
    d = Dossier(world)
    _signer(d.convention)
    _emarger(world, d.seance)
    with tenant_context(world.org_a):
        paiement = Paiement.objects.create(
            organisation=world.org_a,
            bilan=d.bilan,
            date=dt.date(2026, 4, 1),
            montant=Decimal("300"),
            enregistre_par=world.admin_a,
        )
        preuves_indexer(organisation=world.org_a)
    # 2030-01-02: the attendance (kept to 2029-12-31) goes; the convention (2031) and the
    # payment (2036) stay.
    with django_capture_on_commit_callbacks(execute=True), tenant_context(world.org_a):
        assert preuves_purger(organisation=world.org_a, aujourdhui=dt.date(2030, 1, 2)) == 2
        assert not Emargement.objects.filter(seance=d.seance).exists()
        assert SignedDocument.objects.filter(pk=d.convention.pk).exists()
        assert Paiement.objects.filter(pk=paiement.pk).exists()
        # Idempotent: a second run finds nothing.
        assert preuves_purger(organisation=world.org_a, aujourdhui=dt.date(2030, 1, 2)) == 0
    purgees = [p for p in _store(world) if p.purgee_le]
    assert [p.nature for p in purgees] == [NaturePreuve.EMARGEMENTS] * 2
    assert "3 ans" in purgees[0].purge_motif
    assert "31/12/2029" in purgees[0].purge_motif
    # 2031-05-05: the convention and its file go too (the file after the commit).
    with django_capture_on_commit_callbacks(execute=True), tenant_context(world.org_a):
        assert preuves_purger(organisation=world.org_a, aujourdhui=dt.date(2031, 5, 5)) == 1
        assert not SignedDocument.objects.filter(pk=d.convention.pk).exists()
    assert not os.path.exists(d.chemins["convention"])


def test_regle_15_the_schedule_is_the_organisations_within_legal_floors(world):
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError) as erreur:
            regle_conservation_modifier(
                organisation=world.org_a,
                nature=NaturePreuve.PAIEMENTS,
                duree_ans=5,
                point_depart="date_piece",
                par=world.admin_a,
            )
        assert "duree_ans" in erreur.value.message_dict
        assert not RegleConservation.objects.exists()
        regle_conservation_modifier(
            organisation=world.org_a,
            nature=NaturePreuve.EMARGEMENTS,
            duree_ans=6,
            point_depart="fin_annee_dernier_paiement",
            par=world.admin_a,
        )
    d = Dossier(world)
    _emarger(world, d.seance)
    with tenant_context(world.org_a):
        preuves_indexer(organisation=world.org_a)
    assert {p.conserver_jusqu_au for p in _store(world)} == {dt.date(2032, 12, 31)}
    with tenant_context(world.org_b):
        preuves_indexer(organisation=world.org_b)
        assert not PiecePreuve.objects.exists()  # organisation B's store holds nothing of A


def test_regle_15_a_running_bilan_has_no_purge_date(world):
    regle = REGLES_DEFAUT[NaturePreuve.EMARGEMENTS]
    arguments = {"regle": regle, "date_piece": dt.date(2026, 1, 5), "lie_a_un_bilan": True}
    assert conserver_jusqu_au(**arguments, fin_bilan=None, dernier_paiement=None) is None
    assert conserver_jusqu_au(
        **arguments, fin_bilan=dt.date(2026, 3, 1), dernier_paiement=dt.date(2027, 2, 1)
    ) == dt.date(2030, 12, 31)


def test_regle_15_nothing_confidential_in_the_store(world):
    d = Dossier(world)
    _signer(d.convention)
    _emarger(world, d.seance)
    jeu_construire(world)
    with tenant_context(world.org_a):
        preuves_indexer(organisation=world.org_a)
        sources = set(PiecePreuve.objects.values_list("source", "nature"))
        textes = " ".join(str(v) for ligne in PiecePreuve.objects.values_list() for v in ligne)
        assert Synthese.objects.filter(competences=TEXTE_CONFIDENTIEL).exists()
        assert Reponse.objects.filter(repondu_le__isnull=False).count() == 5
    assert ("enquete", NaturePreuve.ENQUETES) in sources
    for secret in (NOTES, NOTE_CONFIDENTIELLE, MOTIF_CONFIDENTIEL, TEXTE_CONFIDENTIEL, "CV"):
        assert secret not in textes
    assert "document" not in {s for s, _n in sources}  # no work file of the dossier


def test_regle_15_daily_task_runs_for_each_organisation(world, django_capture_on_commit_callbacks):
    d = Dossier(world)
    _emarger(world, d.seance)
    with tenant_context(world.org_a):
        type(d.bilan).objects.filter(pk=d.bilan.pk).update(termine_le=dt.date(2019, 5, 4))
    with django_capture_on_commit_callbacks(execute=True):
        resultat = purger_preuves()
    assert resultat[world.org_a.pk] == 2
    assert resultat[world.org_b.pk] == 0
    assert CLOTURE  # the dossier's own end day is untouched by the test's update of termine_le


def test_regle_15_a_closed_complaint_is_kept_three_years_then_purged_an_open_one_never(world):
    with tenant_context(world.org_a):
        commun = {"organisation": world.org_a, "canal": "courriel", "nature": "autre"}
        close = Reclamation.objects.create(
            **commun,
            objet="Close",
            description="d",
            recue_le=dt.date(2026, 1, 5),
            accuse_le=dt.date(2026, 1, 6),
            reponse_le=dt.date(2026, 1, 20),
            reponse="Réponse",
            cloture_le=dt.date(2026, 2, 1),
        )
        ouverte = Reclamation.objects.create(
            **commun, objet="Ouverte", description="d", recue_le=dt.date(2026, 1, 5)
        )
        preuves_indexer(organisation=world.org_a)
        piece = PiecePreuve.objects.get(source=PiecePreuve.Source.RECLAMATION)
        assert (piece.source_id, piece.nature) == (close.pk, NaturePreuve.REGISTRES)
        assert piece.conserver_jusqu_au == dt.date(2029, 2, 1)
        # Still within its three years: nothing goes.
        assert preuves_purger(organisation=world.org_a, aujourdhui=dt.date(2029, 2, 1)) == 0
        assert preuves_purger(organisation=world.org_a, aujourdhui=dt.date(2029, 2, 2)) == 1
        assert not Reclamation.objects.filter(pk=close.pk).exists()
        # The open complaint is not evidence yet: never indexed, never purged.
        assert Reclamation.objects.filter(pk=ouverte.pk).exists()
        assert not PiecePreuve.objects.filter(source_id=ouverte.pk, source="reclamation").exists()
