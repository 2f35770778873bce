"""Reads of the outbox (bound organisation). No domain import: a row is found by its own
fields, and the dossiers offered to the preview come through the row's ``bilan`` relation."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Protocol, cast

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from bilan.core.models import Membership, Organisation, Role
from bilan.core.tenancy import get_for_organisation
from relances.models import Relance

FILTRES = {
    "a_venir": "À venir",
    "dues": "Dues",
    "envoyees": "Envoyées",
    "echec": "En échec",
    "annulees": "Annulées",
}
APERCU_DOSSIERS = 200


class Dossier(Protocol):
    """A bilan as the outbox sees it: the engine imports no app (``relances.models``)."""

    pk: Any
    public_id: uuid.UUID


def bilan_relances_lister(*, bilan_id: int) -> QuerySet[Relance]:
    """The dossier's planned and past reminders, surveys and alerts, by due time."""
    return Relance.objects.filter(bilan_id=bilan_id).order_by("due_le", "pk")


# The history tabs (sent, failed, cancelled) show this window: counting or paging the whole
# history scanned every sent row on each load of the page (issue 16).
FENETRE_HISTORIQUE = dt.timedelta(days=90)
HISTORIQUE = ("envoyees", "echec", "annulees")


def _conditions(maintenant: dt.datetime) -> dict[str, Q]:
    depuis = maintenant - FENETRE_HISTORIQUE
    return {
        "a_venir": Q(statut=Relance.Statut.A_ENVOYER, due_le__gt=maintenant),
        "dues": Q(statut=Relance.Statut.A_ENVOYER, due_le__lte=maintenant)
        | Q(statut=Relance.Statut.EN_COURS),
        "envoyees": Q(statut=Relance.Statut.ENVOYEE, updated_at__gte=depuis),
        "echec": Q(statut=Relance.Statut.ECHEC, updated_at__gte=depuis),
        "annulees": Q(statut=Relance.Statut.ANNULEE, updated_at__gte=depuis),
    }


def relances_lister(*, filtre: str = "a_venir") -> QuerySet[Relance]:
    """The outbox rows of one tab; the history tabs cover ``FENETRE_HISTORIQUE``."""
    conditions = _conditions(timezone.now())
    # Fetched for the page's rows (two queries by primary key), not joined: the join hashed
    # every séance of the organisation (52 000 in the benchmark, 64 ms) for a page of 50,
    # PostgreSQL not knowing the row-level security's organisation when planning (issue 16).
    qs = Relance.objects.prefetch_related("bilan", "seance")
    qs = qs.filter(conditions.get(filtre, conditions["a_venir"]))
    if filtre in HISTORIQUE:
        return qs.order_by("-updated_at", "-pk")
    return qs.order_by("due_le", "pk")


def relances_compter() -> dict[str, int]:
    """Every tab's count in one aggregated query over the open rows and the window."""
    conditions = _conditions(timezone.now())
    perimetre = Q()
    for condition in conditions.values():
        perimetre |= condition
    return Relance.objects.filter(perimetre).aggregate(
        **{filtre: Count("pk", filter=condition) for filtre, condition in conditions.items()}
    )


def relance_obtenir(*, organisation: Organisation, public_id: uuid.UUID) -> Relance:
    return get_for_organisation(Relance, organisation=organisation, public_id=public_id)


def admins_emails_lister(*, organisation: Organisation) -> list[str]:
    """The e-mail of every active administrator of ``organisation``, in a stable order: the
    recipients of organisation-level alerts."""
    return list(
        Membership.objects.filter(
            organisation=organisation, role=Role.ADMIN, is_active=True, user__is_active=True
        )
        .order_by("pk")
        .values_list("user__email", flat=True)
    )


def _dossiers() -> QuerySet[models.Model]:
    # The model a row's ``bilan`` points to, resolved from the relation: no domain import.
    modele = Relance._meta.get_field("bilan").related_model
    return modele._default_manager.select_related("beneficiaire")


def dossiers_apercu_lister() -> list[Dossier]:
    """The bound organisation's latest dossiers, offered to render a preview with."""
    return cast(list[Dossier], list(_dossiers().order_by("-created_at")[:APERCU_DOSSIERS]))


def dossier_apercu_obtenir(*, public_id: uuid.UUID) -> Dossier | None:
    return cast(Dossier | None, _dossiers().filter(public_id=public_id).first())
