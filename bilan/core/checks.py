"""System checks guarding the tenancy conventions."""

from django.apps import apps
from django.core.checks import Error, Tags, register
from django.db import connections

from bilan.core.tenancy import TenantManager, TenantOwned


@register()
def tenant_models_fail_closed(app_configs=None, **kwargs):
    """Every tenant-owned model must keep the fail-closed manager as its default manager."""
    errors = []
    for model in apps.get_models():
        if issubclass(model, TenantOwned) and not isinstance(model._default_manager, TenantManager):
            errors.append(
                Error(
                    f"{model._meta.label}: le gestionnaire par défaut doit être TenantManager.",
                    hint="Ne redéfinissez pas « objects » sur un modèle TenantOwned.",
                    obj=model,
                    id="bilan.E001",
                )
            )
    return errors


@register(Tags.database)
def tenant_tables_protected(app_configs=None, databases=None, **kwargs):
    """With ``check --database default``: every tenant table has its policy and composite keys."""
    from bilan.core.rls import protection_problems

    errors = []
    for alias in databases or []:
        for problem in protection_problems(connections[alias]):
            errors.append(Error(problem, id="bilan.E002"))
    return errors
