"""The follow-up interview after the bilan (entretien de suivi): services and selectors.

Not a legal obligation (R6313-4 only requires its *possibility* in the conclusions phase), but
Qualiopi expects it: indicator 2 publishes the rate of follow-up interviews carried out. It is
its own model, never a ``Seance``: it is never counted in the 24 hours nor in financed hours.

Rules: planned only once the bilan has ended (synthèse remise or clos, with its real end date),
on a date after that end; the default proposal is the end + ``Organisation.suivi_delai_mois``
(3 to 9, default 6) at 10:00 Europe/Paris. Recording it as carried out requires a coded result.

Rights (``beneficiaires.acces``): planning and cancelling are logistics (``ORGANISER_SUIVI``:
admins, the bilan's consultants, assistants); recording the result (confidential comment) is
accompaniment (``ACCOMPAGNER``: the bilan's consultants and admins).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires import acces
from beneficiaires.cycle import FINIS
from beneficiaires.models import Bilan
from bilan.core.dates import ajouter_mois
from bilan.core.formatting import date_fr
from bilan.core.models import Organisation, Role, User
from bilan.core.tenancy import get_for_organisation
from seances.models import EntretienSuivi, Seance
from seances.relances import rappel_suivi_planifier
from seances.services.travail import texte_brut

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HEURE_PAR_DEFAUT = dt.time(10, 0)


def bilan_termine(bilan: Bilan) -> bool:
    return bilan.statut in FINIS and bilan.date_fin_reelle is not None


def date_suivi_par_defaut(bilan: Bilan) -> dt.datetime | None:
    """End + the organisation's delay (months), 10:00 Europe/Paris; None before the end."""
    if bilan.date_fin_reelle is None:
        return None
    jour = ajouter_mois(jour=bilan.date_fin_reelle, mois=bilan.organisation.suivi_delai_mois)
    return dt.datetime.combine(jour, HEURE_PAR_DEFAUT, tzinfo=PARIS)


def _consultant_valide(consultant: User, organisation_id: int) -> bool:
    membership = acces.membership_de(user=consultant, organisation_id=organisation_id)
    return membership is not None and membership.role in {Role.CONSULTANT, Role.ADMIN}


def _lock(bilan: Bilan) -> Bilan:
    return Bilan.objects.select_for_update().select_related("organisation").get(pk=bilan.pk)


@transaction.atomic
def suivi_planifier(
    *,
    bilan: Bilan,
    date_prevue: dt.datetime | None = None,
    consultant: User | None = None,
    par: User,
    modalite: str | None = None,
) -> EntretienSuivi:
    """Plan (or re-plan) the bilan's follow-up interview. Never touches the 24 hours."""
    bilan = _lock(bilan)
    acces.verifier_bilan(user=par, bilan=bilan, droit=acces.Droit.ORGANISER_SUIVI)
    if not bilan_termine(bilan):
        raise ValidationError(
            _(
                "L'entretien de suivi se planifie une fois le bilan terminé (synthèse remise "
                "ou bilan clos, avec sa date de fin réelle)."
            ),
            code="pas_termine",
        )
    if date_prevue is None:
        date_prevue = date_suivi_par_defaut(bilan)
    elif timezone.is_naive(date_prevue):
        date_prevue = timezone.make_aware(date_prevue, PARIS)
    if date_prevue.astimezone(PARIS).date() <= bilan.date_fin_reelle:
        raise ValidationError(
            {
                "date_prevue": _("L'entretien de suivi a lieu après la fin du bilan (%(fin)s).")
                % {"fin": date_fr(jour=bilan.date_fin_reelle)}
            },
            code="avant_fin",
        )
    consultant = consultant or bilan.consultant
    if not _consultant_valide(consultant, bilan.organisation_id):
        raise ValidationError(
            {"consultant": _("Choisissez un·e consultant·e actif·ve de l'organisme.")},
            code="consultant",
        )
    if modalite and modalite not in Seance.Modalite.values:
        raise ValidationError({"modalite": _("Modalité inconnue.")}, code="modalite")

    suivi = EntretienSuivi.objects.select_for_update().filter(bilan_id=bilan.pk).first()
    if suivi is None:
        suivi = EntretienSuivi.objects.create(
            organisation_id=bilan.organisation_id,
            bilan=bilan,
            consultant=consultant,
            date_prevue=date_prevue,
            modalite=modalite or Seance.Modalite.VISIO,
        )
        rappel_suivi_planifier(suivi=suivi)  # the consultant's reminder
        return suivi
    if suivi.statut == EntretienSuivi.Statut.REALISE:
        raise ValidationError(_("L'entretien de suivi a déjà eu lieu."), code="realise")
    suivi.date_prevue = date_prevue
    suivi.consultant = consultant
    suivi.statut = EntretienSuivi.Statut.PLANIFIE
    if modalite:
        suivi.modalite = modalite
    suivi.save(update_fields=["date_prevue", "consultant", "statut", "modalite", "updated_at"])
    rappel_suivi_planifier(suivi=suivi)  # the consultant's reminder moves with it
    return suivi


@transaction.atomic
def suivi_enregistrer_resultat(
    *, suivi: EntretienSuivi, resultat: str, commentaire: str = "", par: User
) -> EntretienSuivi:
    """Record the follow-up as carried out, with its coded result (required)."""
    suivi = EntretienSuivi.objects.select_for_update().select_related("bilan").get(pk=suivi.pk)
    acces.verifier_bilan(user=par, bilan=suivi.bilan, droit=acces.Droit.ACCOMPAGNER)
    if suivi.statut != EntretienSuivi.Statut.PLANIFIE:
        raise ValidationError(
            _("L'entretien de suivi est %(statut)s.")
            % {"statut": suivi.get_statut_display().lower()},
            code="statut",
        )
    if resultat not in EntretienSuivi.Resultat.values:
        raise ValidationError(
            {"resultat": _("Indiquez la situation de la personne à l'issue du suivi.")},
            code="required",
        )
    suivi.statut = EntretienSuivi.Statut.REALISE
    suivi.resultat = resultat
    suivi.commentaire = texte_brut(commentaire)
    suivi.realise_le = timezone.now()
    suivi.save(update_fields=["statut", "resultat", "commentaire", "realise_le", "updated_at"])
    return suivi


@transaction.atomic
def suivi_annuler(*, suivi: EntretienSuivi, par: User) -> EntretienSuivi:
    suivi = EntretienSuivi.objects.select_for_update().select_related("bilan").get(pk=suivi.pk)
    acces.verifier_bilan(user=par, bilan=suivi.bilan, droit=acces.Droit.ORGANISER_SUIVI)
    if suivi.statut != EntretienSuivi.Statut.PLANIFIE:
        raise ValidationError(_("Seul un entretien planifié peut être annulé."), code="statut")
    suivi.statut = EntretienSuivi.Statut.ANNULE
    suivi.save(update_fields=["statut", "updated_at"])
    return suivi


# --- Selectors ------------------------------------------------------------------------------


def suivi_get(*, organisation: Organisation, public_id) -> EntretienSuivi:
    return get_for_organisation(
        EntretienSuivi,
        organisation=organisation,
        public_id=public_id,
        queryset=EntretienSuivi.objects.select_related(
            "bilan", "bilan__beneficiaire", "consultant"
        ),
    )


def suivi_du_bilan(*, bilan: Bilan) -> EntretienSuivi | None:
    return EntretienSuivi.objects.select_related("consultant").filter(bilan_id=bilan.pk).first()


def suivis_a_venir(organisation: Organisation) -> QuerySet[EntretienSuivi]:
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


def taux_realisation_suivi(*, debut: dt.date, fin: dt.date) -> TauxSuivi:
    """Qualiopi indicator 2: follow-ups carried out / follow-ups due in [debut, fin].

    Of the bound organisation's ended bilans, a follow-up is due on its planned date when one is
    planned or carried out, otherwise (none, or cancelled) at the default date (end + delay): a
    follow-up never planned still counts as due, so not planning cannot raise the rate.
    """
    if fin < debut:
        raise ValidationError(_("La fin de la période précède son début."))
    bilans = (
        Bilan.objects.filter(statut__in=FINIS, date_fin_reelle__isnull=False)
        .select_related("organisation")
        .only("id", "date_fin_reelle", "organisation__suivi_delai_mois")
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
            echeance = ajouter_mois(
                jour=bilan.date_fin_reelle, mois=bilan.organisation.suivi_delai_mois
            )
        if debut <= echeance <= fin:
            dus += 1
            if suivi is not None and suivi.statut == EntretienSuivi.Statut.REALISE:
                realises += 1
    return TauxSuivi(debut=debut, fin=fin, dus=dus, realises=realises)
