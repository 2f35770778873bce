"""Thin tasks: ids in, bind the organisation, call a service (``relances.services``)."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from bilan.core.tasks import run_alone_for_each_organisation
from relances.services import Resultat, relances_balayage, relances_envoyer_lot, relances_reclamer


@shared_task(
    name="relances.tasks.envoyer_relance",
    acks_late=True,
    reject_on_worker_lost=True,
    # A message older than its claim's lease is useless: the row is claimed again with a new
    # token, and the worker drops the stale message without touching the database.
    expires=settings.RELANCES_BAIL_SECONDES,
    time_limit=120,
    soft_time_limit=90,
)
def envoyer_relance(organisation_id: int, relance_id: int, jeton: str | None = None) -> str:
    """Send one claimed outbox row: a batch of one (``relances.services.relances_envoyer_lot``:
    the attempt counted and committed, then sent under the row lock and marked sent).
    Idempotent: both re-check the lease. No Celery retry: after a network error the row rests
    until its backoff ends and the dispatcher takes it again."""
    return relances_envoyer_lot(
        organisation_id=organisation_id, relance_ids=[relance_id], jeton=jeton
    )[relance_id]


@shared_task(
    name="relances.tasks.envoyer_lot",
    acks_late=True,
    reject_on_worker_lost=True,
    # As for one row: a message older than its claim's lease is dropped (the rows are claimed
    # again with a new token, and a late message finds none of them under its own).
    expires=settings.RELANCES_BAIL_SECONDES,
    time_limit=300,
    soft_time_limit=240,
)
def envoyer_lot(organisation_id: int, relance_ids: list[int], jeton: str) -> int:
    """Send a claimed batch: one transaction takes it, then one per row sends it, over one
    mail-server session (``relances.services.relances_envoyer_lot``). Returns the rows sent."""
    resultats = relances_envoyer_lot(
        organisation_id=organisation_id, relance_ids=relance_ids, jeton=jeton
    )
    return sum(resultat == Resultat.ENVOYEE for resultat in resultats.values())


@shared_task(
    name="relances.tasks.dispatcher_relances",
    acks_late=True,
    time_limit=300,
    soft_time_limit=240,
    expires=25,
)
def dispatcher_relances() -> int:
    """Beat, every 30 seconds: claim due rows and hand each to ``envoyer_relance``."""
    return relances_reclamer(maintenant=timezone.now())


@shared_task(
    name="relances.tasks.balayage_quotidien", acks_late=True, time_limit=600, soft_time_limit=540
)
def balayage_quotidien() -> dict[int, int]:
    """Daily: plan the reminders that depend on the calendar (idempotent by key), one run at a time
    per organisation even when beat is duplicated."""
    maintenant = timezone.now()
    return run_alone_for_each_organisation(
        "relances.balayage_quotidien",
        lambda organisation: relances_balayage(organisation=organisation, maintenant=maintenant),
    )
