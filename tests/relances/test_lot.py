"""A send batch (issue 16): one transaction takes the whole batch (every first attempt counted
and committed before any send), then each row is marked sent under its own lock and committed
right after the mail server accepted it. What a kill mid-batch costs, and what it must not."""

import datetime as dt
import logging
import uuid
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from bilan.core.tenancy import tenant_context
from enquetes.models import Reponse
from enquetes.relances import enquetes_planifier
from relances import services
from relances.models import Relance
from seances.models import Seance
from tests.relances.conftest import seance_de
from tests.relances.courriers import Horloge, Mort, SessionComptee

S = Relance.Statut
MIDI = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def _lignes(org, *destinataires, due=MIDI - dt.timedelta(minutes=1)) -> list[Relance]:
    with tenant_context(org):
        return [
            Relance.objects.create(
                organisation=org,
                kind=Relance.Kind.QUALIOPI_EXPIRATION,
                target_type="organisation",
                target_id=org.public_id,
                destinataire=destinataire,
                due_le=due + dt.timedelta(seconds=rang),
                cle_unique=f"lot-{rang}",
            )
            for rang, destinataire in enumerate(destinataires)
        ]


def _etat(org, relance) -> tuple[str, int]:
    with tenant_context(org):
        ligne = Relance.objects.get(pk=relance.pk)
    return ligne.statut, ligne.tentatives


def _lot(org, maintenant) -> dict[int, services.Resultat]:
    """One claim at ``maintenant`` and its batch sent at once (a worker's task)."""
    with time_machine.travel(maintenant, tick=False):
        with tenant_context(org):
            ids, jeton = services._reclamer_lot(maintenant=maintenant, lot=100)
        return services.relances_envoyer_lot(
            organisation_id=org.pk, relance_ids=ids, jeton=str(jeton)
        )


@pytest.mark.django_db
def test_a_kill_mid_batch_charges_the_rows_not_reached_one_attempt_once(world, settings):
    premiere, tuee, suivante = _lignes(world.org_a, "a@a.test", "poison@a.test", "c@a.test")
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.MeurtSurPoison"}}
    with pytest.raises(Mort):
        _lot(world.org_a, MIDI)
    # The first row was sent and committed; the take had counted every row's attempt.
    assert _etat(world.org_a, premiere) == (S.ENVOYEE, 1)
    assert _etat(world.org_a, tuee) == (S.EN_COURS, 1)
    assert _etat(world.org_a, suivante) == (S.EN_COURS, 1)
    assert [m.to for m in mail.outbox] == [["a@a.test"]]
    # The mail server is back; the lease ends, the rows are claimed again and sent, each
    # counted once more (alone, as rows tried before), not twice.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    resultats = _lot(world.org_a, MIDI + dt.timedelta(seconds=61))
    assert resultats == {tuee.pk: services.Resultat.ENVOYEE, suivante.pk: services.Resultat.ENVOYEE}
    assert _etat(world.org_a, tuee) == (S.ENVOYEE, 2)
    assert _etat(world.org_a, suivante) == (S.ENVOYEE, 2)
    assert premiere.pk not in resultats
    assert sorted(m.to[0] for m in mail.outbox) == ["a@a.test", "c@a.test", "poison@a.test"]


@pytest.mark.django_db
def test_a_row_that_kills_its_worker_every_time_fails_alone(world, settings):
    """The poison row reaches MAX_TENTATIVES by itself: the row after it in the batch, charged
    one attempt by the first take, is then counted alone and sent, never failed with it."""
    tuee, suivante = _lignes(world.org_a, "poison@a.test", "c@a.test")
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.MeurtSurPoison"}}
    quand = MIDI
    for _tentative in range(services.MAX_TENTATIVES):
        with pytest.raises(Mort):
            _lot(world.org_a, quand)
        quand += dt.timedelta(seconds=61)
    assert _etat(world.org_a, tuee) == (S.EN_COURS, services.MAX_TENTATIVES)
    assert _etat(world.org_a, suivante) == (S.EN_COURS, 1)
    assert _lot(world.org_a, quand) == {
        tuee.pk: services.Resultat.ECHEC,
        suivante.pk: services.Resultat.ENVOYEE,
    }
    assert _etat(world.org_a, tuee) == (S.ECHEC, services.MAX_TENTATIVES)
    assert _etat(world.org_a, suivante) == (S.ENVOYEE, 2)
    assert [m.to for m in mail.outbox] == [["c@a.test"]]


@pytest.mark.django_db
def test_a_batch_slower_than_half_its_lease_keeps_its_rows(world, settings):
    """Each message takes 40 s (a slow mail server). After the first, the batch has used more
    than half its 60 s lease: it renews the lease of the rows left, so a dispatcher running
    while the second is sent (12:01:10, past the take's lease) does not claim the third."""
    lignes = _lignes(world.org_a, "a@a.test", "b@a.test", "c@a.test")
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.Horloge"}}
    reclamees = []
    with time_machine.travel(MIDI, tick=False) as horloge:

        def apres(messages):
            horloge.shift(dt.timedelta(seconds=40))
            if messages[0].to == ["b@a.test"]:
                reclamees.append(services.relances_reclamer(maintenant=timezone.now()))

        Horloge.apres = apres
        try:
            with tenant_context(world.org_a):
                ids, jeton = services._reclamer_lot(maintenant=MIDI, lot=100)
            resultats = services.relances_envoyer_lot(
                organisation_id=world.org_a.pk, relance_ids=ids, jeton=str(jeton)
            )
        finally:
            Horloge.apres = None
    assert reclamees == [0]
    assert resultats == dict.fromkeys(ids, services.Resultat.ENVOYEE)
    assert [_etat(world.org_a, relance) for relance in lignes] == [(S.ENVOYEE, 1)] * 3


@pytest.mark.parametrize(("par_message", "renouvele"), [(29, False), (30, True)])
@pytest.mark.django_db
def test_the_lease_is_renewed_once_half_of_it_has_gone(world, settings, par_message, renouvele):
    """One claim at 12:00 (lease to 12:01:00) of four rows; this batch holds three, the fourth
    went to another task of the same claim. Each message takes ``par_message`` seconds. Seen
    while the second is sent: the third row's lease is renewed only if the second started at or
    after 12:00:30 (half the lease), then for 60 s from that moment; the fourth row, not this
    batch's, keeps its lease."""
    lignes = _lignes(world.org_a, "a@a.test", "b@a.test", "c@a.test", "d@a.test")
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.Horloge"}}
    vus = []
    with time_machine.travel(MIDI, tick=False) as horloge:

        def apres(messages):
            if messages[0].to == ["b@a.test"]:
                with tenant_context(world.org_a):
                    vus.extend(
                        Relance.objects.filter(pk__in=[lignes[2].pk, lignes[3].pk])
                        .order_by("pk")
                        .values_list("bail_expire_le", "updated_at")
                    )
            horloge.shift(dt.timedelta(seconds=par_message))

        Horloge.apres = apres
        try:
            with tenant_context(world.org_a):
                ids, jeton = services._reclamer_lot(maintenant=MIDI, lot=100)
            services.relances_envoyer_lot(
                organisation_id=world.org_a.pk, relance_ids=ids[:3], jeton=str(jeton)
            )
        finally:
            Horloge.apres = None
    renouvellement = MIDI + dt.timedelta(seconds=par_message)
    troisieme = (
        (renouvellement + dt.timedelta(seconds=60), renouvellement)
        if renouvele
        else (MIDI + dt.timedelta(seconds=60), MIDI)
    )
    assert vus == [troisieme, (MIDI + dt.timedelta(seconds=60), MIDI)]


@pytest.mark.django_db
def test_a_renewal_leaves_the_rows_another_claim_took_meanwhile(world, settings):
    """The first message takes 65 s: at 12:01:05 the dispatcher claims the two other rows again
    (their lease ended at 12:01:00; new token, lease to 12:02:05). The batch, renewing its lease
    before its next row, must not extend the new claim's lease, and sends nothing more."""
    lignes = _lignes(world.org_a, "a@a.test", "b@a.test", "c@a.test")
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.Horloge"}}
    with time_machine.travel(MIDI, tick=False) as horloge:

        def apres(messages):
            if messages[0].to == ["a@a.test"]:
                horloge.shift(dt.timedelta(seconds=65))
                assert services.relances_reclamer(maintenant=timezone.now()) == 2
                horloge.shift(dt.timedelta(seconds=5))

        Horloge.apres = apres
        try:
            with tenant_context(world.org_a):
                ids, jeton = services._reclamer_lot(maintenant=MIDI, lot=100)
            resultats = services.relances_envoyer_lot(
                organisation_id=world.org_a.pk, relance_ids=ids, jeton=str(jeton)
            )
        finally:
            Horloge.apres = None
    assert resultats == {
        lignes[0].pk: services.Resultat.ENVOYEE,
        lignes[1].pk: services.Resultat.IGNOREE,
        lignes[2].pk: services.Resultat.IGNOREE,
    }
    assert [m.to for m in mail.outbox] == [["a@a.test"]]
    with tenant_context(world.org_a):
        autres = list(
            Relance.objects.filter(pk__in=ids[1:]).values_list(
                "statut", "bail_expire_le", "tentatives"
            )
        )
    assert autres == [(S.EN_COURS, MIDI + dt.timedelta(seconds=125), 1)] * 2


@pytest.mark.django_db
def test_a_row_tried_before_is_counted_alone_right_before_its_send(world):
    """Tried twice before (last at 11:00). The batch's take at 12:00:10 renews its lease but
    does not count it; counted alone at 12:00:20: three attempts, dated 12:00:20, lease to
    12:01:20."""
    jeton = uuid.uuid4()
    (relance,) = _lignes(world.org_a, "a@a.test")
    avant = MIDI - dt.timedelta(hours=1)
    with tenant_context(world.org_a):
        Relance.objects.filter(pk=relance.pk).update(
            statut=S.EN_COURS,
            bail_jeton=jeton,
            bail_expire_le=MIDI + dt.timedelta(seconds=60),
            tentatives=2,
            derniere_tentative_le=avant,
        )
    prise_le = MIDI + dt.timedelta(seconds=10)
    with time_machine.travel(prise_le, tick=False), tenant_context(world.org_a):
        prise = services.relances_prendre(relance_ids=[relance.pk], jeton=str(jeton))
    assert (prise.neuves, prise.reprises, prise.echouees) == ([], [relance], [])
    assert _lu(world.org_a, relance) == (2, avant, prise_le + dt.timedelta(seconds=60), prise_le)
    compte_le = MIDI + dt.timedelta(seconds=20)
    ligne = prise.reprises[0]
    with time_machine.travel(compte_le, tick=False), tenant_context(world.org_a):
        assert services.relance_reprendre(relance=ligne, jeton=str(jeton)) is True
    assert (ligne.tentatives, ligne.derniere_tentative_le) == (3, compte_le)
    assert _lu(world.org_a, relance) == (
        3,
        compte_le,
        compte_le + dt.timedelta(seconds=60),
        compte_le,
    )


@pytest.mark.parametrize(
    ("statut", "tentatives", "meme_jeton"),
    [
        (S.EN_COURS, 1, False),  # claimed again since, under another token
        (S.EN_COURS, 5, True),  # a duplicate of the message took its last attempt meanwhile
        (S.ENVOYEE, 1, True),  # sent meanwhile
    ],
)
@pytest.mark.django_db
def test_a_row_tried_before_is_not_counted_when_no_longer_this_batchs(
    world, statut, tentatives, meme_jeton
):
    jeton = uuid.uuid4()
    (relance,) = _lignes(world.org_a, "a@a.test")
    with tenant_context(world.org_a):
        Relance.objects.filter(pk=relance.pk).update(
            statut=statut,
            bail_jeton=jeton if meme_jeton else uuid.uuid4(),
            bail_expire_le=MIDI,
            tentatives=tentatives,
        )
        relance.refresh_from_db()
        assert services.relance_reprendre(relance=relance, jeton=str(jeton)) is False
    assert _lu(world.org_a, relance)[:3] == (tentatives, None, MIDI)
    assert relance.tentatives == tentatives


def _lu(org, relance) -> tuple:
    with tenant_context(org):
        return Relance.objects.filter(pk=relance.pk).values_list(
            "tentatives", "derniere_tentative_le", "bail_expire_le", "updated_at"
        )[0]


@pytest.mark.django_db
def test_a_row_claimed_again_after_the_take_is_not_sent_by_the_old_batch(world):
    """Taken at 12:00 under the first claim's token; the batch stalls past its lease and the
    dispatcher claims the row again (12:01:01, new token): the old batch's send does nothing."""
    (relance,) = _lignes(world.org_a, "a@a.test")
    with time_machine.travel(MIDI, tick=False), tenant_context(world.org_a):
        ids, premier = services._reclamer_lot(maintenant=MIDI, lot=10)
        prise = services.relances_prendre(relance_ids=ids, jeton=str(premier))
    with tenant_context(world.org_a):
        _ids, second = services._reclamer_lot(maintenant=MIDI + dt.timedelta(seconds=61), lot=10)
        resultat = services.relance_envoyer(
            organisation=world.org_a, relance=prise.neuves[0], jeton=str(premier)
        )
    assert resultat == services.Resultat.IGNOREE
    assert mail.outbox == []
    with tenant_context(world.org_a):
        ligne = Relance.objects.get(pk=relance.pk)
    assert (ligne.statut, ligne.bail_jeton, ligne.envoyee_le) == (S.EN_COURS, second, None)


@pytest.mark.django_db
def test_a_batch_talks_to_the_mail_server_in_one_session(world, settings):
    """Three rows, one session; a network error on the second closes the broken session and the
    third opens a new one (two in all)."""
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.SessionComptee"}}
    SessionComptee.ouvertures = 0
    _lignes(world.org_a, "a@a.test", "b@a.test", "c@a.test")
    assert set(_lot(world.org_a, MIDI).values()) == {services.Resultat.ENVOYEE}
    assert SessionComptee.ouvertures == 1
    SessionComptee.ouvertures = 0
    with tenant_context(world.org_a):
        Relance.objects.all().delete()
    _lignes(world.org_a, "d@a.test", "e@a.test", "f@a.test")
    envoi = SessionComptee.send_messages

    def refuse_e(self, messages):
        if messages[0].to == ["e@a.test"]:
            raise ConnectionResetError("coupé")
        return envoi(self, messages)

    with mock.patch.object(SessionComptee, "send_messages", refuse_e):
        resultats = list(_lot(world.org_a, MIDI).values())
    assert resultats == [
        services.Resultat.ENVOYEE,
        services.Resultat.A_REESSAYER,
        services.Resultat.ENVOYEE,
    ]
    assert SessionComptee.ouvertures == 2


@pytest.mark.django_db
def test_a_row_sent_after_an_error_keeps_no_error_and_is_dated(world):
    """Rested after a network error at 11:50 (its error kept, no token, backoff over): claimed
    and sent at 12:00, it shows no error, sent and changed at 12:00, no lease."""
    (relance,) = _lignes(world.org_a, "a@a.test")
    with tenant_context(world.org_a):
        Relance.objects.filter(pk=relance.pk).update(
            statut=S.EN_COURS,
            tentatives=1,
            derniere_erreur="ConnectionRefusedError: x",
            bail_expire_le=MIDI - dt.timedelta(minutes=10),
        )
    assert _lot(world.org_a, MIDI) == {relance.pk: services.Resultat.ENVOYEE}
    with tenant_context(world.org_a):
        ligne = Relance.objects.get(pk=relance.pk)
    assert (ligne.statut, ligne.tentatives, ligne.derniere_erreur) == (S.ENVOYEE, 2, "")
    assert (ligne.envoyee_le, ligne.updated_at) == (MIDI, MIDI)
    assert (ligne.bail_jeton, ligne.bail_expire_le) == (None, None)
    # The e-mail carries the rendered text and HTML, not only a subject.
    (message,) = mail.outbox
    assert "Pensez à planifier l'audit de renouvellement" in message.body
    assert "planifier l'audit de renouvellement" in message.alternatives[0].content


@pytest.mark.django_db
def test_a_reminder_of_a_seance_already_begun_is_cancelled_not_sent(world, bilan_a):
    """The séance is still planned but began an hour ago (moved without its service): its
    reminders are no longer relevant at send time."""
    seance = seance_de(bilan_a, debut=timezone.now() + dt.timedelta(hours=2))
    with tenant_context(world.org_a):
        Seance.objects.filter(pk=seance.pk).update(debut=timezone.now() - dt.timedelta(hours=1))
        ids = list(Relance.objects.filter(seance=seance).values_list("pk", flat=True))
        _ids, jeton = services._reclamer_lot(maintenant=timezone.now(), lot=100)
    mail.outbox.clear()
    resultats = services.relances_envoyer_lot(
        organisation_id=world.org_a.pk, relance_ids=ids, jeton=str(jeton)
    )
    assert resultats == dict.fromkeys(ids, services.Resultat.ANNULEE)
    assert mail.outbox == []
    with tenant_context(world.org_a):
        assert set(Relance.objects.filter(seance=seance).values_list("statut", "envoyee_le")) == {
            (S.ANNULEE, None)
        }


@pytest.mark.django_db
def test_a_row_is_dated_when_it_is_sent_not_when_its_batch_was_taken(world, settings):
    """Taken at 12:00; the first message takes 5 s: the second row is sent, and changed, at
    12:00:05."""
    premiere, seconde = _lignes(world.org_a, "a@a.test", "b@a.test")
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.Horloge"}}
    with time_machine.travel(MIDI, tick=False) as horloge:
        Horloge.apres = lambda messages: horloge.shift(dt.timedelta(seconds=5))
        try:
            with tenant_context(world.org_a):
                ids, jeton = services._reclamer_lot(maintenant=MIDI, lot=100)
            services.relances_envoyer_lot(
                organisation_id=world.org_a.pk, relance_ids=ids, jeton=str(jeton)
            )
        finally:
            Horloge.apres = None
    with tenant_context(world.org_a):
        dates = list(
            Relance.objects.order_by("pk").values_list(
                "derniere_tentative_le", "envoyee_le", "updated_at"
            )
        )
    cinq = MIDI + dt.timedelta(seconds=5)
    assert dates == [(MIDI, MIDI, MIDI), (MIDI, cinq, cinq)]


@pytest.mark.django_db
def test_the_last_network_error_is_the_one_a_failed_row_shows(world):
    """Four attempts already, the last refused; the fifth is cut: the row fails, showing the
    fifth attempt's error, with no lease."""
    (relance,) = _lignes(world.org_a, "a@a.test")
    with tenant_context(world.org_a):
        Relance.objects.filter(pk=relance.pk).update(
            statut=S.EN_COURS,
            tentatives=services.MAX_TENTATIVES - 1,
            derniere_erreur="ConnectionRefusedError: avant",
            bail_expire_le=MIDI - dt.timedelta(minutes=1),
        )
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionResetError("la dernière"),
    ):
        assert _lot(world.org_a, MIDI) == {relance.pk: services.Resultat.ECHEC}
    with tenant_context(world.org_a):
        ligne = Relance.objects.get(pk=relance.pk)
    assert (ligne.statut, ligne.tentatives, ligne.derniere_erreur) == (
        S.ECHEC,
        services.MAX_TENTATIVES,
        "ConnectionResetError: la dernière",
    )
    assert (ligne.bail_jeton, ligne.bail_expire_le, ligne.envoyee_le) == (None, None, None)
    assert mail.outbox == []


@pytest.mark.parametrize(("tentatives_avant", "attente"), [(0, 30), (2, 120)])
@pytest.mark.django_db
def test_a_network_error_rests_the_row_for_a_backoff_doubling_per_attempt(
    world, tentatives_avant, attente
):
    """Refused at 12:00 at its first attempt: back in the queue at 12:00:30, no token, the
    error kept (its first 2 000 characters); at its third attempt: at 12:02:00."""
    (relance,) = _lignes(world.org_a, "a@a.test")
    with tenant_context(world.org_a):
        Relance.objects.filter(pk=relance.pk).update(tentatives=tentatives_avant)
    longue = "x" * 1990 + "0123456789" + "reste"
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionRefusedError(longue),
    ):
        assert _lot(world.org_a, MIDI) == {relance.pk: services.Resultat.A_REESSAYER}
    with tenant_context(world.org_a):
        ligne = Relance.objects.get(pk=relance.pk)
    assert (ligne.statut, ligne.tentatives, ligne.bail_jeton, ligne.envoyee_le) == (
        S.EN_COURS,
        tentatives_avant + 1,
        None,
        None,
    )
    assert ligne.bail_expire_le == MIDI + dt.timedelta(seconds=attente)
    assert ligne.derniere_erreur == f"ConnectionRefusedError: {longue}"[:2000]
    assert len(ligne.derniere_erreur) == 2000
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_bug_while_sending_fails_the_row_and_says_which(world, caplog):
    """Not a network error (a template or data bug): no retry, the row fails with the error,
    and the log names the row."""
    (relance,) = _lignes(world.org_a, "a@a.test")
    with (
        mock.patch.object(services, "relance_rendre", side_effect=ValueError("gabarit cassé")),
        caplog.at_level(logging.ERROR, logger="relances.services"),
    ):
        assert _lot(world.org_a, MIDI) == {relance.pk: services.Resultat.ECHEC}
    with tenant_context(world.org_a):
        ligne = Relance.objects.get(pk=relance.pk)
    assert (ligne.statut, ligne.derniere_erreur, ligne.envoyee_le, ligne.bail_jeton) == (
        S.ECHEC,
        "ValueError: gabarit cassé",
        None,
        None,
    )
    assert [r.getMessage() for r in caplog.records if r.name == "relances.services"] == [
        f"Relance {relance.pk} non envoyée"
    ]
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_row_a_send_hands_to_its_after_send_hook_is_the_row_as_sent(world):
    """``apres_envoi`` hooks get the row as the database now has it: sent, dated, no error, no
    lease."""
    (relance,) = _lignes(world.org_a, "a@a.test")
    with time_machine.travel(MIDI, tick=False), tenant_context(world.org_a):
        ids, jeton = services._reclamer_lot(maintenant=MIDI, lot=10)
        (ligne,) = services.relances_prendre(relance_ids=ids, jeton=str(jeton)).neuves
        ligne.derniere_erreur = "ancienne"
        resultat = services.relance_envoyer(
            organisation=world.org_a, relance=ligne, jeton=str(jeton)
        )
    assert resultat == services.Resultat.ENVOYEE
    attendu = (S.ENVOYEE, MIDI, "", None, None)
    champs = ("statut", "envoyee_le", "derniere_erreur", "bail_jeton", "bail_expire_le")
    assert tuple(getattr(ligne, champ) for champ in champs) == attendu
    with tenant_context(world.org_a):
        assert Relance.objects.filter(pk=relance.pk).values_list(*champs)[0] == attendu


@pytest.mark.django_db
def test_a_survey_sent_from_a_batch_is_marked_sent_at_its_send(world, bilan_a):
    """The kind's after-send hook runs with the row and the send time: the survey à chaud shows
    when its e-mail left."""
    with time_machine.travel(MIDI, tick=False), tenant_context(world.org_a):
        enquetes_planifier(bilan=bilan_a, fin=MIDI.date())
        (chaud,) = Relance.objects.filter(kind=Relance.Kind.ENQUETE_CHAUD)
    envoi = MIDI + dt.timedelta(minutes=5)
    assert _lot(world.org_a, envoi) == {chaud.pk: services.Resultat.ENVOYEE}
    with tenant_context(world.org_a):
        reponse = Reponse.objects.get(public_id=chaud.target_id)
    assert reponse.envoyee_le == envoi


@pytest.mark.django_db
def test_the_lease_is_renewed_again_each_time_half_of_it_has_gone(world, settings):
    """20 s per message, six rows taken at 12:00. The lease is renewed before the third row
    (12:00:40, next due at 12:01:10) and the fifth (12:01:20), not between: the last row's lease,
    seen while the fourth is sent, ends at 12:01:40; while the fifth is sent, at 12:02:20."""
    lignes = _lignes(world.org_a, *(f"{lettre}@a.test" for lettre in "abcdef"))
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.Horloge"}}
    vus = {}
    with time_machine.travel(MIDI, tick=False) as horloge:

        def apres(messages):
            if messages[0].to[0] in ("d@a.test", "e@a.test"):
                with tenant_context(world.org_a):
                    vus[messages[0].to[0]] = Relance.objects.get(pk=lignes[5].pk).bail_expire_le
            horloge.shift(dt.timedelta(seconds=20))

        Horloge.apres = apres
        try:
            with tenant_context(world.org_a):
                ids, jeton = services._reclamer_lot(maintenant=MIDI, lot=100)
            services.relances_envoyer_lot(
                organisation_id=world.org_a.pk, relance_ids=ids, jeton=str(jeton)
            )
        finally:
            Horloge.apres = None
    assert vus == {
        "d@a.test": MIDI + dt.timedelta(seconds=100),
        "e@a.test": MIDI + dt.timedelta(seconds=140),
    }


@pytest.mark.django_db
def test_a_batch_takes_only_its_own_rows_of_the_claim(world):
    """One claim of three rows, handed over as two messages: the first message's batch (two
    rows) neither sends nor counts the third, which waits for its own message."""
    lignes = _lignes(world.org_a, "a@a.test", "b@a.test", "c@a.test")
    with tenant_context(world.org_a):
        ids, jeton = services._reclamer_lot(maintenant=timezone.now(), lot=10)
    resultats = services.relances_envoyer_lot(
        organisation_id=world.org_a.pk, relance_ids=ids[:2], jeton=str(jeton)
    )
    assert resultats == dict.fromkeys(ids[:2], services.Resultat.ENVOYEE)
    assert sorted(m.to[0] for m in mail.outbox) == ["a@a.test", "b@a.test"]
    assert _etat(world.org_a, lignes[2]) == (S.EN_COURS, 0)


@pytest.mark.django_db
def test_a_row_tried_before_that_another_claim_took_does_not_stop_the_batch(world, settings):
    """A first attempt, then two rows tried before. While the first is sent, another claim
    takes the second (new token): the batch skips it and still sends the third."""
    neuve, prise_ailleurs, reprise = _lignes(world.org_a, "a@a.test", "b@a.test", "c@a.test")
    jeton = uuid.uuid4()
    with tenant_context(world.org_a):
        Relance.objects.filter(pk__in=[prise_ailleurs.pk, reprise.pk]).update(tentatives=1)
        Relance.objects.update(
            statut=S.EN_COURS, bail_jeton=jeton, bail_expire_le=MIDI + dt.timedelta(seconds=60)
        )
    settings.MAILERS = {"default": {"BACKEND": "tests.relances.courriers.Horloge"}}

    def apres(messages):
        if messages[0].to == ["a@a.test"]:
            with tenant_context(world.org_a):
                Relance.objects.filter(pk=prise_ailleurs.pk).update(bail_jeton=uuid.uuid4())

    Horloge.apres = apres
    try:
        with time_machine.travel(MIDI, tick=False):
            resultats = services.relances_envoyer_lot(
                organisation_id=world.org_a.pk,
                relance_ids=[neuve.pk, prise_ailleurs.pk, reprise.pk],
                jeton=str(jeton),
            )
    finally:
        Horloge.apres = None
    assert resultats == {
        neuve.pk: services.Resultat.ENVOYEE,
        prise_ailleurs.pk: services.Resultat.IGNOREE,
        reprise.pk: services.Resultat.ENVOYEE,
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["a@a.test", "c@a.test"]
    assert _etat(world.org_a, prise_ailleurs) == (S.EN_COURS, 1)
    assert _etat(world.org_a, reprise) == (S.ENVOYEE, 2)
