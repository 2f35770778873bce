"""The fail-closed scope under every tenant-owned model (below ``bilan.core.models``).

It holds the active organisation (a context variable), the abstract ``TenantOwned`` base and its
``TenantManager``, and nothing that needs the ``Organisation`` model class: ``bilan.core.models``
builds on it, and ``bilan.core.tenancy`` (which binds organisations and knows their model) builds
on both, so the two never import each other.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models.manager import Manager


class TenantNotBoundError(RuntimeError):
    """Raised when tenant-owned data is queried with no active organisation."""


# The bound organisation (an ``Organisation`` instance; typed as a model here because this
# module sits below the models). ``bilan.core.tenancy`` alone sets it and reads it back typed.
active_organisation: ContextVar[models.Model | None] = ContextVar(
    "bilan_active_organisation", default=None
)


def active_organisation_pk() -> Any | None:
    """The primary key of the bound organisation, or None."""
    organisation = active_organisation.get()
    return None if organisation is None else organisation.pk


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    """Default manager of tenant-owned models: scoped to the active organisation, or raises."""

    def get_queryset(self) -> TenantQuerySet:
        organisation_pk = active_organisation_pk()
        if organisation_pk is None:
            raise TenantNotBoundError(
                f"{self.model.__name__}: aucune organisation active. Utilisez tenant_context()."
            )
        return super().get_queryset().filter(organisation_id=organisation_pk)


class TenantOwned(models.Model):
    """Base of every table that belongs to one organisation."""

    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisme"),
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = TenantManager()
    # The escape hatch: reads across organisations. Ops, Django admin and tenancy code only.
    unscoped: Manager[Any] = models.Manager()  # noqa: DJ012

    class Meta:
        abstract = True
