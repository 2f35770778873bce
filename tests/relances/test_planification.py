"""Outbox rows are written with the event, moved with it, cancelled with it; the daily sweep
plans what no event writes; every key is unique."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from beneficiaires.relances import alerte_cpf_entree_planifier, retractation_fin_planifier
from bilan.core.tenancy import tenant_context
from relances import services
from relances.models import Relance
from relances.selectors import bilan_relances_lister
from seances.relances import rappels_seance_planifier
from tests.factories.bilans import bilan_for
from tests.relances.conftest import seance_de

pytestmark = pytest.mark.django_db
K = Relance.Kind


def _rows(org, **filters):
    with tenant_context(org):
        return list(Relance.objects.filter(**filters).order_by("kind"))


def test_planning_a_seance_writes_both_reminders_in_its_transaction(world, bilan_a):
    debut = timezone.now() + dt.timedelta(days=3)
    seance = seance_de(bilan_a, debut=debut)
    rows = _rows(world.org_a, seance=seance)
    assert [(r.kind, r.destinataire) for r in rows] == [
        (K.RAPPEL_SEANCE_BENEFICIAIRE, world.beneficiaire_a.email),
        (K.RAPPEL_SEANCE_CONSULTANT, world.consultant_a.email),
    ]
    assert {r.due_le for r in rows} == {debut - dt.timedelta(hours=24)}
    assert {r.cle_unique for r in rows} == {
        f"{K.RAPPEL_SEANCE_BENEFICIAIRE}:{seance.public_id}",
        f"{K.RAPPEL_SEANCE_CONSULTANT}:{seance.public_id}",
    }
    assert all(r.statut == Relance.Statut.A_ENVOYER for r in rows)


def test_the_organisation_setting_sets_the_reminder_delay(world, bilan_a):
    world.org_a.rappel_seance_heures = 48
    world.org_a.save()
    debut = timezone.now() + dt.timedelta(days=5)
    seance = seance_de(bilan_a, debut=debut)
    assert {r.due_le for r in _rows(world.org_a, seance=seance)} == {debut - dt.timedelta(hours=48)}


def test_moving_a_seance_moves_its_reminders_and_cancelling_cancels_them(world, bilan_a):
    from dataclasses import replace

    from seances.services.seances import SeanceChamps, seance_annuler, seance_modifier

    seance = seance_de(bilan_a, debut=timezone.now() + dt.timedelta(days=3))
    nouveau = timezone.now() + dt.timedelta(days=10)
    with tenant_context(world.org_a):
        seance_modifier(
            seance=seance,
            motif="Empêchement",
            champs=replace(SeanceChamps.de(seance), debut=nouveau),
        )
    rows = _rows(world.org_a, seance=seance)
    assert len(rows) == 2
    assert {r.due_le for r in rows} == {nouveau - dt.timedelta(hours=24)}
    with tenant_context(world.org_a):
        seance_annuler(seance=seance, motif="Annulée")
    assert {r.statut for r in _rows(world.org_a, seance=seance)} == {Relance.Statut.ANNULEE}


def test_a_failed_event_writes_no_row(world, bilan_a):
    from django.core.exceptions import ValidationError

    from seances.services.seances import seance_planifier

    with tenant_context(world.org_a), pytest.raises(ValidationError):
        seance_planifier(
            bilan=bilan_a,
            phase="preliminaire",
            type="entretien",
            intitule="Trop long",
            debut=timezone.now() + dt.timedelta(days=2),
            duree_minutes=480,
            modalite="presentiel",  # no place given: refused
        )
    assert _rows(world.org_a) == []


def test_the_key_is_unique_per_organisation(world, bilan_a):
    seance = seance_de(bilan_a, debut=timezone.now() + dt.timedelta(days=3))
    with tenant_context(world.org_a), pytest.raises(IntegrityError), transaction.atomic():
        Relance.objects.create(
            organisation=world.org_a,
            kind=K.RAPPEL_SEANCE_CONSULTANT,
            target_type="seance",
            target_id=seance.public_id,
            destinataire="x@a.test",
            due_le=timezone.now(),
            cle_unique=f"{K.RAPPEL_SEANCE_CONSULTANT}:{seance.public_id}",
        )


def test_planning_twice_is_one_row(world, bilan_a):
    seance = seance_de(bilan_a, debut=timezone.now() + dt.timedelta(days=3))
    with tenant_context(world.org_a):
        rappels_seance_planifier(seance=seance)
        rappels_seance_planifier(seance=seance)
    assert len(_rows(world.org_a, seance=seance)) == 2


def test_closing_a_bilan_plans_surveys_follow_up_and_cpf_exit(world):
    from syntheses.services.cloture import bilan_clore
    from tests.factories.bilans import bilan_pret_a_clore

    bilan = bilan_pret_a_clore(
        world.beneficiaire_a,
        financement="cpf",
        date_debut_reelle=dt.date(2026, 9, 1),
    )
    with tenant_context(world.org_a):
        bilan_clore(bilan=bilan, par=world.consultant_a, fin=timezone.localdate())
        rows = {r.kind: r for r in bilan_relances_lister(bilan_id=bilan.pk)}
    assert set(rows) == {
        K.ENQUETE_CHAUD,
        K.ENQUETE_CHAUD_RAPPEL,
        K.ENQUETE_FROID,
        K.ENQUETE_FROID_RAPPEL,
        K.SUIVI_INVITATION,
        K.SUIVI_RAPPEL_CONSULTANT,  # the follow-up interview is created, planned
        K.CPF_DECLARATION_SORTIE,
    }
    assert rows[K.CPF_DECLARATION_SORTIE].destinataire == world.admin_a.email
    assert rows[K.ENQUETE_CHAUD].destinataire == world.beneficiaire_a.email


def test_daily_sweep_plans_qualiopi_dropout_and_is_idempotent(world, bilan_a):
    maintenant = timezone.now()
    world.org_a.qualiopi_date_expiration = timezone.localdate() + dt.timedelta(days=90)
    world.org_a.save()
    with tenant_context(world.org_a):
        premier = services.relances_balayage(organisation=world.org_a, maintenant=maintenant)
        second = services.relances_balayage(organisation=world.org_a, maintenant=maintenant)
    kinds = sorted(r.kind for r in _rows(world.org_a))
    # bilan_a started 3 days ago with no séance: not yet at risk.
    assert kinds == [K.QUALIOPI_EXPIRATION]
    assert (premier, second) == (1, 1)  # the second run re-plans the same row
    # Five weeks later with still no séance: the consultant is alerted, once for that week.
    plus_tard = maintenant + dt.timedelta(weeks=5)
    with tenant_context(world.org_a):
        services.relances_balayage(organisation=world.org_a, maintenant=plus_tard)
        services.relances_balayage(organisation=world.org_a, maintenant=plus_tard)
    risque = _rows(world.org_a, kind=K.ABANDON_RISQUE)
    assert [(r.bilan_id, r.destinataire) for r in risque] == [
        (bilan_a.pk, world.consultant_a.email)
    ]


def test_a_planned_seance_ahead_means_no_dropout_alert(world, bilan_a):
    seance_de(bilan_a, debut=timezone.now() + dt.timedelta(weeks=6))
    with tenant_context(world.org_a):
        services.relances_balayage(
            organisation=world.org_a, maintenant=timezone.now() + dt.timedelta(weeks=5)
        )
    assert _rows(world.org_a, kind=K.ABANDON_RISQUE) == []


def test_cpf_entry_alert_goes_to_admins(world):
    bilan = bilan_for(
        world.beneficiaire_a,
        statut="en_cours",
        phase="preliminaire",
        financement="cpf",
        date_debut_reelle=timezone.localdate(),
    )
    with tenant_context(world.org_a):
        rows = alerte_cpf_entree_planifier(bilan=bilan)
    assert [(r.kind, r.destinataire) for r in rows] == [
        (K.CPF_DECLARATION_ENTREE, world.admin_a.email)
    ]


def test_suivi_planning_reminds_the_consultant(world):
    from seances.services.suivi import suivi_planifier

    bilan = bilan_for(world.beneficiaire_a, statut="clos", date_fin_reelle=timezone.localdate())
    with tenant_context(world.org_a):
        suivi = suivi_planifier(bilan=bilan, par=world.admin_a)
    rows = _rows(world.org_a, kind=K.SUIVI_RAPPEL_CONSULTANT)
    assert [(r.destinataire, r.due_le) for r in rows] == [
        (world.consultant_a.email, suivi.date_prevue - dt.timedelta(hours=24))
    ]


def test_rows_are_invisible_to_another_organisation(world, bilan_a):
    seance_de(bilan_a, debut=timezone.now() + dt.timedelta(days=3))
    assert len(_rows(world.org_a)) == 3  # two reminders and the beneficiary's notice
    assert _rows(world.org_b) == []


def test_the_dropout_threshold_is_the_organisations(world, bilan_a):
    world.org_a.abandon_alerte_semaines = 8
    world.org_a.save()
    with tenant_context(world.org_a):
        services.relances_balayage(
            organisation=world.org_a, maintenant=timezone.now() + dt.timedelta(weeks=5)
        )
    assert _rows(world.org_a, kind=K.ABANDON_RISQUE) == []
    with tenant_context(world.org_a):
        services.relances_balayage(
            organisation=world.org_a, maintenant=timezone.now() + dt.timedelta(weeks=9)
        )
    assert len(_rows(world.org_a, kind=K.ABANDON_RISQUE)) == 1


def test_the_end_of_the_withdrawal_period_is_announced(world):
    from beneficiaires.financement import retractation_fin

    bilan = bilan_for(world.beneficiaire_a, financement="personnel")
    signe_le = timezone.localdate()
    with tenant_context(world.org_a):
        retractation_fin_planifier(bilan=bilan, signe_le=signe_le)
        retractation_fin_planifier(bilan=bilan, signe_le=signe_le)  # idempotent
    (row,) = _rows(world.org_a, kind=K.RETRACTATION_FIN)
    assert row.destinataire == world.consultant_a.email
    assert timezone.localtime(row.due_le).date() == retractation_fin(
        contrat_signe_le=signe_le
    ) + dt.timedelta(days=1)
    with tenant_context(world.org_a):
        sujet, texte, _html = services.relance_rendre(relance=row)
    assert "fin du délai de rétractation" in sujet
    assert "30 %" in texte
