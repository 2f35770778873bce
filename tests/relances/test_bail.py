"""The claim lease: a claimed row whose message or worker vanished is claimed again within the
lease (not a quarter of an hour later), a stale message never sends, a row in the middle of its
send is never taken from its sender, and a copy sent again after a kill between the mail
server's acceptance and the COMMIT carries the same Message-ID and shows two attempts."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from bilan.core.tenancy import tenant_context
from relances import services
from relances.models import Relance
from relances.tasks import envoyer_relance
from tests.relances.courriers import Bloquant, Mort

S = Relance.Statut
K = Relance.Kind


def _due_row(org, *, cle="bail", destinataire="admin@a.test", **extra) -> Relance:
    with tenant_context(org):
        return Relance.objects.create(
            organisation=org,
            kind=K.QUALIOPI_EXPIRATION,
            target_type="organisation",
            target_id=org.public_id,
            destinataire=destinataire,
            due_le=timezone.now() - dt.timedelta(minutes=1),
            cle_unique=cle,
            **extra,
        )


def _reload(org, relance) -> Relance:
    with tenant_context(org):
        return Relance.objects.get(pk=relance.pk)


def _reclamer_sans_remettre(capture, maintenant):
    """One dispatcher run whose hand-overs are kept, not executed: the broker lost them."""
    with capture(execute=False) as callbacks:
        claimed = services.relances_reclamer(maintenant=maintenant)
    return claimed, callbacks


def test_recovery_is_bounded_by_the_lease_and_one_beat_tick():
    """The bound the design promises: lease + the dispatcher's period, within 2 minutes."""
    tick = settings.CELERY_BEAT_SCHEDULE["relances-dispatcher"]["schedule"]
    assert settings.RELANCES_BAIL_SECONDES + tick <= 120
    assert envoyer_relance.expires == settings.RELANCES_BAIL_SECONDES


@pytest.mark.django_db
def test_a_claim_whose_message_was_lost_is_claimed_again_when_its_lease_ends(
    world, eager, drain, django_capture_on_commit_callbacks
):
    relance = _due_row(world.org_a)
    debut = timezone.now()
    # Claimed, then the broker restarts empty: the message is gone.
    claimed, _perdus = _reclamer_sans_remettre(django_capture_on_commit_callbacks, debut)
    assert claimed == 1
    bail = services.bail()
    # Still under its lease: nobody takes it (its message may be on its way).
    assert drain(debut + bail - dt.timedelta(seconds=1)) == 0
    assert mail.outbox == []
    # The first tick after the lease: claimed again and sent, once.
    assert drain(debut + bail + dt.timedelta(seconds=1)) == 1
    assert len(mail.outbox) == 1
    row = _reload(world.org_a, relance)
    assert (row.statut, row.tentatives) == (S.ENVOYEE, 1)
    assert (row.bail_jeton, row.bail_expire_le) == (None, None)
    assert drain(debut + bail * 10) == 0


@pytest.mark.django_db
def test_a_stale_message_sends_nothing_once_the_row_was_claimed_again(
    world, eager, django_capture_on_commit_callbacks
):
    relance = _due_row(world.org_a)
    debut = timezone.now()
    _n, anciens = _reclamer_sans_remettre(django_capture_on_commit_callbacks, debut)
    premier_jeton = _reload(world.org_a, relance).bail_jeton
    # The lease ended (the message was only late, not lost): the row is claimed again.
    _n, nouveaux = _reclamer_sans_remettre(
        django_capture_on_commit_callbacks, debut + services.bail() + dt.timedelta(seconds=1)
    )
    assert _reload(world.org_a, relance).bail_jeton not in (None, premier_jeton)
    anciens[0]()  # the late message arrives first: it is not the row's lease any more
    assert mail.outbox == []
    assert _reload(world.org_a, relance).tentatives == 0
    nouveaux[0]()
    anciens[0]()  # and again, after the send
    assert len(mail.outbox) == 1
    assert _reload(world.org_a, relance).statut == S.ENVOYEE


@pytest.mark.django_db
def test_a_copy_sent_again_after_a_kill_between_acceptance_and_commit_is_recognisable(
    world, eager, drain, django_capture_on_commit_callbacks, settings
):
    relance = _due_row(world.org_a)
    debut = timezone.now()
    _n, messages = _reclamer_sans_remettre(django_capture_on_commit_callbacks, debut)
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.AccepteEtMeurt"}}
    with pytest.raises(Mort):
        messages[0]()  # the mail server accepted the message, the worker died before COMMIT
    row = _reload(world.org_a, relance)
    # The attempt was committed before the mail server was contacted: it is on the row.
    assert (row.statut, row.tentatives) == (S.EN_COURS, 1)
    assert row.derniere_tentative_le is not None
    assert len(mail.outbox) == 1
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert drain(debut + services.bail() + dt.timedelta(seconds=1)) == 1
    row = _reload(world.org_a, relance)
    assert (row.statut, row.tentatives) == (S.ENVOYEE, 2)
    # At least once here, never silently: both copies carry the row's own Message-ID.
    ids = [m.message()["Message-ID"] for m in mail.outbox]
    assert ids == [f"<relance-{relance.public_id}@bilan.localhost>"] * 2


@pytest.mark.django_db
def test_each_row_has_its_own_message_id(world, eager, drain):
    premiere = _due_row(world.org_a, cle="a")
    seconde = _due_row(world.org_a, cle="b", destinataire="autre@a.test")
    drain()
    assert sorted(m.message()["Message-ID"] for m in mail.outbox) == sorted(
        f"<relance-{r.public_id}@bilan.localhost>" for r in (premiere, seconde)
    )


@pytest.mark.django_db
def test_a_row_that_kills_its_worker_every_time_ends_in_failure(
    world, eager, drain, django_capture_on_commit_callbacks
):
    relance = _due_row(
        world.org_a,
        statut=S.EN_COURS,
        tentatives=services.MAX_TENTATIVES,
        bail_expire_le=timezone.now() - dt.timedelta(seconds=1),
    )
    drain()
    row = _reload(world.org_a, relance)
    assert row.statut == S.ECHEC
    assert "interrompu" in row.derniere_erreur
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_row_in_the_middle_of_its_send_is_never_claimed_again(world, eager, settings):
    """While the mail server talks, the row lock is the lease's heartbeat: even long past the
    lease's clock, the dispatcher skips the row and nothing is sent twice."""
    relance = _due_row(world.org_a)
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.Bloquant"}}
    Bloquant.en_cours.clear()
    Bloquant.liberer.clear()
    # Claimed by a dispatcher whose hand-over is run by hand, in another thread (a worker).
    with tenant_context(world.org_a):
        ids, jeton = services._reclamer_lot(maintenant=timezone.now(), lot=10)
    assert ids == [relance.pk]
    resultats = []

    def worker():
        try:
            resultats.append(envoyer_relance(world.org_a.pk, relance.pk, str(jeton)))
        finally:
            connection.close()

    fil = threading.Thread(target=worker)
    fil.start()
    try:
        assert Bloquant.en_cours.wait(10)
        # Ten minutes later by the dispatcher's clock: the lease has long expired.
        plus_tard = timezone.now() + dt.timedelta(minutes=10)
        assert services.relances_reclamer(maintenant=plus_tard) == 0
        assert _reload(world.org_a, relance).bail_jeton == jeton
    finally:
        Bloquant.liberer.set()
        fil.join(30)
    assert resultats == [services.Resultat.ENVOYEE]
    assert len(mail.outbox) == 1
    row = _reload(world.org_a, relance)
    assert (row.statut, row.tentatives) == (S.ENVOYEE, 1)
