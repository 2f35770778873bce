"""Reads of the evidence export: the dossiers in scope of an audit window, the sample drawn
from them, and the organisation's past exports."""

from __future__ import annotations

import random
import uuid
from datetime import date

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from beneficiaires.models import Bilan, StatutBilan
from bilan.core.models import Organisation
from bilan.core.tenancy import get_for_organisation
from qualiopi.models import ExportQualiopi

# A bilan is a dossier of the audit once it has started: before that it is a request.
STATUTS_DOSSIER = (
    StatutBilan.EN_COURS,
    StatutBilan.SYNTHESE_REMISE,
    StatutBilan.CLOS,
    StatutBilan.ABANDONNE,
)


def bilans_du_perimetre(*, debut: date, fin: date) -> QuerySet[Bilan]:
    """The bound organisation's bilans that overlap [debut, fin]: started (real date, else the
    planned one) on or before ``fin`` and not ended before ``debut``. Ordered by number."""
    return (
        Bilan.objects.filter(statut__in=STATUTS_DOSSIER)
        .annotate(debut_effectif=Coalesce("date_debut_reelle", "date_debut_prevue"))
        .filter(debut_effectif__lte=fin)
        .filter(Q(termine_le__isnull=True) | Q(termine_le__gte=debut))
        .order_by("numero", "pk")
    )


def echantillon_tirer(*, ids: list[int], taille: int, graine: int) -> list[int]:
    """``taille`` ids drawn from ``ids`` with ``graine``: the same seed on the same dossiers
    draws the same sample (the auditor can check it)."""
    candidats = sorted(ids)
    if taille >= len(candidats):
        return candidats
    return sorted(random.Random(graine).sample(candidats, taille))  # noqa: S311  (not secret)


def exports_lister(*, limite: int = 20) -> QuerySet[ExportQualiopi]:
    """The bound organisation's exports, newest first."""
    return ExportQualiopi.objects.select_related("demande_par").order_by("-created_at", "-pk")[
        :limite
    ]


def export_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> ExportQualiopi:
    """One export of the bound organisation by public id, or 404."""
    return get_for_organisation(ExportQualiopi, organisation=organisation, public_id=public_id)
