"""The outbox claim and its lease: what the mutation run of ``relances.services`` found untested.

Taking a row renews its lease for the full lease (the dispatcher leaves it alone meanwhile and
takes it back after), a row no longer ``en_cours`` is never taken even with the right token, an
unknown row is ignored, the failure after too many attempts says so in full, and a long error
is kept to its first 2 000 characters. See tests/MUTATION.md.
"""

import datetime as dt
import logging
import uuid
from collections import Counter
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from kombu.exceptions import OperationalError

from bilan.core.tenancy import tenant_context
from relances import services
from relances.models import Relance
from relances.tasks import envoyer_lot

pytestmark = pytest.mark.django_db
S = Relance.Statut
MIDI = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def _ligne(org, **extra) -> Relance:
    with tenant_context(org):
        return Relance.objects.create(
            organisation=org,
            kind=Relance.Kind.QUALIOPI_EXPIRATION,
            target_type="organisation",
            target_id=org.public_id,
            destinataire="admin@a.test",
            due_le=MIDI - dt.timedelta(minutes=1),
            cle_unique=f"mutation-{uuid.uuid4()}",
            **extra,
        )


def _relire(org, relance) -> Relance:
    with tenant_context(org):
        return Relance.objects.get(pk=relance.pk)


def test_taking_a_row_renews_its_lease_for_the_full_lease(
    world, django_capture_on_commit_callbacks
):
    """Claimed at 12:00:00, taken at 12:00:30: its lease now ends at 12:01:30 (60 s after the
    take). A dispatcher at 12:01:29 leaves it; one at 12:01:31 claims it again."""
    assert settings.RELANCES_BAIL_SECONDES == 60
    relance = _ligne(world.org_a)
    with tenant_context(world.org_a):
        ids, jeton = services._reclamer_lot(maintenant=MIDI, lot=10)
    assert ids == [relance.pk]
    assert _relire(world.org_a, relance).bail_expire_le == MIDI + dt.timedelta(seconds=60)
    prise = MIDI + dt.timedelta(seconds=30)
    with time_machine.travel(prise, tick=False), tenant_context(world.org_a):
        resultat = services.relances_prendre(relance_ids=[relance.pk], jeton=str(jeton))
    assert (resultat.neuves, resultat.reprises, resultat.echouees) == ([relance], [], [])
    assert resultat.neuves[0].tentatives == 1
    assert resultat.neuves[0].derniere_tentative_le == prise
    ligne = _relire(world.org_a, relance)
    assert ligne.tentatives == 1
    assert ligne.derniere_tentative_le == prise
    assert ligne.bail_expire_le == prise + dt.timedelta(seconds=60)
    assert ligne.updated_at == prise
    with django_capture_on_commit_callbacks(execute=False):
        avant = services.relances_reclamer(maintenant=prise + dt.timedelta(seconds=59))
    assert avant == 0
    assert _relire(world.org_a, relance).bail_jeton == jeton
    with django_capture_on_commit_callbacks(execute=False):
        apres = services.relances_reclamer(maintenant=prise + dt.timedelta(seconds=61))
    assert apres == 1
    assert _relire(world.org_a, relance).bail_jeton != jeton


@pytest.mark.parametrize("statut", [S.ENVOYEE, S.ANNULEE, S.ECHEC, S.A_ENVOYER])
def test_a_row_no_longer_en_cours_is_not_taken_even_with_its_token(world, statut):
    jeton = uuid.uuid4()
    relance = _ligne(
        world.org_a, statut=statut, bail_jeton=jeton, bail_expire_le=MIDI + dt.timedelta(hours=1)
    )
    with tenant_context(world.org_a):
        resultat = services.relances_prendre(relance_ids=[relance.pk], jeton=str(jeton))
    assert resultat == services.Prise(neuves=[], reprises=[], echouees=[])
    ligne = _relire(world.org_a, relance)
    assert (ligne.statut, ligne.tentatives, ligne.derniere_tentative_le) == (statut, 0, None)


def test_an_unknown_row_is_ignored(world):
    resultats = services.relances_envoyer_lot(
        organisation_id=world.org_a.pk, relance_ids=[987654321], jeton=str(uuid.uuid4())
    )
    assert resultats == {987654321: services.Resultat.IGNOREE}


def test_a_row_en_cours_under_another_token_or_none_is_not_taken(world):
    relance = _ligne(world.org_a, statut=S.EN_COURS, bail_jeton=uuid.uuid4())
    for jeton in (str(uuid.uuid4()), None, "pas-un-jeton"):
        resultats = services.relances_envoyer_lot(
            organisation_id=world.org_a.pk, relance_ids=[relance.pk], jeton=jeton
        )
        assert resultats == {relance.pk: services.Resultat.IGNOREE}
    assert _relire(world.org_a, relance).tentatives == 0


def test_the_failure_after_too_many_attempts_says_so_in_full(world):
    jeton = uuid.uuid4()
    relance = _ligne(
        world.org_a, statut=S.EN_COURS, bail_jeton=jeton, tentatives=services.MAX_TENTATIVES
    )
    resultats = services.relances_envoyer_lot(
        organisation_id=world.org_a.pk, relance_ids=[relance.pk], jeton=str(jeton)
    )
    assert resultats == {relance.pk: services.Resultat.ECHEC}
    ligne = _relire(world.org_a, relance)
    assert ligne.statut == S.ECHEC
    assert ligne.derniere_erreur == "Envoi interrompu à chaque tentative (5)."
    assert (ligne.bail_jeton, ligne.bail_expire_le, ligne.tentatives) == (None, None, 5)


def test_a_long_error_is_kept_to_its_first_2000_characters(world):
    relance = _ligne(world.org_a, statut=S.EN_COURS, bail_jeton=uuid.uuid4())
    erreur = "x" * 1999 + "yz" + "!" * 500
    with tenant_context(world.org_a):
        services._finir(relance, statut=S.ECHEC, erreur=erreur)
    ligne = _relire(world.org_a, relance)
    assert ligne.derniere_erreur == "x" * 1999 + "y"
    assert ligne.statut == S.ECHEC


def test_only_due_rows_or_lapsed_claims_are_claimed(world):
    """At 12:00: a pending row due at 11:59 and a claim whose lease ended at 11:59:59 or that
    has no lease (written before leases) are claimed; a row sent, cancelled or failed with an
    old lease, a pending row due at 12:01 and a claim whose lease runs to 12:00:01 are not."""
    passe = MIDI - dt.timedelta(seconds=1)
    a_prendre = [
        _ligne(world.org_a),
        _ligne(world.org_a, statut=S.EN_COURS, bail_jeton=uuid.uuid4(), bail_expire_le=passe),
        _ligne(world.org_a, statut=S.EN_COURS, bail_jeton=uuid.uuid4(), bail_expire_le=None),
    ]
    a_laisser = [
        _ligne(world.org_a, statut=statut, bail_expire_le=passe)
        for statut in (S.ENVOYEE, S.ANNULEE, S.ECHEC)
    ]
    a_laisser.append(_ligne(world.org_a, bail_expire_le=passe))
    with tenant_context(world.org_a):
        Relance.objects.filter(pk=a_laisser[-1].pk).update(due_le=MIDI + dt.timedelta(minutes=1))
    a_laisser.append(
        _ligne(
            world.org_a,
            statut=S.EN_COURS,
            bail_jeton=uuid.uuid4(),
            bail_expire_le=MIDI + dt.timedelta(seconds=1),
        )
    )
    with tenant_context(world.org_a):
        ids, jeton = services._reclamer_lot(maintenant=MIDI, lot=100)
    assert sorted(ids) == sorted(r.pk for r in a_prendre)
    for relance in a_prendre:
        ligne = _relire(world.org_a, relance)
        assert (ligne.statut, ligne.bail_jeton, ligne.reclamee_le) == (S.EN_COURS, jeton, MIDI)
    for relance in a_laisser:
        assert _relire(world.org_a, relance).bail_jeton != jeton


def test_broker_refusing_the_second_hand_over_releases_that_row_and_the_next_only(
    world, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    """Three rows claimed together at 12:00; the broker takes the first, refuses the second
    (hand-over after the commit, at 12:00:05): the first stays claimed (its message is on its
    way), the other two go back to the queue with no lease, marked changed at 12:00:05, and
    the log says how many wait and why."""
    monkeypatch.setattr(services, "ENVOI_PAR_TACHE", 1)  # one hand-over per row here
    lignes = [_ligne(world.org_a) for _ in range(3)]
    with tenant_context(world.org_a):
        for rang, relance in enumerate(lignes):
            Relance.objects.filter(pk=relance.pk).update(
                due_le=MIDI - dt.timedelta(minutes=3 - rang)
            )
    remise = MIDI + dt.timedelta(seconds=5)
    with time_machine.travel(MIDI, tick=False), django_capture_on_commit_callbacks() as rappels:
        assert services.relances_reclamer(maintenant=MIDI) == 3
    with (
        time_machine.travel(remise, tick=False),
        mock.patch.object(
            envoyer_lot, "delay", side_effect=[None, OperationalError("down")]
        ) as delay,
        caplog.at_level(logging.WARNING, logger="relances.services"),
    ):
        for rappel in rappels:
            rappel()
    assert delay.call_count == 2
    premiere = _relire(world.org_a, lignes[0])
    assert premiere.statut == S.EN_COURS
    assert premiere.bail_jeton is not None
    assert premiere.bail_expire_le == MIDI + dt.timedelta(seconds=60)
    assert premiere.updated_at == MIDI
    for relance in lignes[1:]:
        ligne = _relire(world.org_a, relance)
        assert (ligne.statut, ligne.reclamee_le, ligne.bail_jeton, ligne.bail_expire_le) == (
            S.A_ENVOYER,
            None,
            None,
            None,
        )
        assert ligne.updated_at == remise
    assert [r.getMessage() for r in caplog.records if r.name == "relances.services"] == [
        "Courtier injoignable, 2 relance(s) attendront le prochain passage : OperationalError"
    ]


def test_rows_are_claimed_by_batches_of_100_each_with_its_own_token(
    world, django_capture_on_commit_callbacks
):
    """101 due rows: one run claims them all, in a batch of 100 and a batch of 1, under two
    tokens (each batch its own short transaction and lease)."""
    with tenant_context(world.org_a):
        Relance.objects.bulk_create(
            Relance(
                organisation=world.org_a,
                kind=Relance.Kind.QUALIOPI_EXPIRATION,
                target_type="organisation",
                target_id=world.org_a.public_id,
                destinataire="admin@a.test",
                due_le=MIDI - dt.timedelta(minutes=1),
                cle_unique=f"lot-{i}",
            )
            for i in range(101)
        )
    with django_capture_on_commit_callbacks(execute=False):
        assert services.relances_reclamer(maintenant=MIDI) == 101
    with tenant_context(world.org_a):
        par_jeton = Counter(Relance.objects.values_list("bail_jeton", flat=True))
    assert sorted(par_jeton.values()) == [1, 100]


def test_releasing_a_batch_leaves_rows_claimed_again_since(world):
    """Claimed at 12:00 under one token, claimed again at 12:01:01 (lease lapsed) under
    another: releasing the first claim's rows touches nothing."""
    relance = _ligne(world.org_a)
    with tenant_context(world.org_a):
        ids, premier = services._reclamer_lot(maintenant=MIDI, lot=10)
        ids_bis, second = services._reclamer_lot(maintenant=MIDI + dt.timedelta(seconds=61), lot=10)
    assert ids == ids_bis == [relance.pk]
    services._liberer(organisation_id=world.org_a.pk, ids=ids, jeton=premier)
    ligne = _relire(world.org_a, relance)
    assert (ligne.statut, ligne.bail_jeton) == (S.EN_COURS, second)


def test_the_oldest_due_row_is_claimed_first(world):
    """Batches of one: the row due at 11:00 (created second) goes before the one due at 11:30."""
    plus_tard = _ligne(world.org_a)
    plus_tot = _ligne(world.org_a)
    with tenant_context(world.org_a):
        Relance.objects.filter(pk=plus_tard.pk).update(due_le=MIDI - dt.timedelta(minutes=30))
        Relance.objects.filter(pk=plus_tot.pk).update(due_le=MIDI - dt.timedelta(hours=1))
        premier, _jeton = services._reclamer_lot(maintenant=MIDI, lot=1)
        second, _jeton = services._reclamer_lot(maintenant=MIDI, lot=1)
    assert (premier, second) == ([plus_tot.pk], [plus_tard.pk])
