"""R6313-7, the gaps closed by issue 12 item 6: the prior interview's texts and the
accessibility needs go with the work documents; the end day is recorded by the transition and
never moves; the access journal keeps kinds and ids, not titles; the purge runs on demand."""

import datetime as dt
import importlib
import io
import os
import re
import urllib.parse
import zoneinfo

import psycopg
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from beneficiaires.models import Beneficiaire, Bilan, BilanEvenement, EntretienPrealable
from beneficiaires.services.bilans import (
    beneficiaire_enregistrer_besoins,
    bilan_abandonner,
    bilan_refuser,
)
from beneficiaires.services.entretiens import entretien_prealable_enregistrer
from bilan.core.models import AuditEvent
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from syntheses.models import Purge
from syntheses.services.cloture import bilan_clore
from syntheses.services.retention import bilan_statut_conservation
from syntheses.tasks import purger_bilans_clos
from tests.factories.beneficiaires import document_for, fiche_entretien
from tests.factories.bilans import bilan_for, bilan_pret_a_clore
from tests.syntheses.test_retention import NOTES, Dossier, _consent

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MIGRATION = importlib.import_module("beneficiaires.migrations.0011_bilan_termine_le")
DEMANDE = "MARQUEUR-DEMANDE : je veux quitter mon poste, burn-out"
BESOINS = "MARQUEUR-SANTE : fauteuil roulant, pauses toutes les heures"
TITRE = "MARQUEUR-TITRE Évaluation psychologique de Camille"
NEUTRE = re.compile(r"^[^\d]+ [0-9a-f]{8}$")


@pytest.fixture
def ferme(world):
    return Dossier(world)


def _entretien(world, *, date, demande=DEMANDE, bilan=None):
    with tenant_context(world.org_a):
        entretien = entretien_prealable_enregistrer(
            beneficiaire=world.beneficiaire_a,
            fiche=fiche_entretien(
                consultant=world.consultant_a,
                date=date,
                demande=demande,
                contexte="MARQUEUR-CONTEXTE",
                contraintes="MARQUEUR-CONTRAINTES",
                attentes="MARQUEUR-ATTENTES",
                commentaire="MARQUEUR-COMMENTAIRE",
            ),
            reponses={},
        )
        if bilan is not None:
            Bilan.objects.filter(pk=bilan.pk).update(entretien_prealable=entretien)
            bilan.refresh_from_db()
    return entretien


def _besoins(world):
    _consent(world, "accessibilite")
    with tenant_context(world.org_a):
        beneficiaire_enregistrer_besoins(beneficiaire=world.beneficiaire_a, besoins=BESOINS)


def _textes(entretien):
    entretien.refresh_from_db()
    return [
        entretien.demande,
        entretien.contexte,
        entretien.contraintes,
        entretien.attentes,
        entretien.commentaire,
    ]


# --- (a) The prior interview's texts and the accessibility needs -------------------------------


def test_regle_14_prior_interview_texts_and_needs_go_fact_and_date_stay(
    ferme, django_capture_on_commit_callbacks
):
    world = ferme.world
    avant = dt.datetime(2026, 2, 20, 10, tzinfo=PARIS)
    propre = _entretien(world, date=avant, bilan=ferme.bilan)
    # A new request after the end: not this dossier's, it stays.
    apres = _entretien(world, date=dt.datetime(2026, 6, 1, 10, tzinfo=PARIS), demande="Nouvelle")
    _besoins(world)

    purges = ferme.purger(django_capture_on_commit_callbacks)

    with tenant_context(world.org_a):
        assert _textes(propre) == [""] * 5
        # What the law needs stays: the fact, its date, who held it and its outcome.
        assert (propre.date, propre.consultant_id, propre.issue) == (
            avant,
            world.consultant_a.pk,
            "bilan",
        )
        assert _textes(apres)[0] == "Nouvelle"
        assert Beneficiaire.objects.get(pk=world.beneficiaire_a.pk).besoins_accessibilite == ""
        # Nothing of them is readable anywhere in the tables.
        assert "MARQUEUR" not in str(list(EntretienPrealable.objects.filter(pk=propre.pk).values()))
    journal = {p.objet: p.nombre for p in purges}
    assert journal["Textes de l'entretien préalable"] == 1
    assert journal["Besoins d'aménagement (accessibilité)"] == 1
    # Idempotent: nothing left, nothing written.
    assert ferme.purger(django_capture_on_commit_callbacks) == []


def test_regle_14_another_open_dossier_keeps_the_needs_and_its_interview(
    ferme, django_capture_on_commit_callbacks
):
    world = ferme.world
    propre = _entretien(world, date=dt.datetime(2026, 2, 20, 10, tzinfo=PARIS), bilan=ferme.bilan)
    ouvert = bilan_for(world.beneficiaire_a, statut="demande")
    en_usage = _entretien(
        world, date=dt.datetime(2026, 3, 1, 10, tzinfo=PARIS), demande="En cours", bilan=ouvert
    )
    _besoins(world)

    ferme.purger(django_capture_on_commit_callbacks)

    with tenant_context(world.org_a):
        assert _textes(propre) == [""] * 5
        assert _textes(en_usage)[0] == "En cours"
        assert Beneficiaire.objects.get(pk=world.beneficiaire_a.pk).besoins_accessibilite == (
            BESOINS
        )


def test_regle_14_a_refused_dossier_loses_its_interview_texts_the_night_it_ends(
    world, django_capture_on_commit_callbacks
):
    bilan = bilan_for(world.beneficiaire_a, statut="attente")
    entretien = _entretien(world, date=dt.datetime(2026, 4, 1, 10, tzinfo=PARIS), bilan=bilan)
    refus = dt.datetime(2026, 4, 20, 6, 0, tzinfo=PARIS)
    with time_machine.travel(refus, tick=False):
        with tenant_context(world.org_a):
            bilan_refuser(bilan=bilan, motif="Convention non signée", par=None)
        with django_capture_on_commit_callbacks(execute=True):
            purger_bilans_clos()
    with tenant_context(world.org_a):
        assert _textes(entretien) == [""] * 5
        raisons = set(Purge.objects.filter(bilan=bilan).values_list("raison", flat=True))
    assert raisons == {"Bilan refusé : fin de la démarche (R6313-7 ; RGPD, art. 5)"}


# --- (b) The end day: recorded by the transition, never derived ---------------------------------


def _abandonner(world, bilan):
    bilan_abandonner(
        bilan=bilan, cause="reprise_emploi", motif="Reprise d'emploi", par=world.consultant_a
    )


def _refuser(world, bilan):
    bilan_refuser(bilan=bilan, motif="Financement refusé", par=world.consultant_a)


def _clore(world, bilan):
    bilan_clore(bilan=bilan, par=world.consultant_a, fin=dt.date(2026, 5, 4))


@pytest.mark.parametrize(
    ("statut", "transition", "fin"),
    [
        ("en_cours", _abandonner, "abandonne"),
        ("attente", _refuser, "refuse"),
        ("synthese_remise", _clore, "clos"),
    ],
    ids=["abandon", "refus", "cloture"],
)
def test_regle_14_the_end_day_is_recorded_by_the_transition_and_never_moves(
    world, statut, transition, fin
):
    phase = "conclusion" if statut == "synthese_remise" else ""
    if statut == "en_cours":
        phase = "investigation"
    if statut == "synthese_remise":
        bilan = bilan_pret_a_clore(
            world.beneficiaire_a, entretien_le=dt.datetime(2026, 5, 4, 10, tzinfo=PARIS)
        )
    else:
        bilan = bilan_for(world.beneficiaire_a, statut=statut, phase=phase)
    with (
        time_machine.travel(dt.datetime(2026, 5, 4, 18, tzinfo=PARIS), tick=False),
        tenant_context(world.org_a),
    ):
        transition(world, bilan)
    # Months later the row is touched (an admin fixes a typo, a migration rewrites it…).
    with (
        time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=PARIS), tick=False),
        tenant_context(world.org_a),
    ):
        bilan = Bilan.objects.get(pk=bilan.pk)
        bilan.save()
        statut_conservation = bilan_statut_conservation(bilan=bilan)
    assert bilan.statut == fin
    assert bilan.termine_le == dt.date(2026, 5, 4)
    assert statut_conservation["cloture_le"] == dt.date(2026, 5, 4)
    assert statut_conservation["limite_exceptions"] == dt.date(2029, 5, 4)


def test_regle_14_an_unrecorded_end_is_never_taken_from_the_last_update(world):
    """A closed dossier whose end day was never recorded: no date is made up from
    ``updated_at`` (which would move the 3-year limit); it is purged as due, and no exception
    can be kept on an unknown start."""
    bilan = bilan_for(world.beneficiaire_a, statut="clos")
    _consent(world, "conservation_suivi")
    with tenant_context(world.org_a):
        statut = bilan_statut_conservation(bilan=bilan, aujourdhui=dt.date(2026, 5, 4))
    assert statut["termine"]
    assert statut["date_inconnue"]
    assert statut["cloture_le"] is None
    assert statut["limite_exceptions"] is None
    assert statut["purge_due"]
    assert statut["exceptions"]
    assert not statut["exceptions_en_vigueur"]
    assert not statut["garder_synthese"]
    assert not statut["garder_documents"]


# --- Migration 0011, run as the owner under forced row-level security ---------------------------


def _proprietaire():
    """A connection as the owner role (the one migrations use) to the test database."""
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    reglages = connection.settings_dict
    return psycopg.connect(
        host=reglages["HOST"] or "127.0.0.1",
        port=reglages["PORT"] or 5432,
        dbname=reglages["NAME"],
        user=urllib.parse.unquote(url.username or ""),
        password=urllib.parse.unquote(url.password or ""),
    )


def _evenement(world, bilan, *, vers, le):
    with time_machine.travel(le, tick=False), tenant_context(world.org_a):
        BilanEvenement.objects.create(organisation=world.org_a, bilan=bilan, de="", vers=vers)


@pytest.mark.django_db(transaction=True)
def test_migration_dates_ended_dossiers_from_their_history_as_the_owner(world):
    fin = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)  # 1 April in Paris
    clos_sans_date = bilan_for(world.beneficiaire_a, statut="clos")
    _evenement(world, clos_sans_date, vers="en_cours", le=fin - dt.timedelta(days=60))
    _evenement(world, clos_sans_date, vers="clos", le=fin)
    abandonne = bilan_for(world.beneficiaire_b, statut="abandonne")
    with time_machine.travel(fin + dt.timedelta(days=2), tick=False), tenant_context(world.org_b):
        BilanEvenement.objects.create(
            organisation=world.org_b, bilan=abandonne, de="en_cours", vers="abandonne"
        )
    clos_date_reelle = bilan_for(
        world.beneficiaire_a, statut="clos", date_fin_reelle=dt.date(2026, 2, 2)
    )
    sans_rien = bilan_for(world.beneficiaire_a, statut="clos")
    en_cours = bilan_for(world.beneficiaire_a, statut="en_cours", phase="investigation")

    with _proprietaire() as proprietaire, proprietaire.cursor() as curseur:
        assert MIGRATION.bilans_dater_fin(curseur, "postgresql") == 3

    with tenant_context(world.org_a):
        dates = dict(Bilan.objects.values_list("pk", "termine_le"))
        statut = bilan_statut_conservation(bilan=Bilan.objects.get(pk=clos_sans_date.pk))
    with tenant_context(world.org_b):
        assert Bilan.objects.get(pk=abandonne.pk).termine_le == dt.date(2026, 4, 3)
    assert dates[clos_sans_date.pk] == dt.date(2026, 4, 1)
    assert dates[clos_date_reelle.pk] == dt.date(2026, 2, 2)
    assert dates[sans_rien.pk] is None  # no history: no date made up
    assert dates[en_cours.pk] is None
    assert statut["limite_exceptions"] == dt.date(2029, 4, 1)


# --- (c) The access journal: kinds and ids, never titles ----------------------------------------


def _journal_contient(world, texte):
    with tenant_context(world.org_a), connection.cursor() as curseur:
        curseur.execute(
            "SELECT count(*) FROM core_auditevent t WHERE t::text ILIKE %s", [f"%{texte}%"]
        )
        return curseur.fetchone()[0]


def test_regle_15_the_journal_keeps_kind_and_id_never_a_title(
    ferme, login_as, django_capture_on_commit_callbacks
):
    world = ferme.world
    document = document_for(world.beneficiaire_a, by=world.consultant_a, titre=TITRE)
    with tenant_context(world.org_a):
        consigne = Seance.objects.get(bilan=ferme.bilan, type="travail_personnel").consigne
    client = login_as(world.consultant_a)
    base = f"/app/beneficiaires/{world.beneficiaire_a.public_id}"
    assert client.get(f"{base}/documents/{document.public_id}/").status_code == 200
    assert client.get(f"/app/travail/consignes/{consigne.public_id}/").status_code == 200
    fichier = f"/app/travail/consignes/{consigne.public_id}/fichiers/"
    assert client.get(f"{fichier}{ferme.rendu_fichier.public_id}/").status_code == 200

    with tenant_context(world.org_a):
        lignes = {e.object_type: e for e in AuditEvent.objects.all()}
    assert lignes["document"].object_label == f"Document du dossier {document.public_id.hex[:8]}"
    assert lignes["document"].object_id == document.public_id
    assert lignes["travail_personnel"].object_label.startswith("Travail personnel guidé ")
    assert lignes["rendu_fichier"].object_id == ferme.rendu_fichier.public_id
    assert all(NEUTRE.match(e.object_label) for e in lignes.values()), lignes
    for secret in ("MARQUEUR", "Portfolio", "r.pdf", "cv.pdf"):
        assert _journal_contient(world, secret) == 0, secret

    # The purge destroys the documents and leaves the journal as it was: nothing to read there.
    ferme.purger(django_capture_on_commit_callbacks)
    with tenant_context(world.org_a):
        assert not Purge.objects.filter(objet__icontains="MARQUEUR").exists()
        assert AuditEvent.objects.count() == len(lignes)
    assert _journal_contient(world, "MARQUEUR") == 0


@pytest.mark.django_db(transaction=True)
def test_regle_15_migration_neutralises_old_titles_and_the_journal_stays_append_only(world):
    with tenant_context(world.org_a):
        ancien = AuditEvent.objects.create(
            organisation=world.org_a,
            actor=world.consultant_a,
            action=AuditEvent.Action.DOWNLOAD,
            object_type="document",
            object_id=world.beneficiaire_a.public_id,
            object_label=TITRE,
            beneficiaire=world.beneficiaire_a,
        )
    with tenant_context(world.org_b):
        autre = AuditEvent.objects.create(
            organisation=world.org_b,
            actor=world.consultant_b,
            action=AuditEvent.Action.READ,
            object_type="inconnu",
            object_id=world.beneficiaire_b.public_id,
            object_label="Dossier de Dora MARQUEUR",
        )

    with _proprietaire() as proprietaire:
        with proprietaire.cursor() as curseur:
            assert MIGRATION.journal_neutraliser(curseur, "postgresql") == 2
        proprietaire.commit()
        # The trigger is back: even the owner cannot rewrite a row afterwards.
        with proprietaire.cursor() as curseur:
            curseur.execute("SELECT set_config('app.current_org', %s, true)", [str(world.org_a.pk)])
            with pytest.raises(psycopg.errors.RaiseException, match="ajout seul"):
                curseur.execute("UPDATE core_auditevent SET object_label = 'effacé'")
        proprietaire.rollback()

    with tenant_context(world.org_a):
        ancien.refresh_from_db()
    with tenant_context(world.org_b):
        autre.refresh_from_db()
    assert ancien.object_label == f"Document du dossier {world.beneficiaire_a.public_id.hex[:8]}"
    assert autre.object_label == f"Objet (inconnu) {world.beneficiaire_b.public_id.hex[:8]}"
    assert (ancien.object_type, ancien.object_id) == ("document", world.beneficiaire_a.public_id)


# --- (e) The purge on demand ----------------------------------------------------------------------


def _commande(*args):
    sortie = io.StringIO()
    call_command("conservation_purger", *args, stdout=sortie)
    return sortie.getvalue()


def test_regle_14_command_dry_run_lists_what_would_go_and_touches_nothing(
    ferme, django_capture_on_commit_callbacks
):
    world = ferme.world
    _entretien(world, date=dt.datetime(2026, 2, 20, 10, tzinfo=PARIS), bilan=ferme.bilan)
    with django_capture_on_commit_callbacks(execute=True) as rappels:
        sortie = _commande("--dry-run")
    assert rappels == []  # no file deletion was even scheduled
    assert "Simulation" in sortie
    assert f"Bilan {ferme.bilan.numero} (clos, fin : 04/05/2026) — serait détruit :" in sortie
    assert "    - Notes confidentielles de séance : 1" in sortie
    assert "    - Textes de l'entretien préalable : 1" in sortie
    assert "    - Synthèse signée (PDF) : 1" in sortie
    assert "Rien n'a été détruit." in sortie
    assert "MARQUEUR" not in sortie
    assert NOTES not in sortie
    with tenant_context(world.org_a):
        ferme.seance.refresh_from_db()
        assert ferme.seance.notes == NOTES
        assert not Purge.objects.exists()
        assert EntretienPrealable.objects.get(pk=ferme.bilan.entretien_prealable_id).demande
    assert all(os.path.exists(p) for p in ferme.chemins.values())

    with django_capture_on_commit_callbacks(execute=True):
        sortie = _commande("--organisation", world.org_a.slug)
    assert f"Bilan {ferme.bilan.numero} (clos, fin : 04/05/2026) — détruit :" in sortie
    assert "Purge terminée : 1 bilan purgé, " in sortie
    assert world.org_b.slug not in sortie
    with tenant_context(world.org_a):
        ferme.seance.refresh_from_db()
        assert ferme.seance.notes == ""
        assert Purge.objects.filter(bilan=ferme.bilan).count() >= 5
    assert not os.path.exists(ferme.chemins["synthese_signee"])
    assert os.path.exists(ferme.chemins["convention"])

    sortie = _commande("--organisation", world.org_b.slug, "--dry-run")
    assert "Rien à détruire." in sortie
    assert "Simulation terminée : 0 bilan à purger, 0 nature(s)" in sortie
    with pytest.raises(CommandError, match="inconnu"):
        _commande("--organisation", "inconnu")
