"""Writes of the outbox: planning rows from events, the dispatcher, and sending one row.

Exactly once, with several workers, redeliveries, crashes and duplicate beat ticks:

1. **Planning** is an upsert on ``(organisation, cle_unique)``: the same event never makes two
   rows; a moved event moves the pending row's ``due_le``; a cancelled one cancels it. Always in
   the caller's transaction (the hooks run inside the event's service).
2. **Claiming** (``relances_reclamer``): per organisation, ``SELECT … FOR UPDATE SKIP LOCKED``
   on due rows, then ``statut = en_cours, reclamee_le = maintenant`` in the same transaction, so
   two dispatchers never claim the same row. Rows stuck ``en_cours`` longer than
   ``RECLAMER_APRES`` (a worker killed mid-task, a lost message) are claimed again.
3. **Handing over** happens after the commit (``on_commit``): one Celery task per row. When the
   broker is down, the rows not handed over go back to ``a_envoyer``, the run stops there (no
   claiming them again in a loop) and they wait for the next tick; the web app never notices (no
   web request publishes a task: it only writes rows).
4. **Sending** (``relance_envoyer``, in the task, organisation bound): the row is locked and must
   still be ``en_cours``; it is re-checked against the world (séance still planned, survey not
   answered…), sent, and marked ``envoyee`` in the same transaction. A redelivered or duplicate
   task finds ``envoyee`` (or a row back to ``a_envoyer``) and does nothing.

The one window no database can close: a worker killed after the mail server accepted the message
and before the COMMIT. The row is then reclaimed and sent a second time (at least once there).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import smtplib
import uuid
import zoneinfo
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
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

RECLAMER_APRES = dt.timedelta(minutes=15)  # > the send task's hard time limit (2 min) + retries
MAX_TENTATIVES = 5


class ErreurReseau(ConnectionError):
    """The mail server could not be reached: the task retries with backoff."""


class Resultat(enum.StrEnum):
    """What sending one row did (the send task's return value)."""

    ENVOYEE = "envoyee"
    IGNOREE = "ignoree"  # already sent, cancelled or released: a duplicate or late delivery
    ANNULEE = "annulee"  # no longer relevant at send time
    A_REESSAYER = "a_reessayer"
    ECHEC = "echec"


# Errors worth a retry: the network or the mail server, not our data or templates.
ERREURS_RESEAU = (ConnectionError, TimeoutError, smtplib.SMTPException, OSError)
# The broker refusing a hand-over: the rows wait for the next tick.
ERREURS_COURTIER = (ConnectionError, TimeoutError, OSError, OperationalError, RedisError)


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


def _reclamer_lot(*, maintenant: dt.datetime, lot: int) -> list[int]:
    """Claim up to ``lot`` due rows of the bound organisation (same transaction as the caller):
    due and pending, or stuck ``en_cours`` since before ``maintenant - RECLAMER_APRES``."""
    dues = Q(statut=S.A_ENVOYER, due_le__lte=maintenant) | Q(
        statut=S.EN_COURS, reclamee_le__lt=maintenant - RECLAMER_APRES
    )
    ids = list(
        Relance.objects.filter(dues)
        .order_by("due_le", "pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:lot]
    )
    if ids:
        Relance.objects.filter(pk__in=ids).update(
            statut=S.EN_COURS, reclamee_le=maintenant, updated_at=timezone.now()
        )
    return ids


def _liberer(*, organisation_id: int, ids: list[int], maintenant: dt.datetime) -> None:
    """Rows claimed but never handed to the broker go back to the queue."""
    organisation = Organisation.objects.get(pk=organisation_id)
    with tenant_context(organisation):
        Relance.objects.filter(pk__in=ids, statut=S.EN_COURS, reclamee_le=maintenant).update(
            statut=S.A_ENVOYER, reclamee_le=None, updated_at=timezone.now()
        )


def _publier(
    organisation_id: int, ids: list[int], maintenant: dt.datetime, refusees: list[int]
) -> None:
    """After the claim commits: one task per row (``delay_on_commit`` semantics). If the broker
    is unreachable, what was not handed over is released and waits for the next tick; the
    released ids are added to ``refusees``, which stops this run (see ``relances_reclamer``)."""
    tache = registre.tache_envoi()
    for index, relance_id in enumerate(ids):
        try:
            tache.delay(organisation_id, relance_id)
        except ERREURS_COURTIER as exc:
            logger.warning(
                "Courtier injoignable, %d relance(s) attendront le prochain passage : %s",
                len(ids) - index,
                exc.__class__.__name__,
            )
            _liberer(organisation_id=organisation_id, ids=ids[index:], maintenant=maintenant)
            refusees.extend(ids[index:])
            return


def relances_reclamer(
    *, maintenant: dt.datetime | None = None, lot: int = 100, max_tours: int = 1000
) -> int:
    """Claim every due row, organisation by organisation, ``lot`` at a time (each batch its own
    short transaction, ``SELECT … FOR UPDATE SKIP LOCKED``), and hand each to the send task
    once that batch has committed. Returns the number of rows claimed. Safe to run twice at
    once (beat twice, two workers)."""
    quand = maintenant or timezone.now()
    total = 0
    refusees: list[int] = []
    for _tour in range(max_tours):

        def job(organisation: Organisation) -> int:
            ids = _reclamer_lot(maintenant=quand, lot=lot)
            if ids:
                transaction.on_commit(partial(_publier, organisation.pk, ids, quand, refusees))
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


def relance_envoyer(*, organisation: Organisation, relance_id: int) -> Resultat:
    """Send one claimed row exactly once (called by the task, organisation bound, in one
    transaction): lock, re-check (the kind's ``pertinente``), send, mark sent. Errors are
    recorded on the row; a network error answers ``A_REESSAYER`` (the task retries after this
    transaction has committed)."""
    relance = (
        Relance.objects.select_for_update(of=("self",))
        .select_related("organisation", "bilan", "seance")
        .filter(pk=relance_id)
        .first()
    )
    if relance is None or relance.statut != S.EN_COURS:
        return Resultat.IGNOREE
    type_relance = registre.type_de(relance.kind)
    maintenant = timezone.now()
    if not type_relance.pertinente(relance=relance, maintenant=maintenant):
        relance.statut = S.ANNULEE
        relance.save(update_fields=["statut", "updated_at"])
        return Resultat.ANNULEE
    relance.tentatives += 1
    try:
        subject, text, html = relance_rendre(relance=relance)
        send_rendered_email(
            to=relance.destinataire,
            subject=subject,
            text=text,
            html=html,
            organisation=organisation,
        )
    except ERREURS_RESEAU as exc:
        relance.derniere_erreur = f"{exc.__class__.__name__}: {exc}"[:2000]
        if relance.tentatives >= MAX_TENTATIVES:
            relance.statut = S.ECHEC
        relance.save(update_fields=["tentatives", "derniere_erreur", "statut", "updated_at"])
        return Resultat.ECHEC if relance.statut == S.ECHEC else Resultat.A_REESSAYER
    except Exception as exc:  # a bug or bad data: no retry, an admin looks at the outbox
        logger.exception("Relance %s non envoyée", relance.pk)
        relance.derniere_erreur = f"{exc.__class__.__name__}: {exc}"[:2000]
        relance.statut = S.ECHEC
        relance.save(update_fields=["tentatives", "derniere_erreur", "statut", "updated_at"])
        return Resultat.ECHEC
    relance.statut = S.ENVOYEE
    relance.envoyee_le = maintenant
    relance.derniere_erreur = ""
    relance.save(
        update_fields=["statut", "envoyee_le", "tentatives", "derniere_erreur", "updated_at"]
    )
    if type_relance.apres_envoi is not None:
        type_relance.apres_envoi(relance=relance, maintenant=maintenant)
    return Resultat.ENVOYEE
