"""How Celery tasks enter a tenant. Tasks stay thin: ids in, bind, call a service."""

from collections.abc import Callable

from django.db import connection

from bilan.core.models import Organisation
from bilan.core.tenancy import for_each_organisation, tenant_context


def run_for_organisation[T](organisation_id: int, job: Callable[..., T], /, **kwargs) -> T:
    """Load the organisation a task received, bind it (ORM scope and PostgreSQL row-level
    security, in one transaction) and run ``job(organisation=..., **kwargs)`` inside."""
    organisation = Organisation.objects.get(pk=organisation_id, is_active=True)
    with tenant_context(organisation):
        return job(organisation=organisation, **kwargs)


def run_alone_for_each_organisation[T](
    name: str, job: Callable[[Organisation], T], /
) -> dict[int, T]:
    """The daily tasks (purge, expired conventions, the outbox's sweep): ``for_each_organisation``,
    with one run at a time per task and organisation. Each organisation's transaction first takes
    the PostgreSQL advisory lock ``name:organisation`` (``pg_advisory_xact_lock``, released at
    its COMMIT or ROLLBACK, even when the worker dies): a second run (beat duplicated, a message
    redelivered) waits for the first to commit, then its job finds nothing left to do, since
    every daily job is idempotent on committed data."""

    def alone(organisation: Organisation) -> T:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    [f"{name}:{organisation.pk}"],
                )
        return job(organisation)

    return for_each_organisation(alone)
