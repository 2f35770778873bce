"""Reads of the quality registers: settings, the complaints' acknowledgement deadline and
lateness (rule 30), lists for the pages and the evidence export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from bilan.core.dates import ajouter_jours_ouvres
from bilan.core.models import Organisation
from qualiopi.models.registres import (
    DELAI_ACCUSE_JOURS_DEFAUT,
    ActionAmelioration,
    AdaptationHandicap,
    Intervenant,
    ParametresQualite,
    PartenaireHandicap,
    PieceIntervenant,
    Reclamation,
    RetourPartiePrenante,
    VeilleEntree,
)


def delai_accuse_jours(*, organisation: Organisation) -> int:
    """The organisation's target acknowledgement delay (working days), default 2."""
    parametres = ParametresQualite.objects.filter(organisation=organisation).first()
    return parametres.delai_accuse_jours if parametres else DELAI_ACCUSE_JOURS_DEFAUT


def reclamation_echeance_accuse(*, reclamation: Reclamation, delai: int) -> dt.date:
    """Last day to acknowledge: ``delai`` working days after reception (French holidays)."""
    return ajouter_jours_ouvres(depart=reclamation.recue_le, jours=delai)


def reclamation_accuse_en_retard(
    *, reclamation: Reclamation, delai: int, aujourdhui: dt.date | None = None
) -> bool:
    """Acknowledged after the deadline, or still not acknowledged once it has passed."""
    echeance = reclamation_echeance_accuse(reclamation=reclamation, delai=delai)
    if reclamation.accuse_le is not None:
        return reclamation.accuse_le > echeance
    return (aujourdhui or timezone.localdate()) > echeance


@dataclass(frozen=True)
class LigneReclamation:
    reclamation: Reclamation
    echeance_accuse: dt.date
    en_retard: bool

    @property
    def etat(self) -> str:
        r = self.reclamation
        if r.cloture_le:
            return "close"
        if r.reponse_le:
            return "repondue"
        if r.accuse_le:
            return "accusee"
        return "recue"


def reclamations_lignes(
    *, organisation: Organisation, reclamations: QuerySet[Reclamation]
) -> list[LigneReclamation]:
    delai = delai_accuse_jours(organisation=organisation)
    aujourdhui = timezone.localdate()
    return [
        LigneReclamation(
            reclamation=r,
            echeance_accuse=reclamation_echeance_accuse(reclamation=r, delai=delai),
            en_retard=reclamation_accuse_en_retard(
                reclamation=r, delai=delai, aujourdhui=aujourdhui
            ),
        )
        for r in reclamations
    ]


def reclamations_lister() -> QuerySet[Reclamation]:
    return Reclamation.objects.select_related("beneficiaire", "bilan").prefetch_related("actions")


def actions_lister() -> QuerySet[ActionAmelioration]:
    return ActionAmelioration.objects.select_related("responsable", "reclamation", "retour")


def veille_lister() -> QuerySet[VeilleEntree]:
    return VeilleEntree.objects.select_related("action")


def intervenants_lister() -> QuerySet[Intervenant]:
    return Intervenant.objects.select_related("membre").prefetch_related("pieces")


def pieces_intervenants_lister() -> QuerySet[PieceIntervenant]:
    return PieceIntervenant.objects.select_related("intervenant", "intervenant__membre")


def partenaires_handicap_lister() -> QuerySet[PartenaireHandicap]:
    return PartenaireHandicap.objects.all()


def adaptations_handicap_lister() -> QuerySet[AdaptationHandicap]:
    return AdaptationHandicap.objects.select_related("partenaire")


def retours_lister() -> QuerySet[RetourPartiePrenante]:
    return RetourPartiePrenante.objects.prefetch_related("actions")
