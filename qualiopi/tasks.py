"""Thin tasks of the Qualiopi app: ids in, bind the organisation, call a service."""

from celery import shared_task
from django.utils import timezone

from bilan.core.tasks import run_alone_for_each_organisation
from qualiopi.services.export import NOM_TACHE, export_construire, exports_expirer


@shared_task(
    name=NOM_TACHE,
    acks_late=True,
    reject_on_worker_lost=True,
    # 1 000 dossiers with their PDFs take minutes; a build never runs twice (the row is claimed).
    time_limit=3600,
    soft_time_limit=3500,
)
def construire_export(organisation_id: int, export_id: int) -> str:
    """Build one requested evidence archive. The service binds the organisation for each of
    its short transactions itself (the progress must be committed while the build runs), so
    this task does not wrap it in ``run_for_organisation``. Idempotent: a redelivered message
    finds the row already taken."""
    return export_construire(organisation_id=organisation_id, export_id=export_id)


@shared_task(name="qualiopi.tasks.expirer_exports", acks_late=True, time_limit=300)
def expirer_exports() -> dict[int, int]:
    """Beat, hourly: delete the archives whose expiry has come, organisation by organisation,
    one run at a time per organisation."""
    maintenant = timezone.now()
    return run_alone_for_each_organisation(
        "qualiopi.expirer_exports",
        lambda organisation: exports_expirer(organisation=organisation, maintenant=maintenant),
    )
