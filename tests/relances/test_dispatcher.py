"""The dispatcher claims due rows once, hands them over after the commit, and the send task
acts on a row exactly once: redelivery, a worker killed mid-task, two dispatchers, broker down."""

import datetime as dt
import threading
from email.utils import parseaddr
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from bilan.core.tenancy import tenant_context
from relances import services
from relances.models import Relance
from relances.tasks import envoyer_lot, envoyer_relance

S = Relance.Statut
K = Relance.Kind


def _due_row(org, *, due=None, statut=S.A_ENVOYER, cle="test", **extra) -> Relance:
    with tenant_context(org):
        return Relance.objects.create(
            organisation=org,
            kind=K.QUALIOPI_EXPIRATION,
            target_type="organisation",
            target_id=org.public_id,
            destinataire="admin@a.test",
            due_le=due or timezone.now() - dt.timedelta(minutes=1),
            cle_unique=cle,
            statut=statut,
            **extra,
        )


def _reload(org, relance) -> Relance:
    with tenant_context(org):
        return Relance.objects.get(pk=relance.pk)


@pytest.mark.django_db
def test_nothing_is_handed_over_before_the_commit(world, django_capture_on_commit_callbacks):
    relance = _due_row(world.org_a)
    with mock.patch.object(envoyer_lot, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert services.relances_reclamer(maintenant=timezone.now()) == 1
            delay.assert_not_called()
        assert len(callbacks) == 1
        assert _reload(world.org_a, relance).statut == S.EN_COURS
        callbacks[0]()
    # The message carries the claim's lease token.
    jeton = _reload(world.org_a, relance).bail_jeton
    assert jeton is not None
    delay.assert_called_once_with(world.org_a.pk, [relance.pk], str(jeton))


@pytest.mark.django_db
def test_a_due_row_is_sent_once_with_the_organisation_as_sender(world, eager, drain):
    world.org_a.raison_sociale = "L'Atelier A"
    world.org_a.qualiopi_date_expiration = dt.date(2027, 3, 1)
    world.org_a.save()
    relance = _due_row(world.org_a)
    pas_encore = _due_row(world.org_a, due=timezone.now() + dt.timedelta(hours=1), cle="plus-tard")
    assert drain() == 1
    assert drain() == 0  # beat again: nothing left
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert parseaddr(message.from_email) == (
        "L'Atelier A via Bilan",
        "ne-pas-repondre@bilan.localhost",
    )
    assert message.to == ["admin@a.test"]
    assert "L'Atelier A" in message.subject  # plain text: no HTML escaping
    assert "lundi 1er mars 2027" in message.subject  # one French date format
    assert message.alternatives[0].mimetype == "text/html"
    row = _reload(world.org_a, relance)
    assert (row.statut, row.tentatives) == (S.ENVOYEE, 1)
    assert row.envoyee_le is not None
    assert _reload(world.org_a, pas_encore).statut == S.A_ENVOYER


@pytest.mark.django_db
def test_a_redelivered_task_for_a_sent_row_sends_nothing(world, eager, drain):
    relance = _due_row(world.org_a)
    drain()
    assert len(mail.outbox) == 1
    # The broker delivers the same message again (acks_late after a lost ack).
    assert envoyer_relance.delay(world.org_a.pk, relance.pk).get() == services.Resultat.IGNOREE
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_row_left_en_cours_by_a_killed_worker_is_reclaimed_and_sent_once(world, eager, drain):
    maintenant = timezone.now()
    # The worker died after the claim, before sending: the row stays "en cours", its lease ends.
    bloquee = _due_row(
        world.org_a,
        statut=S.EN_COURS,
        reclamee_le=maintenant - dt.timedelta(minutes=20),
        bail_expire_le=maintenant - dt.timedelta(seconds=1),
    )
    recente = _due_row(
        world.org_a,
        statut=S.EN_COURS,
        reclamee_le=maintenant - dt.timedelta(seconds=20),
        bail_expire_le=maintenant + dt.timedelta(seconds=40),
        cle="r",
    )
    assert drain(maintenant) == 1
    assert _reload(world.org_a, bloquee).statut == S.ENVOYEE
    assert _reload(world.org_a, recente).statut == S.EN_COURS  # its task may still be running
    assert len(mail.outbox) == 1
    # The original message is redelivered later: nothing more goes out.
    envoyer_relance.delay(world.org_a.pk, bloquee.pk)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_row_that_no_longer_applies_is_cancelled_not_sent(world, eager, drain, bilan_a):
    from seances.models import Seance
    from tests.relances.conftest import seance_de

    seance = seance_de(bilan_a, debut=timezone.now() + dt.timedelta(hours=2))
    with tenant_context(world.org_a):
        # Bypassing the service on purpose: the send-time check is the last safety net.
        Seance.objects.filter(pk=seance.pk).update(statut="annulee")
    drain()
    # Only the beneficiary's notice that it was planned went out (a news, not a reminder).
    assert [m.subject for m in mail.outbox if "rappel" in m.subject.lower()] == []
    with tenant_context(world.org_a):
        assert set(Relance.objects.filter(seance=seance).values_list("statut", flat=True)) == {
            S.ANNULEE
        }


@pytest.mark.django_db
def test_a_network_error_is_recorded_and_retried_until_failure(world, eager, drain):
    relance = _due_row(world.org_a)
    # The mail server refuses (a batch talks to it through one session, not message.send()).
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionRefusedError("x"),
    ):
        drain()
        row = _reload(world.org_a, relance)
        assert (row.statut, row.tentatives) == (S.EN_COURS, 1)
        assert "ConnectionRefusedError" in row.derniere_erreur
        # In-process mode has no retry loop: the dispatcher reclaims the row later.
        for minutes in (20, 40, 60, 80):
            drain(timezone.now() + dt.timedelta(minutes=minutes))
    row = _reload(world.org_a, relance)
    assert (row.statut, row.tentatives) == (S.ECHEC, services.MAX_TENTATIVES)
    assert mail.outbox == []


@pytest.mark.django_db
def test_broker_down_leaves_rows_waiting(world, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    relance = _due_row(world.org_a)
    with (
        mock.patch.object(envoyer_lot, "delay", side_effect=OperationalError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.relances_reclamer(maintenant=timezone.now()) == 1
    row = _reload(world.org_a, relance)
    assert (row.statut, row.reclamee_le) == (S.A_ENVOYER, None)


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_ends_the_run_instead_of_reclaiming_in_a_loop(world, courtier):
    """The real broker refusing the hand-over (nothing listens on port 1): the row is released
    once and the run stops; it does not claim the released row again and again."""
    relance = _due_row(world.org_a)
    with courtier("redis://127.0.0.1:1/0"):
        assert services.relances_reclamer(maintenant=timezone.now(), max_tours=5) == 1
    row = _reload(world.org_a, relance)
    assert (row.statut, row.reclamee_le) == (S.A_ENVOYER, None)


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_claim_each_row_once(world):
    with tenant_context(world.org_a):
        Relance.objects.bulk_create(
            Relance(
                organisation=world.org_a,
                kind=K.QUALIOPI_EXPIRATION,
                target_type="organisation",
                target_id=world.org_a.public_id,
                destinataire="admin@a.test",
                due_le=timezone.now() - dt.timedelta(minutes=1),
                cle_unique=f"k{i}",
            )
            for i in range(400)
        )
    handed: list[tuple[int, int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)
    errors = []

    def fake_delay(organisation_id, relance_ids, jeton):
        with lock:
            handed.extend(relance_ids)

    def run():
        try:
            barrier.wait()
            services.relances_reclamer(maintenant=timezone.now(), lot=25)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    with mock.patch.object(envoyer_lot, "delay", side_effect=fake_delay):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert len(handed) == 400
    assert len(set(handed)) == 400
    with tenant_context(world.org_a):
        assert set(Relance.objects.values_list("statut", flat=True)) == {S.EN_COURS}
