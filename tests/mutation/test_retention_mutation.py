"""Retention (domain §8 rule 14, R6313-7): what the mutation run of
``syntheses.services.retention`` found untested. See tests/MUTATION.md.

Purging one dossier destroys its own signed synthèse and nothing of another beneficiary's: the
selection of the documents (``_documents_synthese``) was never checked against a second one.
The journal (``Purge``) is what an auditor reads: each row's object, count, reason and author
are compared in full; the conservation status is compared key by key at its boundaries; a
simulation writes nothing; a file that cannot be removed is logged by name.
"""

import datetime as dt
import logging
import os
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    Document,
    EntretienPrealable,
    QuestionEntretien,
    ReponseEntretien,
)
from beneficiaires.services.consentements import consentement_accorder
from bilan.core.models import SignedDocument
from bilan.core.tenancy import tenant_context
from exploration.instruments import RIASEC_48, VALEURS
from exploration.models import EnqueteMetier, Fiche, Passation, Piste
from syntheses.models import Commentaire, Critere, EtapePlanAction, Purge, Synthese, SyntheseVersion
from syntheses.services import retention
from syntheses.services.partage import synthese_partager_tiers
from syntheses.services.retention import bilan_purger, bilan_statut_conservation
from tests.factories.beneficiaires import BeneficiaireFactory, document_for
from tests.factories.bilans import bilan_for
from tests.factories.signatures import issued_document
from tests.syntheses.test_partage import synthese_signee_pour
from tests.syntheses.test_retention import CLOTURE, NOTES, Dossier, _consent

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
AUCUNE = "Fin du bilan (R6313-7) : aucune exception"


def test_regle_14_purging_a_dossier_leaves_another_beneficiarys_synthese(
    world, django_capture_on_commit_callbacks
):
    autre = BeneficiaireFactory(organisation=world.org_a, consultant=world.consultant_a)
    autre_bilan = bilan_for(autre, statut="en_cours", phase="conclusion")
    autre_synthese = synthese_signee_pour(autre_bilan, by=world.consultant_a)
    with tenant_context(world.org_a):
        SyntheseVersion.objects.create(
            organisation=world.org_a,
            synthese=autre_synthese,
            numero=1,
            contenu={"competences": "v1"},
            motif="Signée",
            document_id=autre_synthese.document_id,
        )
    dossier = Dossier(world)
    purges = dossier.purger(django_capture_on_commit_callbacks)
    assert {p.objet: p.nombre for p in purges}["Synthèse signée (PDF)"] == 1
    with tenant_context(world.org_a):
        assert not SignedDocument.objects.filter(pk=dossier.signe.pk).exists()
        assert SignedDocument.objects.filter(pk=autre_synthese.document_id).exists()
        assert SyntheseVersion.objects.filter(synthese=autre_synthese).count() == 1


def _journal(world, bilan):
    with tenant_context(world.org_a):
        return sorted(
            (p.objet, p.nombre, p.raison, p.par_id, p.organisation_id)
            for p in Purge.objects.filter(bilan=bilan)
        )


def _plus_de_travail(dossier):
    """Counts that differ from one: a second dossier file (and an administrative one, kept), a
    second draft and comment, two structured parts of the synthèse."""
    world = dossier.world
    document_for(world.beneficiaire_a, by=world.consultant_a, titre="Lettre de motivation")
    administratif = document_for(world.beneficiaire_a, by=world.consultant_a, titre="Convention")
    with tenant_context(world.org_a):
        Document.objects.filter(pk=administratif.pk).update(
            categorie=Document.Categorie.ADMINISTRATIF
        )
        SyntheseVersion.objects.create(
            organisation=world.org_a,
            synthese=dossier.synthese,
            numero=2,
            contenu={"competences": "brouillon 2"},
            motif="Révisée",
        )
        Commentaire.objects.create(
            organisation=world.org_a,
            synthese=dossier.synthese,
            section="projets",
            auteur=world.consultant_a,
            texte="Second commentaire",
        )
        EtapePlanAction.objects.create(
            organisation=world.org_a, synthese=dossier.synthese, ordre=1, intitule="Formation"
        )
        Critere.objects.create(organisation=world.org_a, synthese=dossier.synthese, libelle="Lieu")
        # Questionnaire answers and results, pistes métier and an enquête métier (bilan content).
        for instrument in (RIASEC_48, VALEURS):
            Passation.objects.create(
                organisation=world.org_a,
                bilan=dossier.bilan,
                seance=dossier.seance,
                instrument=instrument,
                modalite="seance",
                assignee_par=world.consultant_a,
                statut="terminee",
                terminee_le=dt.datetime(2026, 3, 3, 10, tzinfo=PARIS),
                reponses={"R1": 5},
                resultat={"code": "RIA"},
            )
    fiches = [
        Fiche.objects.get_or_create(
            code=code, defaults={"libelle": libelle, "domaine_code": code[:3]}
        )[0]
        for code, libelle in (("D1102", "Boulanger / Boulangère"), ("K2111", "Formateur"))
    ]
    with tenant_context(world.org_a):
        pistes = [
            Piste.objects.create(
                organisation=world.org_a,
                bilan=dossier.bilan,
                fiche=fiche,
                ajoutee_par="beneficiaire",
                note_beneficiaire="Note",
            )
            for fiche in fiches
        ]
        EnqueteMetier.objects.create(
            organisation=world.org_a,
            bilan=dossier.bilan,
            piste=pistes[0],
            interlocuteur="Paul",
            fonction="Boulanger",
            type_organisation="entreprise",
            rencontre_le=dt.date(2026, 3, 1),
        )
    return administratif


def test_regle_14_the_journal_names_each_kind_with_its_count_reason_and_author(
    world, django_capture_on_commit_callbacks, caplog
):
    dossier = Dossier(world)
    administratif = _plus_de_travail(dossier)
    with caplog.at_level(logging.INFO, logger="syntheses.services.retention"):
        purges = dossier.purger(django_capture_on_commit_callbacks, par=world.admin_a)
    admin, org = world.admin_a.pk, world.org_a.pk
    attendu = sorted(
        (objet, nombre, AUCUNE, admin, org)
        for objet, nombre in [
            ("Notes confidentielles de séance", 1),  # the other séance had no notes
            ("Rendus de travail personnel guidé", 1),
            ("Fichiers des rendus de travail personnel", 1),
            ("Documents du dossier", 2),
            ("Versions de travail de la synthèse", 2),
            ("Commentaires sur la synthèse", 2),
            ("Texte et éléments de travail de la synthèse", 3),  # the text and two parts
            ("Synthèse signée (PDF)", 1),
            ("Réponses et résultats de questionnaires", 2),
            ("Pistes métier et leurs notes", 2),
            ("Enquêtes métier", 1),
        ]
    )
    assert _journal(world, dossier.bilan) == attendu
    assert sorted((p.objet, p.nombre, p.raison, p.par_id, p.organisation_id) for p in purges) == (
        attendu
    )
    assert f"Purge R6313-7 : bilan {dossier.bilan.pk}, 11 objets" in caplog.messages
    with tenant_context(world.org_a):
        assert Document.objects.filter(beneficiaire=world.beneficiaire_a).get() == administratif
        assert not EtapePlanAction.objects.exists()
        assert not Critere.objects.exists()
        assert not Passation.objects.exists()
        assert not Piste.objects.exists()
        assert not EnqueteMetier.objects.exists()
        synthese = Synthese.objects.get(pk=dossier.synthese.pk)
        assert not SyntheseVersion.objects.exists()
        assert [getattr(synthese, s) for s in retention.SECTIONS_TEXTE] == [""] * 7
    # Nothing left: the second run writes nothing and logs nothing.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="syntheses.services.retention"):
        assert dossier.purger(django_capture_on_commit_callbacks) == []
    assert caplog.messages == []


def test_regle_14_a_simulation_returns_what_would_go_and_writes_nothing(
    world, django_capture_on_commit_callbacks
):
    dossier = Dossier(world)
    with django_capture_on_commit_callbacks(execute=True) as rappels, tenant_context(world.org_a):
        simulees = bilan_purger(
            bilan=dossier.bilan, aujourdhui=CLOTURE, par=world.admin_a, simuler=True
        )
    assert rappels == []  # no file deletion scheduled
    assert all(p.pk is None for p in simulees)
    with tenant_context(world.org_a):
        assert not Purge.objects.exists()
        dossier.seance.refresh_from_db()
        assert dossier.seance.notes == NOTES
        assert SignedDocument.objects.filter(pk=dossier.signe.pk).exists()
    assert all(os.path.exists(p) for p in dossier.chemins.values())
    reelles = dossier.purger(django_capture_on_commit_callbacks, par=world.admin_a)
    assert [(p.objet, p.nombre, p.raison, p.par_id) for p in simulees] == [
        (p.objet, p.nombre, p.raison, p.par_id) for p in reelles
    ]
    assert all(p.pk is not None for p in reelles)


class _Stockage:
    """A storage whose ``delete`` fails for one name (a file locked or already gone)."""

    def __init__(self, echoue):
        self.echoue = echoue
        self.supprimes = []

    def delete(self, name):
        if name == self.echoue:
            raise OSError("occupé")
        self.supprimes.append(name)


def test_regle_14_files_go_after_the_commit_and_a_failure_is_logged_by_name(
    django_capture_on_commit_callbacks, caplog
):
    stockage = _Stockage(echoue="b.pdf")
    with django_capture_on_commit_callbacks(execute=False) as rappels, transaction.atomic():
        retention._supprimer_fichiers_apres_commit(
            [(stockage, "a.pdf"), (stockage, ""), (stockage, "b.pdf"), (stockage, "c.pdf")]
        )
        assert stockage.supprimes == []  # nothing before the commit
    assert len(rappels) == 1
    with caplog.at_level(logging.ERROR, logger="syntheses.services.retention"):
        rappels[0]()
    # The failing file does not stop the others; a field without a file is skipped.
    assert stockage.supprimes == ["a.pdf", "c.pdf"]
    assert caplog.messages == ["Purge : fichier b.pdf non supprimé"]
    with django_capture_on_commit_callbacks() as rappels, transaction.atomic():
        retention._supprimer_fichiers_apres_commit([(stockage, "")])
    assert rappels == []


# --- The conservation status, key by key, at its boundaries --------------------------------------


def _statut(world, bilan, aujourdhui):
    with tenant_context(world.org_a):
        statut = bilan_statut_conservation(
            bilan=Bilan.objects.get(pk=bilan.pk), aujourdhui=aujourdhui
        )
    statut["synthese"] = statut["synthese"] and statut["synthese"].pk
    statut["journal"] = [p.pk for p in statut["journal"]]
    statut["exceptions"] = [
        {**e, "base_legale": str(e["base_legale"]), "consentement": e["consentement"].pk}
        | ({"partage": e["partage"].pk} if "partage" in e else {})
        for e in statut["exceptions"]
    ]
    return statut


def test_regle_14_both_exceptions_are_named_and_hold_until_three_years_after_the_end(world):
    dossier = Dossier(world)
    suivi = _consent(world, "conservation_suivi")
    cep = _consent(world, "synthese_cep")
    with tenant_context(world.org_a):
        partage = synthese_partager_tiers(
            synthese=dossier.synthese,
            consentement=cep,
            destinataire="CEP",
            courriel="",
            par=world.consultant_a,
        )
    limite = dt.date(2029, 5, 4)
    exceptions = [
        {
            "type": "conservation_suivi",
            "libelle": "Conservation pour le suivi",
            "base_legale": "R6313-7 b) : accord écrit du ou de la bénéficiaire pour le suivi de "
            "sa situation",
            "consentement": suivi.pk,
            "garde": "la synthèse signée et les documents du dossier",
            "jusqu_au": limite,
        },
        {
            "type": "synthese_cep",
            "libelle": "Synthèse transmise au CEP",
            "base_legale": "R6313-7 a) et L6313-4 : synthèse transmise au conseil en évolution "
            "professionnelle à la demande du ou de la bénéficiaire",
            "consentement": cep.pk,
            "partage": partage.pk,
            "garde": "la synthèse signée",
            "jusqu_au": limite,
        },
    ]
    commun = {
        "termine": True,
        "date_inconnue": False,
        "cloture_le": CLOTURE,
        "purge_le": CLOTURE,
        "limite_exceptions": limite,
        "exceptions": exceptions,
        "synthese": dossier.synthese.pk,
        "journal": [],
    }
    # The day before the end: not due yet; the exceptions apply.
    assert _statut(world, dossier.bilan, CLOTURE - dt.timedelta(days=1)) == commun | {
        "exceptions_en_vigueur": True,
        "garder_synthese": True,
        "garder_documents": True,
        "purge_due": False,
    }
    # The last day of the three years: still kept.
    assert _statut(world, dossier.bilan, limite - dt.timedelta(days=1)) == commun | {
        "exceptions_en_vigueur": True,
        "garder_synthese": True,
        "garder_documents": True,
        "purge_due": True,
    }
    # On the limit: nothing is kept any more.
    assert _statut(world, dossier.bilan, limite) == commun | {
        "exceptions_en_vigueur": False,
        "garder_synthese": False,
        "garder_documents": False,
        "purge_due": True,
    }


def test_regle_14_a_running_bilan_keeps_its_exceptions_and_is_not_due(world):
    bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="investigation")
    suivi = _consent(world, "conservation_suivi")
    statut = _statut(world, bilan, CLOTURE)
    assert statut == {
        "termine": False,
        "date_inconnue": False,
        "cloture_le": None,
        "purge_le": None,
        "limite_exceptions": None,
        "exceptions": [
            {
                "type": "conservation_suivi",
                "libelle": "Conservation pour le suivi",
                "base_legale": "R6313-7 b) : accord écrit du ou de la bénéficiaire pour le suivi "
                "de sa situation",
                "consentement": suivi.pk,
                "garde": "la synthèse signée et les documents du dossier",
                "jusqu_au": None,
            }
        ],
        "exceptions_en_vigueur": True,
        "garder_synthese": True,
        "garder_documents": True,
        "purge_due": False,
        "synthese": None,
        "journal": [],
    }


def test_regle_14_the_cep_share_alone_keeps_the_synthese_not_the_files(world):
    dossier = Dossier(world)
    cep = _consent(world, "synthese_cep")
    with tenant_context(world.org_a):
        synthese_partager_tiers(
            synthese=dossier.synthese,
            consentement=cep,
            destinataire="CEP",
            courriel="",
            par=world.consultant_a,
        )
    statut = _statut(world, dossier.bilan, CLOTURE)
    assert [e["type"] for e in statut["exceptions"]] == ["synthese_cep"]
    assert (statut["garder_synthese"], statut["garder_documents"]) == (True, False)


def test_regle_14_an_end_on_29_february_keeps_until_28_february_three_years_later(world):
    bilan = bilan_for(world.beneficiaire_a, statut="abandonne", termine_le=dt.date(2028, 2, 29))
    statut = _statut(world, bilan, dt.date(2028, 3, 1))
    assert (statut["cloture_le"], statut["limite_exceptions"]) == (
        dt.date(2028, 2, 29),
        dt.date(2031, 2, 28),
    )


@pytest.mark.parametrize(
    ("consentement", "aujourdhui", "raison"),
    [
        (
            "conservation_suivi",
            CLOTURE,
            "Fin du bilan (R6313-7) ; exception en vigueur jusqu'au 04/05/2029",
        ),
        (
            "conservation_suivi",
            dt.date(2029, 5, 4),
            "Fin du délai de 3 ans de l'exception (R6313-7)",
        ),
        (None, CLOTURE, AUCUNE),
    ],
    ids=["exception-en-vigueur", "trois-ans-ecoules", "sans-exception"],
)
def test_regle_14_each_purge_says_why(
    world, django_capture_on_commit_callbacks, consentement, aujourdhui, raison
):
    dossier = Dossier(world)
    if consentement:
        _consent(world, consentement)
    purges = dossier.purger(django_capture_on_commit_callbacks, aujourdhui=aujourdhui)
    assert purges
    assert {(p.raison, p.par_id) for p in _journal_lignes(world, dossier.bilan)} == {(raison, None)}


def test_regle_14_an_unrecorded_end_is_purged_without_exception_and_says_so(
    world, django_capture_on_commit_callbacks
):
    dossier = Dossier(world)
    _consent(world, "conservation_suivi")
    with tenant_context(world.org_a):
        Bilan.objects.filter(pk=dossier.bilan.pk).update(termine_le=None)
    purges = dossier.purger(django_capture_on_commit_callbacks)
    assert "Synthèse signée (PDF)" in {p.objet for p in purges}
    assert {p.raison for p in _journal_lignes(world, dossier.bilan)} == {
        "Fin du bilan (R6313-7) : date de fin non enregistrée, aucune exception applicable"
    }
    assert not os.path.exists(dossier.chemins["document"])


def _journal_lignes(world, bilan):
    with tenant_context(world.org_a):
        return list(Purge.objects.filter(bilan=bilan))


def test_regle_14_refusals_name_why_and_write_nothing(world):
    dossier = Dossier(world)
    en_cours = bilan_for(world.beneficiaire_a, statut="en_cours", phase="investigation")
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError) as refus:
            bilan_purger(bilan=en_cours, aujourdhui=CLOTURE)
        assert refus.value.messages == [
            "Ce bilan n'est pas terminé : rien n'est détruit avant sa fin."
        ]
        with pytest.raises(ValidationError) as refus:
            bilan_purger(bilan=dossier.bilan, aujourdhui=CLOTURE - dt.timedelta(days=1))
        assert refus.value.messages == [
            "La date de destruction de ce bilan n'est pas encore venue."
        ]
        assert not Purge.objects.exists()
        dossier.seance.refresh_from_db()
        assert dossier.seance.notes == NOTES


# --- The prior interviews emptied with the dossier (``_entretiens_a_vider``) ----------------------


def _entretien_brut(world, date, *, demande="MARQUEUR", bilan=None, **textes):
    with tenant_context(world.org_a):
        entretien = EntretienPrealable.objects.create(
            organisation=world.org_a,
            beneficiaire=world.beneficiaire_a,
            date=date,
            consultant=world.consultant_a,
            demande=demande,
            issue="bilan",
            **textes,
        )
        if bilan is not None:
            Bilan.objects.filter(pk=bilan.pk).update(entretien_prealable=entretien)
            bilan.refresh_from_db()
    return entretien


def test_regle_14_interviews_up_to_the_end_day_in_paris_are_emptied_and_counted(
    world, django_capture_on_commit_callbacks
):
    dossier = Dossier(world)
    # The dossier's own (its texts held in « contexte » only), one held on the end day late in
    # the evening (Paris), one just after midnight (a new request), one already empty but with
    # an answer to the organisation's questions, one with nothing left at all.
    propre = _entretien_brut(
        world,
        dt.datetime(2026, 2, 1, 10, tzinfo=PARIS),
        demande="",
        bilan=dossier.bilan,
        contexte="MARQUEUR",
    )
    soir = _entretien_brut(world, dt.datetime(2026, 5, 4, 23, 59, tzinfo=PARIS), attentes="X")
    lendemain = _entretien_brut(world, dt.datetime(2026, 5, 5, 0, 0, tzinfo=PARIS))
    reponses = _entretien_brut(world, dt.datetime(2026, 1, 5, 10, tzinfo=PARIS), demande="")
    vide = _entretien_brut(world, dt.datetime(2026, 1, 6, 10, tzinfo=PARIS), demande="")
    with tenant_context(world.org_a):
        question = QuestionEntretien.objects.create(
            organisation=world.org_a, libelle="Métier", finalite="Projet", type="texte"
        )
        ReponseEntretien.objects.create(
            organisation=world.org_a,
            entretien=reponses,
            question=question,
            libelle="Métier",
            valeur="MARQUEUR",
        )
        avant = {e.pk: e.updated_at for e in EntretienPrealable.objects.all()}

    purges = dossier.purger(django_capture_on_commit_callbacks)

    assert {p.objet: p.nombre for p in purges}["Textes de l'entretien préalable"] == 3
    with tenant_context(world.org_a):
        textes = {
            e.pk: (e.demande, e.contexte, e.attentes, e.updated_at > avant[e.pk])
            for e in EntretienPrealable.objects.all()
        }
        assert not ReponseEntretien.objects.exists()
    assert textes == {
        propre.pk: ("", "", "", True),
        soir.pk: ("", "", "", True),
        lendemain.pk: ("MARQUEUR", "", "", False),
        reponses.pk: ("", "", "", True),
        vide.pk: ("", "", "", False),  # nothing to empty: untouched, not counted
    }


def test_regle_14_with_another_open_dossier_only_this_dossiers_interview_is_emptied(
    world, django_capture_on_commit_callbacks
):
    dossier = Dossier(world)
    propre = _entretien_brut(world, dt.datetime(2026, 2, 1, 10, tzinfo=PARIS), bilan=dossier.bilan)
    ancien = _entretien_brut(world, dt.datetime(2026, 1, 5, 10, tzinfo=PARIS))
    bilan_for(world.beneficiaire_a, statut="demande")  # open, without an interview
    purges = dossier.purger(django_capture_on_commit_callbacks)
    assert {p.objet: p.nombre for p in purges}["Textes de l'entretien préalable"] == 1
    with tenant_context(world.org_a):
        assert EntretienPrealable.objects.get(pk=propre.pk).demande == ""
        assert EntretienPrealable.objects.get(pk=ancien.pk).demande == "MARQUEUR"
        # The open dossier keeps the dossier's files too.
        assert Document.objects.filter(pk=dossier.document.pk).exists()


def test_regle_14_a_dossier_without_its_own_interview_empties_the_earlier_ones(
    world, django_capture_on_commit_callbacks
):
    dossier = Dossier(world)
    ancien = _entretien_brut(world, dt.datetime(2026, 1, 5, 10, tzinfo=PARIS))
    purges = dossier.purger(django_capture_on_commit_callbacks)
    assert {p.objet: p.nombre for p in purges}["Textes de l'entretien préalable"] == 1
    with tenant_context(world.org_a):
        assert EntretienPrealable.objects.get(pk=ancien.pk).demande == ""


# --- Which PDFs are the synthèse's (``_documents_synthese``) ------------------------------------


def test_regle_14_every_pdf_of_the_synthese_goes_and_nothing_else_filed_under_it(
    world, django_capture_on_commit_callbacks
):
    """The signed synthèse (referenced by the synthèse and by its signed version), a re-issued
    PDF of it no longer referenced, and a synthèse PDF filed under the bilan all go; a document
    of another kind filed under the synthèse stays."""
    dossier = Dossier(world)
    beneficiaire, consultant = world.beneficiaire_a, world.consultant_a
    sous_bilan = issued_document(
        beneficiaire=beneficiaire,
        by=consultant,
        kind="synthese",
        subject_id=dossier.bilan.public_id,
    )
    reemis = issued_document(
        beneficiaire=beneficiaire,
        by=consultant,
        kind="synthese",
        subject_id=dossier.synthese.public_id,
    )
    autre_nature = issued_document(
        beneficiaire=beneficiaire,
        by=consultant,
        kind="attestation_fin",
        subject_id=dossier.synthese.public_id,
    )
    with tenant_context(world.org_a):
        # The signed version's id is a document that stays (the convention's, or the other
        # kind's if a version already has it): the documents are picked by the versions'
        # document ids, never by the versions' own ids.
        meme_id = next(
            d.pk
            for d in (dossier.convention, autre_nature)
            if not SyntheseVersion.objects.filter(pk=d.pk).exists()
        )
        SyntheseVersion.objects.create(
            pk=meme_id,
            organisation=world.org_a,
            synthese=dossier.synthese,
            numero=2,
            contenu={"competences": "signée"},
            motif="Signée",
            document=dossier.signe,
        )
    chemins = [d.issued_pdf.path for d in (sous_bilan, reemis)]
    purges = dossier.purger(django_capture_on_commit_callbacks)
    assert {p.objet: p.nombre for p in purges}["Synthèse signée (PDF)"] == 3
    with tenant_context(world.org_a):
        assert set(SignedDocument.objects.values_list("pk", flat=True)) == {
            dossier.convention.pk,
            autre_nature.pk,
        }
        assert not SyntheseVersion.objects.exists()
    assert not any(os.path.exists(p) for p in chemins)
    assert os.path.exists(autre_nature.issued_pdf.path)


def test_regle_14_the_dossiers_own_interview_goes_whatever_its_recorded_date(
    world, django_capture_on_commit_callbacks
):
    """Its own interview is emptied even when recorded with a date after the end (a date typed
    wrong): it is this dossier's, not a new request."""
    dossier = Dossier(world)
    propre = _entretien_brut(world, dt.datetime(2026, 6, 1, 10, tzinfo=PARIS), bilan=dossier.bilan)
    purges = dossier.purger(django_capture_on_commit_callbacks)
    assert {p.objet: p.nombre for p in purges}["Textes de l'entretien préalable"] == 1
    with tenant_context(world.org_a):
        assert EntretienPrealable.objects.get(pk=propre.pk).demande == ""


# --- Drafts of a synthèse kept under an exception ------------------------------------------------


def test_regle_14_under_an_exception_drafts_and_their_unsigned_pdfs_go_the_signed_version_stays(
    world, django_capture_on_commit_callbacks
):
    dossier = Dossier(world)
    _consent(world, "conservation_suivi")
    brouillon_pdf = issued_document(  # issued, never signed: a draft's PDF
        beneficiaire=world.beneficiaire_a,
        by=world.consultant_a,
        kind="synthese",
        subject_id=dossier.synthese.public_id,
        required_roles=("organisme",),
    )
    with tenant_context(world.org_a):
        for numero, document in ((2, brouillon_pdf), (3, dossier.signe)):
            SyntheseVersion.objects.create(
                organisation=world.org_a,
                synthese=dossier.synthese,
                numero=numero,
                contenu={"competences": f"v{numero}"},
                motif="Version",
                document=document,
            )
        avant = Synthese.objects.get(pk=dossier.synthese.pk).updated_at
    chemin = brouillon_pdf.issued_pdf.path
    purges = dossier.purger(django_capture_on_commit_callbacks)
    journal = {p.objet: p.nombre for p in purges}
    assert journal["Versions de travail de la synthèse"] == 2  # without a PDF, with an unsigned one
    assert "Synthèse signée (PDF)" not in journal
    assert "Texte et éléments de travail de la synthèse" not in journal
    with tenant_context(world.org_a):
        assert list(SyntheseVersion.objects.values_list("numero", "document_id")) == [
            (3, dossier.signe.pk)
        ]
        assert not SignedDocument.objects.filter(pk=brouillon_pdf.pk).exists()
        assert SignedDocument.objects.filter(pk=dossier.signe.pk).exists()
        synthese = Synthese.objects.get(pk=dossier.synthese.pk)
        assert synthese.competences  # kept with the exception, untouched
        assert synthese.updated_at == avant
    assert not os.path.exists(chemin)
    # The files gathered before the drafts' go too.
    assert not os.path.exists(dossier.chemins["rendu"])
    assert os.path.exists(dossier.chemins["synthese_signee"])


def test_regle_14_an_abandoned_synthese_awaiting_signatures_keeps_its_current_pdf_under_exception(
    world, django_capture_on_commit_callbacks
):
    dossier = Dossier(world)
    _consent(world, "conservation_suivi")
    courant = issued_document(
        beneficiaire=world.beneficiaire_a,
        by=world.consultant_a,
        kind="synthese",
        subject_id=dossier.synthese.public_id,
        required_roles=("beneficiaire", "organisme"),
    )
    with tenant_context(world.org_a):
        Bilan.objects.filter(pk=dossier.bilan.pk).update(statut="abandonne")
        Synthese.objects.filter(pk=dossier.synthese.pk).update(document=courant)
        SyntheseVersion.objects.create(
            organisation=world.org_a,
            synthese=dossier.synthese,
            numero=2,
            contenu={"competences": "émise"},
            motif="Émise",
            document=courant,
        )
    purges = dossier.purger(django_capture_on_commit_callbacks)
    assert {p.objet: p.nombre for p in purges}["Versions de travail de la synthèse"] == 2
    with tenant_context(world.org_a):
        assert Synthese.objects.get(pk=dossier.synthese.pk).document_id == courant.pk
        assert SignedDocument.objects.filter(pk=courant.pk).exists()
    assert os.path.exists(courant.issued_pdf.path)


def test_regle_14_blanking_the_synthese_and_the_needs_marks_when(
    world, django_capture_on_commit_callbacks
):
    dossier = Dossier(world)
    with tenant_context(world.org_a):
        Beneficiaire.objects.filter(pk=world.beneficiaire_a.pk).update(
            besoins_accessibilite="Fauteuil", updated_at=dt.datetime(2026, 1, 1, tzinfo=PARIS)
        )
        Synthese.objects.filter(pk=dossier.synthese.pk).update(
            updated_at=dt.datetime(2026, 1, 1, tzinfo=PARIS)
        )
    debut = timezone.now()
    dossier.purger(django_capture_on_commit_callbacks)
    with tenant_context(world.org_a):
        beneficiaire = Beneficiaire.objects.get(pk=world.beneficiaire_a.pk)
        synthese = Synthese.objects.get(pk=dossier.synthese.pk)
    assert (beneficiaire.besoins_accessibilite, synthese.competences) == ("", "")
    assert beneficiaire.updated_at >= debut
    assert synthese.updated_at >= debut


def test_regle_14_another_persons_consent_keeps_nothing_of_this_dossier(world):
    dossier = Dossier(world)
    autre = BeneficiaireFactory(organisation=world.org_a, consultant=world.consultant_a)
    with tenant_context(world.org_a):
        consentement_accorder(
            beneficiaire=autre, type="conservation_suivi", methode="papier", par=None
        )
    statut = _statut(world, dossier.bilan, CLOTURE)
    assert (statut["exceptions"], statut["garder_synthese"], statut["garder_documents"]) == (
        [],
        False,
        False,
    )
