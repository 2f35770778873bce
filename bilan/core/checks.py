"""System checks guarding the tenancy conventions."""

from django.apps import apps
from django.core.checks import Error, register

from .tenancy import TenantManager, TenantOwned


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
