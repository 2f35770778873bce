"""Writes of the outbox: planning rows from events, the dispatcher, and sending one row.

Exactly once, with several workers, redeliveries, crashes, a broker restarted empty and
duplicate beat ticks:

1. **Planning** is an upsert on ``(organisation, cle_unique)``: the same event never makes two
   rows; a moved event moves the pending row's ``due_le``; a cancelled one cancels it. Always in
   the caller's transaction (the hooks run inside the event's service).
2. **Claiming** (``relances_reclamer``, beat every 30 s): per organisation, ``SELECT … FOR
   UPDATE SKIP LOCKED`` on due rows, then, in the same transaction, ``statut = en_cours`` and a
   **lease**: a fresh token (``bail_jeton``, one per claimed batch) valid until
   ``bail_expire_le = maintenant + RELANCES_BAIL_SECONDES`` (60 s). Two dispatchers never claim
   the same row. A row ``en_cours`` whose lease has expired (its message lost with a broker
   restarted empty, its worker killed) is claimed again, with a new token, at the next tick:
   recovered within the lease plus one tick (≤ 90 s), never after a fixed quarter of an hour.
3. **Handing over** happens after the commit (``on_commit``): one Celery task per batch of
   ``ENVOI_PAR_TACHE`` rows (one mail-server session for them), carrying the token, expiring
   with the lease (a message older than its lease is dropped by the worker: the rows have been,
   or will be, claimed again). When the broker is down, the rows not handed over go back to
   ``a_envoyer``, the run stops there (no claiming them again in a loop) and they wait for the
   next tick; the web app never notices (no web request publishes a task: it only writes rows).
4. **Taking** (``relances_prendre``, the task's first transaction, one for the whole batch):
   the rows still ``en_cours`` under the message's token are locked (the others: the message is
   stale or a duplicate for them, nothing happens); every row's attempt is counted and dated
   (``tentatives``, ``derniere_tentative_le``) and the lease renewed, in one ``UPDATE``, then
   **committed before the mail server is contacted**: an attempt survives the kill of its
   worker. The price of one transaction per batch rather than per row (issue 16: 89 → 234
   rows/s): a worker killed mid-batch has counted an attempt for the rows it never reached
   (two attempts each once sent, instead of one; still far from ``MAX_TENTATIVES``).
5. **Sending** (``relance_envoyer``, one short transaction per row): one conditional ``UPDATE``
   marks the row ``envoyee`` only if it is still ``en_cours`` under the same token, and takes
   its lock; the row is re-checked against the world (séance still planned, survey not
   answered…: the kind's ``pertinente``, on the relations read when the batch was taken), sent,
   and the COMMIT follows the mail server's acceptance. While the mail server talks, the row
   lock *is* the lease's heartbeat: PostgreSQL holds it exactly as long as the sender's
   connection lives, the dispatcher skips locked rows whatever the lease's clock says, and a
   second delivery of the same message waits for the lock and then finds ``envoyee``. When the
   sender dies, PostgreSQL rolls the mark back and frees the row at once; only the lease's
   expiry is left to wait for. Nothing is sent without the lock and the token, so an expired
   lease never lets two senders talk to the mail server. A batch slower than half its lease (a
   slow mail server) renews the lease of its rows not yet sent (``_prolonger``).
6. **A network error** puts the row to rest: ``en_cours`` with no token and a lease that ends
   after the backoff (30 s, doubling, at most 30 min); the dispatcher takes it again then. After
   ``MAX_TENTATIVES`` attempts (killed ones count too: a row that kills its worker stops), the
   row is ``echec`` and an administrator decides.

The one window no database can close: a worker killed after the mail server accepted the message
and before the COMMIT. The row is then reclaimed and sent a second time (at least once there);
every message of a row carries the same ``Message-ID`` (``<relance-{public_id}@{domain}>``) and
the row shows two attempts, so the copy is recognisable and mail clients and servers that
de-duplicate by ``Message-ID`` drop it.

Clocks: leases are written and compared with the application servers' clocks (NTP assumed).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import smtplib
import uuid
import zoneinfo
from dataclasses import dataclass
from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from bilan.core.emails import render_templated_email, send_rendered_email
from bilan.core.models import Organisation
from bilan.core.tenancy import for_each_organisation, get_active_organisation, tenant_context
from relances.models import Relance
from relances.registre import registre
from relances.selectors import Dossier

logger = logging.getLogger(__name__)

S = Relance.Statut
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HEURE_ENVOI = dt.time(10, 0)

MAX_TENTATIVES = 5
ATTENTE_RESEAU = dt.timedelta(seconds=30)  # backoff after a network error, doubled each time
ATTENTE_RESEAU_MAX = dt.timedelta(minutes=30)


class Resultat(enum.StrEnum):
    """What sending one row did (the send task's return value)."""

    ENVOYEE = "envoyee"
    IGNOREE = "ignoree"  # already sent, cancelled or released: a duplicate or late delivery
    ANNULEE = "annulee"  # no longer relevant at send time
    A_REESSAYER = "a_reessayer"
    ECHEC = "echec"


# Errors worth a retry: the network or the mail server, not our data or templates.
# Rows per send task: one message and one mail-server session for these rows (issue 16), small
# enough that several workers share a claimed batch of 100.
ENVOI_PAR_TACHE = 25
ERREURS_RESEAU = (ConnectionError, TimeoutError, smtplib.SMTPException, OSError)
# The broker refusing a hand-over: the rows wait for the next tick.
ERREURS_COURTIER = (ConnectionError, TimeoutError, OSError, OperationalError, RedisError)


def bail() -> dt.timedelta:
    """How long a claim stays valid without its sender: ``RELANCES_BAIL_SECONDES``."""
    return dt.timedelta(seconds=settings.RELANCES_BAIL_SECONDES)


def relance_message_id(*, relance: Relance) -> str:
    """The ``Message-ID`` of every e-mail of ``relance``: the same for each attempt, so a copy
    sent again after a kill between the mail server's acceptance and the COMMIT is known."""
    domaine = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "bilan.localhost"
    return f"<relance-{relance.public_id}@{domaine}>"


def a_paris(*, jour: dt.date, heure: dt.time = HEURE_ENVOI) -> dt.datetime:
    """``jour`` at ``heure`` (10:00 by default), Europe/Paris: when calendar rows go out."""
    return dt.datetime.combine(jour, heure, tzinfo=PARIS)


# --- Planning ---------------------------------------------------------------------------------


def organisation_liee() -> Organisation:
    """The bound organisation (``tenant_context``): rows are only written inside one."""
    organisation = get_active_organisation()
    if organisation is None:
        raise RuntimeError("Les relances s'écrivent avec un organisme lié (tenant_context).")
    return organisation


def relance_planifier(
    *,
    kind: str,
    cle: str,
    destinataire: str,
    due_le: dt.datetime,
    target_type: str,
    target_id: uuid.UUID,
    bilan: models.Model | None = None,
    seance: models.Model | None = None,
    rearmer: bool = False,
) -> Relance | None:
    """Write (or re-plan) one outbox row, keyed by ``cle`` within the bound organisation.

    ``kind`` must be registered (``relances.registre``), else ``KindInconnu``. A pending or
    cancelled row takes the new due time and recipient; a row already sent is left alone unless
    ``rearmer`` (an event moved after its reminder went out) and the new due time is still
    ahead. Returns None when there is nobody to write to. Always in the caller's transaction.
    """
    registre.type_de(kind)
    if not destinataire:
        return None
    organisation = organisation_liee()
    valeurs = {
        "kind": kind,
        "destinataire": destinataire,
        "due_le": due_le,
        "target_type": target_type,
        "target_id": target_id,
        "bilan": bilan,
        "seance": seance,
    }
    relance = Relance.objects.select_for_update().filter(cle_unique=cle).first()
    if relance is None:
        try:
            with transaction.atomic():
                return Relance.objects.create(
                    organisation=organisation, cle_unique=cle, statut=S.A_ENVOYER, **valeurs
                )
        except IntegrityError:
            # A concurrent transaction wrote the same key first: re-plan that row instead.
            relance = Relance.objects.select_for_update().get(cle_unique=cle)
    if relance.statut in (S.A_ENVOYER, S.ANNULEE) or (
        rearmer and relance.statut in (S.ENVOYEE, S.ECHEC) and due_le > timezone.now()
    ):
        for champ, valeur in valeurs.items():
            setattr(relance, champ, valeur)
        relance.statut = S.A_ENVOYER
        relance.reclamee_le = None
        relance.bail_jeton = None
        relance.bail_expire_le = None
        relance.save()
    return relance


def relance_annuler(*, cle: str) -> int:
    """Cancel the pending row ``cle`` (nothing happens to a row already sent)."""
    return Relance.objects.filter(cle_unique=cle, statut=S.A_ENVOYER).update(
        statut=S.ANNULEE, updated_at=timezone.now()
    )


def relance_reessayer(*, relance: Relance) -> Relance:
    """An admin sends a failed row again: back to the queue, due now."""
    relance = Relance.objects.select_for_update().get(pk=relance.pk)
    if relance.statut != S.ECHEC:
        raise ValidationError(_("Seule une relance en échec peut être renvoyée."))
    relance.statut = S.A_ENVOYER
    relance.tentatives = 0
    relance.due_le = timezone.now()
    relance.reclamee_le = None
    relance.bail_jeton = None
    relance.bail_expire_le = None
    relance.save()
    return relance


def relances_balayage(*, organisation: Organisation, maintenant: dt.datetime) -> int:
    """Daily, bound organisation: every app's sweep plans the rows that depend on the calendar
    rather than on an event (each registered in its ``<app>/relances.py``). Idempotent: keys
    make a second run re-plan the same rows. Returns the rows planned."""
    return sum(
        balayage(organisation=organisation, maintenant=maintenant)
        for balayage in registre.balayages()
    )


# --- Claiming and handing over ----------------------------------------------------------------


def _reclamer_lot(*, maintenant: dt.datetime, lot: int) -> tuple[list[int], uuid.UUID]:
    """Claim up to ``lot`` due rows of the bound organisation (same transaction as the caller):
    due and pending, or ``en_cours`` with an expired lease (or none: written before leases).
    Returns their ids and the claim's token."""
    dues = (
        Q(statut=S.A_ENVOYER, due_le__lte=maintenant)
        | Q(statut=S.EN_COURS, bail_expire_le__lt=maintenant)
        | Q(statut=S.EN_COURS, bail_expire_le__isnull=True)
    )
    ids = list(
        Relance.objects.filter(dues)
        .order_by("due_le", "pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:lot]
    )
    jeton = uuid.uuid4()
    if ids:
        Relance.objects.filter(pk__in=ids).update(
            statut=S.EN_COURS,
            reclamee_le=maintenant,
            bail_jeton=jeton,
            bail_expire_le=maintenant + bail(),
            updated_at=timezone.now(),
        )
    return ids, jeton


def _liberer(*, organisation_id: int, ids: list[int], jeton: uuid.UUID) -> None:
    """Rows claimed but never handed to the broker go back to the queue."""
    organisation = Organisation.objects.get(pk=organisation_id)
    with tenant_context(organisation):
        Relance.objects.filter(pk__in=ids, statut=S.EN_COURS, bail_jeton=jeton).update(
            statut=S.A_ENVOYER,
            reclamee_le=None,
            bail_jeton=None,
            bail_expire_le=None,
            updated_at=timezone.now(),
        )


def _publier(organisation_id: int, ids: list[int], jeton: uuid.UUID, refusees: list[int]) -> None:
    """After the claim commits: one task per ``ENVOI_PAR_TACHE`` rows, carrying the claim's
    token (``delay_on_commit`` semantics). If the broker is unreachable, what was not handed
    over is released and waits for the next tick; the released ids are added to ``refusees``,
    which stops this run (see ``relances_reclamer``)."""
    tache = registre.tache_envoi()
    for index in range(0, len(ids), ENVOI_PAR_TACHE):
        try:
            tache.delay(organisation_id, ids[index : index + ENVOI_PAR_TACHE], str(jeton))
        except ERREURS_COURTIER as exc:
            logger.warning(
                "Courtier injoignable, %d relance(s) attendront le prochain passage : %s",
                len(ids) - index,
                exc.__class__.__name__,
            )
            _liberer(organisation_id=organisation_id, ids=ids[index:], jeton=jeton)
            refusees.extend(ids[index:])
            return


def relances_reclamer(
    *, maintenant: dt.datetime | None = None, lot: int = 100, max_tours: int = 1000
) -> int:
    """Claim every due row, organisation by organisation, ``lot`` at a time (each batch its own
    short transaction, ``SELECT … FOR UPDATE SKIP LOCKED``, its own lease token), and hand each
    to the send task once that batch has committed. Returns the number of rows claimed. Safe to
    run twice at once (beat twice, two workers)."""
    quand = maintenant or timezone.now()
    total = 0
    refusees: list[int] = []
    for _tour in range(max_tours):

        def job(organisation: Organisation) -> int:
            ids, jeton = _reclamer_lot(maintenant=quand, lot=lot)
            if ids:
                transaction.on_commit(partial(_publier, organisation.pk, ids, jeton, refusees))
            return len(ids)

        claimed = sum(for_each_organisation(job).values())
        total += claimed
        # Broker down: the released rows are due again at once; claiming them again would spin
        # (max_tours hand-overs that each wait for the broker). They wait for the next tick.
        if claimed == 0 or refusees:
            break
    return total


# --- Rendering and sending one row (inside the task, organisation bound) ---------------------


def _contexte(relance: Relance, *, apercu: bool) -> dict[str, object]:
    """The keys every template may use, then the kind's own (``TypeRelance.contexte``)."""
    contexte: dict[str, object] = {
        "organisation": relance.organisation,
        "relance": relance,
        "kind": relance.kind,
        "portail_url": settings.SITE_URL + reverse("portail:home"),
        "app_url": settings.SITE_URL + "/app/",
    }
    contexte.update(registre.type_de(relance.kind).contexte(relance=relance, apercu=apercu))
    return contexte


def relance_rendre(*, relance: Relance, apercu: bool = False) -> tuple[str, str, str]:
    """Subject, text and HTML of the row's e-mail. ``apercu``: never a real bearer link."""
    return render_templated_email(
        template=registre.type_de(relance.kind).template,
        context=_contexte(relance, apercu=apercu),
    )


def relance_apercu(
    *, organisation: Organisation, kind: str, bilan: Dossier
) -> tuple[str, str, str]:
    """Render ``kind``'s e-mail about a real dossier with an unsaved row: never sent."""
    type_relance = registre.type_de(kind)
    relance = Relance(
        organisation=organisation,
        kind=kind,
        bilan_id=bilan.pk,
        target_type="bilan",
        target_id=bilan.public_id,
        destinataire="",
        due_le=timezone.now(),
    )
    if type_relance.apercu is not None:
        type_relance.apercu(relance=relance)
    return relance_rendre(relance=relance, apercu=True)


def _finir(relance: Relance, *, statut: str, erreur: str | None = None) -> None:
    """Leave ``en_cours`` for good (cancelled, failed): the lease ends with it. Also writes back
    the row's ``envoyee_le`` and ``derniere_erreur`` as loaded, undoing the sent mark of
    ``relance_envoyer`` when the send does not happen after all."""
    relance.statut = statut
    relance.bail_jeton = None
    relance.bail_expire_le = None
    if erreur is not None:
        relance.derniere_erreur = erreur[:2000]
    relance.save(
        update_fields=[
            "statut",
            "bail_jeton",
            "bail_expire_le",
            "envoyee_le",
            "derniere_erreur",
            "updated_at",
        ]
    )


def _jeton_valide(jeton: str | None) -> bool:
    try:
        return jeton is not None and uuid.UUID(jeton) is not None
    except ValueError:
        return False


@dataclass(frozen=True)
class Prise:
    """What ``relances_prendre`` took of a batch, each list in the batch's order."""

    neuves: list[Relance]  # first attempts, counted by the take: send them first
    reprises: list[Relance]  # tried before: each counted alone, right before its send
    echouees: list[int]  # ``MAX_TENTATIVES`` reached: now ``echec``


def relances_prendre(*, relance_ids: list[int], jeton: str | None) -> Prise:
    """First transaction of a send batch (organisation bound, the caller's transaction, to be
    **committed before any mail server is contacted**): lock the rows of ``relance_ids`` still
    ``en_cours`` under the lease ``jeton`` (the others are stale for this message: sent,
    released, claimed again since) and renew their lease; count and date the attempt of every
    row never tried, in one ``UPDATE`` for the batch. A row that already had ``MAX_TENTATIVES``
    attempts (killed in the middle of each) ends ``echec``. The rows come with what rendering
    and the relevance check read (organisation, dossier and beneficiary, séance).

    The trade-off (issue 16): counting a batch's attempts at once charges an attempt to the rows
    a worker killed mid-batch never reached. They are charged once only: a row tried before is
    counted alone, right before its own send (``relance_reprendre``), so a row that kills its
    worker at every attempt reaches ``MAX_TENTATIVES`` alone, never the rows of its batch."""
    if not _jeton_valide(jeton):
        return Prise(neuves=[], reprises=[], echouees=[])
    rang = {relance_id: index for index, relance_id in enumerate(relance_ids)}
    lignes = sorted(
        Relance.objects.select_for_update(of=("self",))
        .select_related("organisation", "bilan__beneficiaire", "seance")
        .filter(pk__in=relance_ids, statut=S.EN_COURS, bail_jeton=jeton),
        key=lambda relance: rang[relance.pk],
    )
    prise = Prise(
        neuves=[relance for relance in lignes if relance.tentatives == 0],
        reprises=[relance for relance in lignes if 0 < relance.tentatives < MAX_TENTATIVES],
        echouees=[],
    )
    for relance in lignes:
        if relance.tentatives >= MAX_TENTATIVES:
            _finir(
                relance,
                statut=S.ECHEC,
                erreur=_("Envoi interrompu à chaque tentative (%(n)d).")
                % {"n": relance.tentatives},
            )
            prise.echouees.append(relance.pk)
    maintenant = timezone.now()
    if prise.neuves:
        Relance.objects.filter(pk__in=[relance.pk for relance in prise.neuves]).update(
            tentatives=1,
            derniere_tentative_le=maintenant,
            bail_expire_le=maintenant + bail(),
            updated_at=maintenant,
        )
    if prise.reprises:
        Relance.objects.filter(pk__in=[relance.pk for relance in prise.reprises]).update(
            bail_expire_le=maintenant + bail(), updated_at=maintenant
        )
    for relance in prise.neuves:
        relance.tentatives = 1
        relance.derniere_tentative_le = maintenant
    return prise


def relance_reprendre(*, relance: Relance, jeton: str) -> bool:
    """Count and date, alone, the attempt of a row tried before (organisation bound, its own
    transaction, committed before its send) and renew its lease. False when the row is no
    longer ``en_cours`` under ``jeton`` or has had ``MAX_TENTATIVES`` attempts meanwhile (a
    duplicate of the message took it): nothing to send."""
    maintenant = timezone.now()
    prise = Relance.objects.filter(
        pk=relance.pk, statut=S.EN_COURS, bail_jeton=jeton, tentatives__lt=MAX_TENTATIVES
    ).update(
        tentatives=F("tentatives") + 1,
        derniere_tentative_le=maintenant,
        bail_expire_le=maintenant + bail(),
        updated_at=maintenant,
    )
    if prise:
        relance.tentatives += 1
        relance.derniere_tentative_le = maintenant
    return bool(prise)


def _prolonger(*, relance_ids: list[int], jeton: str) -> int:
    """Renew the lease of a batch's rows not sent yet (organisation bound): a batch slower than
    half its lease (a slow mail server) keeps its rows instead of seeing the dispatcher claim
    them again, which would cost each one more attempt. Returns the rows renewed."""
    maintenant = timezone.now()
    return Relance.objects.filter(pk__in=relance_ids, statut=S.EN_COURS, bail_jeton=jeton).update(
        bail_expire_le=maintenant + bail(), updated_at=maintenant
    )


def relance_envoyer(
    *,
    organisation: Organisation,
    relance: Relance,
    jeton: str,
    mailer: BaseEmailBackend | None = None,
) -> Resultat:
    """Send one row taken by ``relances_prendre``, in its own transaction (organisation bound,
    the caller's ``tenant_context``). One conditional ``UPDATE`` marks the row ``envoyee`` and
    locks it, only if it is still ``en_cours`` under the lease ``jeton`` (else the message is
    stale or a duplicate: ``IGNOREE``, nothing sent); then the world is re-checked (the kind's
    ``pertinente``), the e-mail rendered and sent with the row's ``Message-ID``, and the
    caller's COMMIT, right after the mail server accepted it, makes it sent. The lock is held
    while the mail server talks: the dispatcher skips the row, a second delivery waits and then
    finds it sent; a kill rolls the mark back. When the send does not happen, the same
    transaction writes the row's real state over the mark: ``annulee`` (no longer relevant),
    resting until its backoff ends after a network error (``A_REESSAYER``; ``echec`` after
    ``MAX_TENTATIVES``), ``echec`` on any other error. ``mailer``: the batch's shared
    connection."""
    maintenant = timezone.now()
    marquee = Relance.objects.filter(pk=relance.pk, statut=S.EN_COURS, bail_jeton=jeton).update(
        statut=S.ENVOYEE,
        envoyee_le=maintenant,
        derniere_erreur="",
        bail_jeton=None,
        bail_expire_le=None,
        updated_at=maintenant,
    )
    if not marquee:
        return Resultat.IGNOREE
    type_relance = registre.type_de(relance.kind)
    if not type_relance.pertinente(relance=relance, maintenant=maintenant):
        _finir(relance, statut=S.ANNULEE)
        return Resultat.ANNULEE
    try:
        subject, text, html = relance_rendre(relance=relance)
        if mailer is not None:
            mailer.open()  # once per batch; a no-op while the session is open
        send_rendered_email(
            to=relance.destinataire,
            subject=subject,
            text=text,
            html=html,
            organisation=organisation,
            message_id=relance_message_id(relance=relance),
            mailer=mailer,
        )
    except ERREURS_RESEAU as exc:
        if mailer is not None:
            mailer.close()  # a broken session is not reused: the next row opens a new one
        erreur = f"{exc.__class__.__name__}: {exc}"
        if relance.tentatives >= MAX_TENTATIVES:
            _finir(relance, statut=S.ECHEC, erreur=erreur)
            return Resultat.ECHEC
        attente = min(ATTENTE_RESEAU * 2 ** (relance.tentatives - 1), ATTENTE_RESEAU_MAX)
        relance.derniere_erreur = erreur[:2000]
        relance.bail_jeton = None  # no message holds the row: the dispatcher takes it again
        relance.bail_expire_le = timezone.now() + attente
        relance.save(
            update_fields=[
                "statut",
                "envoyee_le",
                "derniere_erreur",
                "bail_jeton",
                "bail_expire_le",
                "updated_at",
            ]
        )
        return Resultat.A_REESSAYER
    except Exception as exc:  # a bug or bad data: no retry, an admin looks at the outbox
        logger.exception("Relance %s non envoyée", relance.pk)
        _finir(relance, statut=S.ECHEC, erreur=f"{exc.__class__.__name__}: {exc}")
        return Resultat.ECHEC
    relance.statut = S.ENVOYEE
    relance.envoyee_le = maintenant
    relance.derniere_erreur = ""
    relance.bail_jeton = None
    relance.bail_expire_le = None
    if type_relance.apres_envoi is not None:
        type_relance.apres_envoi(relance=relance, maintenant=maintenant)
    return Resultat.ENVOYEE


def relances_envoyer_lot(
    *, organisation_id: int, relance_ids: list[int], jeton: str | None
) -> dict[int, Resultat]:
    """Send a claimed batch (the send tasks' body): one transaction takes the whole batch
    (``relances_prendre``: first attempts counted at once, committed), then each row has its own
    short transaction (``relance_envoyer``: marked sent under its lock, sent, committed), all
    over **one mail-server session**. Per first-attempt row: four statements (BEGIN, the tenant
    binding, the conditional UPDATE, COMMIT) instead of nine (issue 16). The rows tried before
    go last, each with its attempt counted alone first. A worker killed mid-batch leaves the rows
    not yet sent ``en_cours`` under the batch's lease: claimed again after it; at most the row
    being sent is in doubt (sent, not committed), as before, and its copy carries the same
    ``Message-ID``. A batch slower than half its lease renews it for the rows left. Returns
    each row's result (``IGNOREE`` for the rows not under the lease)."""
    organisation = Organisation.objects.get(pk=organisation_id)
    resultats = dict.fromkeys(relance_ids, Resultat.IGNOREE)
    with tenant_context(organisation):
        prise = relances_prendre(relance_ids=relance_ids, jeton=jeton)
    resultats.update(dict.fromkeys(prise.echouees, Resultat.ECHEC))
    a_envoyer = prise.neuves + prise.reprises
    if not a_envoyer:
        return resultats
    jeton_lot = str(jeton)
    renouveler_le = timezone.now() + bail() / 2
    mailer = mailers.default
    try:
        for rang, relance in enumerate(a_envoyer):
            if timezone.now() >= renouveler_le:
                with tenant_context(organisation):
                    _prolonger(relance_ids=[r.pk for r in a_envoyer[rang:]], jeton=jeton_lot)
                renouveler_le = timezone.now() + bail() / 2
            if relance in prise.reprises:
                with tenant_context(organisation):
                    if not relance_reprendre(relance=relance, jeton=jeton_lot):
                        continue
            with tenant_context(organisation):
                resultats[relance.pk] = relance_envoyer(
                    organisation=organisation, relance=relance, jeton=jeton_lot, mailer=mailer
                )
    finally:
        mailer.close()
    return resultats
