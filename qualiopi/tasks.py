"""Scheduled work of the Qualiopi app. Thin: bind each organisation in turn, call the service."""

from celery import shared_task
from django.utils import timezone

from bilan.core.tasks import run_alone_for_each_organisation
from qualiopi.services.conservation import preuves_purger


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def purger_preuves() -> dict:
    """Rule 15: destroy the administrative and quality evidence past the organisation's retention
    schedule (and index the new pieces first). Idempotent; one run at a time per organisation.
    Returns the number of pieces destroyed per organisation id."""
    aujourdhui = timezone.localdate()
    return run_alone_for_each_organisation(
        "qualiopi.purger_preuves",
        lambda organisation: preuves_purger(organisation=organisation, aujourdhui=aujourdhui),
    )
