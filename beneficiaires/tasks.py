"""Scheduled work of the dossiers. Thin: bind each organisation in turn, call the service."""

from celery import shared_task
from django.utils import timezone

from beneficiaires.services.bilans import bilans_refuser_conventions_expirees
from relances.services import tache_quotidienne_executer


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def refuser_conventions_expirees() -> dict:
    """R6313-8: a tripartite convention left unsigned by the employee for 10 days is refused.
    Idempotent: an already refused bilan is no longer a candidate. Once per day and
    organisation even when beat is duplicated (None: already done today)."""
    aujourdhui = timezone.localdate()
    return tache_quotidienne_executer(
        tache="beneficiaires.refuser_conventions_expirees",
        jour=aujourdhui,
        job=lambda organisation: bilans_refuser_conventions_expirees(aujourdhui=aujourdhui),
    )
