"""Thin tasks: ids in, bind the organisation, call a service (``relances.services``)."""

from celery import Task, shared_task
from django.utils import timezone

from bilan.core.tasks import run_for_organisation
from bilan.core.tenancy import for_each_organisation
from relances.services import (
    ErreurReseau,
    Resultat,
    relance_envoyer,
    relances_balayage,
    relances_reclamer,
)


@shared_task(
    bind=True,
    name="relances.tasks.envoyer_relance",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
    time_limit=120,
    soft_time_limit=90,
)
def envoyer_relance(self: Task, organisation_id: int, relance_id: int) -> str:
    """Send one claimed outbox row. Idempotent: the service re-checks the row under a lock."""
    resultat = run_for_organisation(organisation_id, relance_envoyer, relance_id=relance_id)
    # Raised after the transaction committed (the attempt and its error are recorded). In the
    # embedded in-process mode, no immediate retry loop: the dispatcher reclaims the row later.
    if resultat == Resultat.A_REESSAYER and not self.request.is_eager:
        raise ErreurReseau(f"relance {relance_id} : serveur de courriel injoignable")
    return resultat


@shared_task(
    name="relances.tasks.dispatcher_relances",
    acks_late=True,
    time_limit=300,
    soft_time_limit=240,
    expires=55,
)
def dispatcher_relances() -> int:
    """Beat, every minute: claim due rows and hand each to ``envoyer_relance``."""
    return relances_reclamer(maintenant=timezone.now())


@shared_task(
    name="relances.tasks.balayage_quotidien", acks_late=True, time_limit=600, soft_time_limit=540
)
def balayage_quotidien() -> dict[int, int]:
    """Daily: plan the reminders that depend on the calendar (idempotent by key)."""
    maintenant = timezone.now()
    return for_each_organisation(
        lambda organisation: relances_balayage(organisation=organisation, maintenant=maintenant)
    )
