"""Reads of guided personal work: each consigne with its submission state (staff and portal
lists), the personal-work séances still without a consigne, tenant-aware accessors (404
elsewhere). The writes are in ``seances.services.travail``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire, Bilan, TypeSeance
from bilan.core.models import Organisation
from bilan.core.tenancy import get_for_organisation
from seances.models import STATUTS_COMPTES, Consigne, Rendu, RenduFichier, Seance


class EtatConsigne(models.TextChoices):
    """Where a consigne stands for the beneficiary."""

    A_FAIRE = "a_faire", _("À faire")
    EN_RETARD = "en_retard", _("En retard")
    RENDU = "rendu", _("Rendu, en attente de retour")
    RETOUR = "retour", _("Retour reçu")


@dataclass(frozen=True)
class LigneConsigne:
    consigne: Consigne
    rendu: Rendu | None
    etat: EtatConsigne

    @property
    def libelle(self) -> str:
        return str(self.etat.label)


def consigne_etat(*, consigne: Consigne, aujourdhui: dt.date | None = None) -> EtatConsigne:
    """Feedback received, submitted, overdue (past its due date) or to do."""
    rendu: Rendu | None = getattr(consigne, "rendu", None)
    if rendu is not None:
        return EtatConsigne.RETOUR if rendu.retour_le else EtatConsigne.RENDU
    aujourdhui = aujourdhui or timezone.localdate()
    if consigne.echeance and consigne.echeance < aujourdhui:
        return EtatConsigne.EN_RETARD
    return EtatConsigne.A_FAIRE


def _lignes(qs: QuerySet[Consigne]) -> list[LigneConsigne]:
    aujourdhui = timezone.localdate()
    return [
        LigneConsigne(
            c, getattr(c, "rendu", None), consigne_etat(consigne=c, aujourdhui=aujourdhui)
        )
        for c in qs
    ]


def _consignes() -> QuerySet[Consigne]:
    return Consigne.objects.select_related(
        "seance", "seance__bilan", "seance__bilan__beneficiaire", "rendu"
    ).order_by("echeance", "seance__debut", "pk")


def consignes_du_bilan(*, bilan: Bilan) -> list[LigneConsigne]:
    """The consultant's view: the consignes of one bilan, with submission state."""
    return _lignes(_consignes().filter(seance__bilan_id=bilan.pk))


def consignes_du_beneficiaire(*, beneficiaire: Beneficiaire) -> list[LigneConsigne]:
    """The beneficiary's view: their consignes (cancelled séances left out)."""
    return _lignes(
        _consignes()
        .filter(seance__bilan__beneficiaire_id=beneficiaire.pk)
        .filter(seance__statut__in=STATUTS_COMPTES)
    )


def seances_travail_sans_consigne(*, bilan: Bilan) -> QuerySet[Seance]:
    """The bilan's counted personal-work séances that have no consigne yet."""
    return Seance.objects.filter(
        bilan_id=bilan.pk,
        type=TypeSeance.TRAVAIL_PERSONNEL,
        statut__in=STATUTS_COMPTES,
        consigne__isnull=True,
    ).order_by("debut")


def consigne_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> Consigne:
    """Staff accessor (404 outside the organisation)."""
    return get_for_organisation(
        Consigne, organisation=organisation, public_id=public_id, queryset=_consignes()
    )


def consigne_obtenir_pour_beneficiaire(
    *, organisation: Organisation, beneficiaire: Beneficiaire, public_id: uuid.UUID | str
) -> Consigne:
    """Portal accessor: 404 unless the consigne is the beneficiary's own."""
    return get_for_organisation(
        Consigne,
        organisation=organisation,
        public_id=public_id,
        queryset=_consignes().filter(
            Q(seance__bilan__beneficiaire_id=beneficiaire.pk),
            seance__statut__in=STATUTS_COMPTES,
        ),
    )


def rendu_fichier_obtenir(*, consigne: Consigne, public_id: uuid.UUID | str) -> RenduFichier:
    """A file of the consigne's submission (404 otherwise)."""
    return get_for_organisation(
        RenduFichier,
        organisation=consigne.organisation,
        public_id=public_id,
        queryset=RenduFichier.objects.filter(rendu__consigne_id=consigne.pk),
    )
