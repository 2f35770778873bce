"""Thin tasks: ids in, bind the organisation, call a service (``relances.services``)."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from bilan.core.tasks import run_alone_for_each_organisation, run_for_organisation
from relances.services import (
    Resultat,
    relance_envoyer,
    relance_prendre,
    relances_balayage,
    relances_envoyer_lot,
    relances_reclamer,
)


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
    """Send one claimed outbox row, in two transactions: take the lease and count the attempt
    (committed), then send under the row lock and mark sent. Idempotent: both re-check the
    lease under the lock. No Celery retry: after a network error the row rests until its
    backoff ends and the dispatcher takes it again (relances.services)."""
    resultat = run_for_organisation(
        organisation_id, relance_prendre, relance_id=relance_id, jeton=jeton
    )
    if resultat != Resultat.PRISE:
        return resultat
    return run_for_organisation(
        organisation_id, relance_envoyer, relance_id=relance_id, jeton=jeton
    )


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
    """Send a claimed batch, row by row with the one-row transactions, over one mail-server
    session (``relances.services.relances_envoyer_lot``). Returns the number of rows sent."""
    return relances_envoyer_lot(
        organisation_id=organisation_id, relance_ids=relance_ids, jeton=jeton
    )


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
