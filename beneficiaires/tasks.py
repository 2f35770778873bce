"""Scheduled work of the dossiers. Thin: bind each organisation in turn, call the service."""

from celery import shared_task
from django.utils import timezone

from beneficiaires.services.bilans import bilans_refuser_conventions_expirees
from bilan.core.tasks import run_alone_for_each_organisation


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def refuser_conventions_expirees() -> dict:
    """R6313-8: a tripartite convention left unsigned by the employee for 10 days is refused.
    Idempotent: an already refused bilan is no longer a candidate. One run at a
    time per organisation when beat is duplicated: a second run waits, then finds nothing."""
    aujourdhui = timezone.localdate()
    return run_alone_for_each_organisation(
        "beneficiaires.refuser_conventions_expirees",
        lambda organisation: bilans_refuser_conventions_expirees(aujourdhui=aujourdhui),
    )
