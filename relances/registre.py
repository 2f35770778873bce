"""The outbox's registry: which kinds of row exist and how each is rendered and re-checked.

The engine (``relances.services``) knows rows, due times, keys, claiming and sending; it knows no
kind. Each app declares its own kinds in ``<app>/relances.py``, imported once at app ready by
``RelancesConfig.ready()`` (``autodiscover_modules("relances")``), Django admin's convention::

    registre.register(TypeRelance(kind=Relance.Kind.X, template="x", contexte=..., ...))
    registre.register_balayage(mon_balayage)  # the daily sweep's share of the app

``grep register`` finds every registration. A kind must be one of the ``kind`` field's choices
(the stored catalogue); planning or sending a kind nobody registered fails loudly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from bilan.core.models import Organisation
from relances.models import Relance


class KindInconnu(LookupError):
    """A kind no app registered: a programming error, never a user's."""


class Contexte(Protocol):
    """What the kind's e-mail template may show, besides the engine's common keys. Names,
    dates and links only: never notes, objectives or content. ``apercu``: an unsaved row shown
    on the preview page, which must carry no real bearer link."""

    def __call__(self, *, relance: Relance, apercu: bool) -> dict[str, object]: ...


class Pertinence(Protocol):
    """Re-checked at send time, row locked: does the reason for the row still hold?"""

    def __call__(self, *, relance: Relance, maintenant: dt.datetime) -> bool: ...


class ApresEnvoi(Protocol):
    """Run in the sending transaction once the message has left (e.g. note the send date)."""

    def __call__(self, *, relance: Relance, maintenant: dt.datetime) -> None: ...


class Apercu(Protocol):
    """Complete an unsaved preview row about a real dossier (e.g. attach its last séance)."""

    def __call__(self, *, relance: Relance) -> None: ...


class Balayage(Protocol):
    """An app's share of the daily sweep: plan the rows that depend on the calendar rather than
    on an event, for the bound ``organisation``. Idempotent by key; returns the rows planned."""

    def __call__(self, *, organisation: Organisation, maintenant: dt.datetime) -> int: ...


class TacheEnvoi(Protocol):
    """The Celery task that sends a batch of claimed rows (``relances.tasks.envoyer_lot``)."""

    def delay(self, organisation_id: int, relance_ids: list[int], jeton: str) -> object: ...


def toujours_pertinente(*, relance: Relance, maintenant: dt.datetime) -> bool:
    """For kinds whose reason cannot lapse (a date announced, a certificate expiring)."""
    return True


@dataclass(frozen=True, kw_only=True)
class TypeRelance:
    """One kind of outbox row, declared by the app that owns it."""

    kind: str
    template: str  # e-mail template base name: templates/emails/<template>-subject.txt, …
    contexte: Contexte
    pertinente: Pertinence
    apres_envoi: ApresEnvoi | None = None
    apercu: Apercu | None = None

    @property
    def label(self) -> str:
        return str(_catalogue()[self.kind])


def _catalogue() -> dict[str, object]:
    """The kinds a row may store (the model field's choices) and their labels."""
    return dict(Relance._meta.get_field("kind").flatchoices)


class Registre:
    def __init__(self) -> None:
        self._types: dict[str, TypeRelance] = {}
        self._balayages: list[Balayage] = []
        self._tache_envoi: TacheEnvoi | None = None

    def register(self, *types: TypeRelance) -> None:
        catalogue = _catalogue()
        for type_relance in types:
            if type_relance.kind not in catalogue:
                raise ImproperlyConfigured(
                    f"Relance kind {type_relance.kind!r} is not one of Relance.kind's choices."
                )
            if type_relance.kind in self._types:
                raise ImproperlyConfigured(f"Relance kind {type_relance.kind!r} registered twice.")
            self._types[type_relance.kind] = type_relance

    def register_balayage(self, balayage: Balayage) -> None:
        self._balayages.append(balayage)

    def register_tache_envoi(self, tache: TacheEnvoi) -> None:
        # The services hand claimed rows to this task; they cannot import it (the task module
        # imports them), so the outbox's own ``relances/relances.py`` registers it at ready.
        self._tache_envoi = tache

    def type_de(self, kind: str) -> TypeRelance:
        try:
            return self._types[kind]
        except KeyError:
            raise KindInconnu(f"Aucun type de relance {kind!r} n'est enregistré.") from None

    def __contains__(self, kind: object) -> bool:
        return kind in self._types

    def __iter__(self) -> Iterator[TypeRelance]:
        """Registered kinds, in the order of the model's choices (stable for pages)."""
        ordre = list(_catalogue())
        return iter(sorted(self._types.values(), key=lambda t: ordre.index(t.kind)))

    def choices(self) -> list[tuple[str, str]]:
        return [(t.kind, t.label) for t in self]

    def balayages(self) -> tuple[Balayage, ...]:
        return tuple(self._balayages)

    def tache_envoi(self) -> TacheEnvoi:
        if self._tache_envoi is None:
            raise ImproperlyConfigured("No send task registered (relances/relances.py).")
        return self._tache_envoi


registre = Registre()
