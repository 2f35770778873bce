"""How Celery tasks enter a tenant. Tasks stay thin: ids in, bind, call a service."""

from collections.abc import Callable

from bilan.core.models import Organisation
from bilan.core.tenancy import tenant_context


def run_for_organisation[T](organisation_id: int, job: Callable[..., T], /, **kwargs) -> T:
    """Load the organisation a task received, bind it (ORM scope and PostgreSQL row-level
    security, in one transaction) and run ``job(organisation=..., **kwargs)`` inside."""
    organisation = Organisation.objects.get(pk=organisation_id, is_active=True)
    with tenant_context(organisation):
        return job(organisation=organisation, **kwargs)
