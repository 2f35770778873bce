"""Reads of the evidence store (rule 15): the schedule and what the store holds per kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from bilan.core.models import Organisation
from qualiopi.conservation import PLANCHERS_ANS, REGLES_DEFAUT, Regle
from qualiopi.models import NaturePreuve, PiecePreuve, PointDepart, RegleConservation


def regles_lire(*, organisation: Organisation) -> dict[str, Regle]:
    """The organisation's schedule: its own rows over the defaults, for every kind."""
    regles = dict(REGLES_DEFAUT)
    for ligne in RegleConservation.objects.filter(organisation_id=organisation.pk):
        regles[ligne.nature] = Regle(ligne.nature, ligne.duree_ans, ligne.point_depart)
    return regles


@dataclass(frozen=True)
class LigneRegistre:
    nature: str
    libelle: str
    duree_ans: int
    point_depart: str
    point_depart_libelle: str
    plancher_ans: int
    conservees: int
    en_cours: int
    detruites: int
    prochaine_destruction: dt.date | None
    derniere_destruction: dt.datetime | None


def registre_preuves_resumer(*, organisation: Organisation) -> list[LigneRegistre]:
    """Per kind: the schedule in force and the store's counts (kept, waiting for the end of
    their bilan, destroyed), with the next and the last destruction."""
    regles = regles_lire(organisation=organisation)
    comptes = {
        ligne["nature"]: ligne
        for ligne in PiecePreuve.objects.filter(organisation_id=organisation.pk)
        .values("nature")
        .annotate(
            conservees=Count("pk", filter=Q(purgee_le__isnull=True)),
            en_cours=Count("pk", filter=Q(purgee_le__isnull=True, conserver_jusqu_au__isnull=True)),
            detruites=Count("pk", filter=Q(purgee_le__isnull=False)),
            prochaine=Min(
                "conserver_jusqu_au",
                filter=Q(purgee_le__isnull=True, conserver_jusqu_au__isnull=False),
            ),
            derniere=Max("purgee_le"),
        )
    }
    lignes = []
    for nature, libelle in NaturePreuve.choices:
        regle = regles[nature]
        c = comptes.get(nature, {})
        prochaine = c.get("prochaine")
        lignes.append(
            LigneRegistre(
                nature=nature,
                libelle=str(libelle),
                duree_ans=regle.duree_ans,
                point_depart=regle.point_depart,
                point_depart_libelle=str(PointDepart(regle.point_depart).label),
                plancher_ans=PLANCHERS_ANS.get(nature, 1),
                conservees=c.get("conservees", 0),
                en_cours=c.get("en_cours", 0),
                detruites=c.get("detruites", 0),
                prochaine_destruction=(
                    prochaine + dt.timedelta(days=1) if prochaine is not None else None
                ),
                derniere_destruction=(
                    timezone.localtime(c["derniere"]) if c.get("derniere") else None
                ),
            )
        )
    return lignes
