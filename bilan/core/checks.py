"""System checks guarding the tenancy conventions.

Registered at import time (``@register``). ``bilan.core.models`` imports this module, so Django
loads it with the models, once the app registry is ready (the checks need model classes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import connections

from bilan.core.colonnes import colonnes_maintenues_problemes
from bilan.core.rls import protection_problems
from bilan.core.tenant_scope import TenantManager, TenantOwned


@register()
def tenant_models_fail_closed(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Every tenant-owned model must keep the fail-closed manager as its default manager."""
    errors: list[CheckMessage] = []
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
def tenant_tables_protected(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """With ``check --database default``: every tenant table has its policy and composite keys."""
    errors: list[CheckMessage] = []
    for alias in databases or []:
        for problem in protection_problems(connections[alias]):
            errors.append(Error(problem, id="bilan.E002"))
    return errors


@register(Tags.database)
def trigger_columns_reserved(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """With ``check --database default``: a column a trigger maintains (``colonnes_maintenues``)
    is not updatable by the application role, and every other column of its table is."""
    errors: list[CheckMessage] = []
    for alias in databases or []:
        for problem in colonnes_maintenues_problemes(connections[alias]):
            errors.append(Error(problem, id="bilan.E003"))
    return errors
