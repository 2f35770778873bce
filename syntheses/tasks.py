"""Scheduled work of the syntheses. Thin: bind each organisation in turn, call the service."""

from celery import shared_task
from django.utils import timezone

from bilan.core.tasks import run_alone_for_each_organisation
from syntheses.services.retention import organisation_purger


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def purger_bilans_clos() -> dict:
    """R6313-7: destroy the work documents of ended bilans whose purge date has come, and the
    kept items whose 3-year exception has expired. Idempotent (a purged bilan has nothing left
    to destroy), and one run at a time per organisation when beat is duplicated (a second run
    waits, then finds nothing left). Returns the number of Purge rows written per organisation id.

    Suggested beat entry (settings): ``"purger-bilans-clos": {"task":
    "syntheses.tasks.purger_bilans_clos", "schedule": crontab(hour=3, minute=30)}``.
    """
    aujourdhui = timezone.localdate()
    return run_alone_for_each_organisation(
        "syntheses.purger_bilans_clos",
        lambda organisation: organisation_purger(organisation=organisation, aujourdhui=aujourdhui),
    )
