"""Tenancy at the ORM level: fail closed when no organisation is bound.

The active organisation lives in a context variable. ``TenantOwned.objects`` refuses to build a
query without one and filters on it otherwise. The only way around it is ``Model.unscoped``:
grep for that name to find every place that deliberately reads across organisations.
"""

from __future__ import annotations

import contextlib
import uuid
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .models import Organisation

_active_organisation: ContextVar[Organisation | None] = ContextVar(
    "bilan_active_organisation", default=None
)


class TenantNotBoundError(RuntimeError):
    """Raised when tenant-owned data is queried with no active organisation."""


def get_active_organisation() -> Organisation | None:
    return _active_organisation.get()


@contextlib.contextmanager
def tenant_context(organisation: Organisation) -> Iterator[Organisation]:
    """Bind ``organisation`` for the duration of the block (requests, tasks, commands)."""
    if organisation is None:
        raise TenantNotBoundError("tenant_context() exige une organisation.")
    token = _active_organisation.set(organisation)
    try:
        yield organisation
    finally:
        _active_organisation.reset(token)


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of tenant-owned models: scoped to the active organisation, or raises."""

    def get_queryset(self) -> TenantQuerySet:
        organisation = get_active_organisation()
        if organisation is None:
            raise TenantNotBoundError(
                f"{self.model.__name__}: aucune organisation active. Utilisez tenant_context()."
            )
        return super().get_queryset().filter(organisation_id=organisation.pk)


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
    unscoped = models.Manager()  # noqa: DJ012

    class Meta:
        abstract = True


M = TypeVar("M", bound=TenantOwned)


def get_for_organisation[M: TenantOwned](
    model: type[M], *, organisation: Organisation, public_id: uuid.UUID | str, queryset=None
) -> M:
    """Fetch one tenant-owned object by public id, or 404 if it belongs elsewhere or not at all."""
    active = get_active_organisation()
    if active is None or active.pk != organisation.pk:
        raise Http404
    qs = queryset if queryset is not None else model.objects.all()
    try:
        obj = qs.get(organisation_id=organisation.pk, public_id=public_id)
    except (model.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    # Belt and braces: the manager already filtered, the accessor asserts it again.
    if obj.organisation_id != organisation.pk:
        raise Http404
    return obj
