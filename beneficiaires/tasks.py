"""Scheduled work of the dossiers. Thin: bind each organisation in turn, call the service."""

from celery import shared_task
from django.utils import timezone

from beneficiaires.services.bilans import bilans_refuser_conventions_expirees
from bilan.core.tenancy import for_each_organisation


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def refuser_conventions_expirees() -> dict:
    """R6313-8: a tripartite convention left unsigned by the employee for 10 days is refused.
    Idempotent: an already refused bilan is no longer a candidate."""
    aujourdhui = timezone.localdate()
    return for_each_organisation(
        lambda organisation: bilans_refuser_conventions_expirees(aujourdhui=aujourdhui)
    )
