"""Reads of the follow-up interview after the bilan (entretien de suivi): whether it can be
planned, its default date, the bilan's and the organisation's follow-ups, and the Qualiopi
rate (indicator 2). The writes are in ``seances.services.suivi``.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from beneficiaires.cycle import FINIS
from beneficiaires.models import Bilan
from beneficiaires.programmes import bilan_suivi_mois
from bilan.core.dates import ajouter_mois, prochain_jour_ouvre
from bilan.core.models import Organisation
from bilan.core.tenancy import get_for_organisation
from seances.models import EntretienSuivi

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HEURE_PAR_DEFAUT = dt.time(10, 0)


def bilan_termine(*, bilan: Bilan) -> bool:
    """The bilan has ended (synthèse handed over or closed) with its real end date."""
    return bilan.statut in FINIS and bilan.date_fin_reelle is not None


def suivi_date_par_defaut(*, bilan: Bilan) -> dt.datetime | None:
    """End + the proposed delay (months: the organisation's, inside the window of the bilan's
    programme, rule 16), moved to the next working day like a calendar's séances (never a
    Sunday), 10:00 Europe/Paris; None before the end."""
    if bilan.date_fin_reelle is None:
        return None
    jour = prochain_jour_ouvre(
        le=ajouter_mois(jour=bilan.date_fin_reelle, mois=bilan_suivi_mois(bilan=bilan))
    )
    return dt.datetime.combine(jour, HEURE_PAR_DEFAUT, tzinfo=PARIS)


def suivi_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> EntretienSuivi:
    """One follow-up of ``organisation`` by public id, or 404."""
    return get_for_organisation(
        EntretienSuivi,
        organisation=organisation,
        public_id=public_id,
        queryset=EntretienSuivi.objects.select_related(
            "bilan", "bilan__beneficiaire", "consultant"
        ),
    )


def suivi_du_bilan(*, bilan: Bilan) -> EntretienSuivi | None:
    """The bilan's follow-up, if one was ever planned."""
    return EntretienSuivi.objects.select_related("consultant").filter(bilan_id=bilan.pk).first()


def suivis_a_venir(*, organisation: Organisation) -> QuerySet[EntretienSuivi]:
    """Planned follow-ups of the organisation, soonest first (overdue ones included, first)."""
    return (
        EntretienSuivi.objects.filter(
            organisation_id=organisation.pk, statut=EntretienSuivi.Statut.PLANIFIE
        )
        .select_related("bilan", "bilan__beneficiaire", "consultant")
        .order_by("date_prevue", "pk")
    )


@dataclass(frozen=True)
class TauxSuivi:
    debut: dt.date
    fin: dt.date
    dus: int
    realises: int

    @property
    def taux(self) -> float | None:
        """Percentage (one decimal), None when no follow-up was due in the period."""
        if not self.dus:
            return None
        return round(self.realises / self.dus * 100, 1)


def suivi_taux_realisation(*, debut: dt.date, fin: dt.date) -> TauxSuivi:
    """Qualiopi indicator 2: follow-ups carried out / follow-ups due in [debut, fin].

    Of the bound organisation's ended bilans, a follow-up is due on its planned date when one is
    planned or carried out, otherwise (none, or cancelled) at the default date (end + proposed
    delay): a follow-up never planned still counts as due, so not planning cannot raise the rate.
    """
    if fin < debut:
        raise ValidationError(_("La fin de la période précède son début."))
    bilans = (
        Bilan.objects.filter(statut__in=FINIS, date_fin_reelle__isnull=False)
        .select_related("organisation", "programme")
        .only(
            "id",
            "date_fin_reelle",
            "organisation__suivi_delai_mois",
            "programme__suivi_mois",
            "programme__suivi_mois_max",
        )
    )
    suivis = {
        s.bilan_id: s
        for s in EntretienSuivi.objects.filter(bilan__in=bilans).only(
            "bilan_id", "statut", "date_prevue"
        )
    }
    dus = realises = 0
    for bilan in bilans:
        suivi = suivis.get(bilan.pk)
        if suivi is not None and suivi.statut != EntretienSuivi.Statut.ANNULE:
            echeance = suivi.date_prevue.astimezone(PARIS).date()
        else:
            echeance = ajouter_mois(jour=bilan.date_fin_reelle, mois=bilan_suivi_mois(bilan=bilan))
        if debut <= echeance <= fin:
            dus += 1
            if suivi is not None and suivi.statut == EntretienSuivi.Statut.REALISE:
                realises += 1
    return TauxSuivi(debut=debut, fin=fin, dus=dus, realises=realises)
