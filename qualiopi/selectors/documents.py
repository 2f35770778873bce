"""Reads of the organisation documents: current versions, versions in force in a window,
acknowledgements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet

from beneficiaires.models import Beneficiaire
from qualiopi.models.documents import AccuseLecture, DocumentVersion, KindDocument


def versions_lister() -> QuerySet[DocumentVersion]:
    return DocumentVersion.objects.select_related("depose_par").order_by("kind", "-numero")


def versions_courantes(*, kinds: Iterable[str] | None = None) -> dict[str, DocumentVersion]:
    """The current (latest) version of each kind that has one, in the bound organisation."""
    kinds = list(kinds) if kinds is not None else list(KindDocument.values)
    courantes: dict[str, DocumentVersion] = {}
    for version in versions_lister().filter(kind__in=kinds):
        courantes.setdefault(version.kind, version)
    return {kind: courantes[kind] for kind in kinds if kind in courantes}


def versions_en_vigueur(
    *, kinds: Iterable[str], debut: dt.date, fin: dt.date
) -> list[DocumentVersion]:
    """Versions in force at some point of [debut, fin]: those whose effective date falls in
    the window, and the one in force when it opened."""
    resultat: list[DocumentVersion] = []
    for kind in kinds:
        versions = list(
            DocumentVersion.objects.filter(kind=kind).order_by("en_vigueur_le", "numero")
        )
        for index, version in enumerate(versions):
            suivante = versions[index + 1].en_vigueur_le if index + 1 < len(versions) else None
            if version.en_vigueur_le <= fin and (suivante is None or suivante > debut):
                resultat.append(version)
    return resultat


def documents_portail(
    *, beneficiaire: Beneficiaire
) -> list[tuple[DocumentVersion, AccuseLecture | None]]:
    """The current versions the portal shows, each with the beneficiary's acknowledgement of
    that very version (None: to read)."""
    courantes = versions_courantes(kinds=KindDocument.pour_beneficiaires())
    accuses = {
        a.version_id: a
        for a in AccuseLecture.objects.filter(
            beneficiaire=beneficiaire, version__in=list(courantes.values())
        )
    }
    return [(v, accuses.get(v.pk)) for v in courantes.values()]


def accuses_lister() -> QuerySet[AccuseLecture]:
    return AccuseLecture.objects.select_related("version", "beneficiaire").order_by(
        "version__kind", "-version__numero", "lu_le"
    )
