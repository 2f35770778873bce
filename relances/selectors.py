"""Reads of the outbox (bound organisation)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from beneficiaires.models import Bilan
from bilan.core.models import Organisation
from bilan.core.tenancy import get_for_organisation
from relances.models import Relance

FILTRES = {
    "a_venir": "À venir",
    "dues": "Dues",
    "envoyees": "Envoyées",
    "echec": "En échec",
    "annulees": "Annulées",
}


def relances_du_bilan(*, bilan: Bilan) -> QuerySet[Relance]:
    """The dossier's planned and past reminders, surveys and alerts, by due time."""
    return Relance.objects.filter(bilan_id=bilan.pk).order_by("due_le", "pk")


def relances_outbox(*, filtre: str = "a_venir") -> QuerySet[Relance]:
    maintenant = timezone.now()
    qs = Relance.objects.select_related("bilan", "seance")
    conditions = {
        "a_venir": Q(statut=Relance.Statut.A_ENVOYER, due_le__gt=maintenant),
        "dues": Q(statut=Relance.Statut.A_ENVOYER, due_le__lte=maintenant)
        | Q(statut=Relance.Statut.EN_COURS),
        "envoyees": Q(statut=Relance.Statut.ENVOYEE),
        "echec": Q(statut=Relance.Statut.ECHEC),
        "annulees": Q(statut=Relance.Statut.ANNULEE),
    }
    qs = qs.filter(conditions.get(filtre, conditions["a_venir"]))
    if filtre in ("envoyees", "echec", "annulees"):
        return qs.order_by("-updated_at", "-pk")
    return qs.order_by("due_le", "pk")


def relances_compteurs() -> dict[str, int]:
    return {filtre: relances_outbox(filtre=filtre).count() for filtre in FILTRES}


def relance_get(*, organisation: Organisation, public_id) -> Relance:
    return get_for_organisation(Relance, organisation=organisation, public_id=public_id)
