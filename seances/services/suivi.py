"""The follow-up interview after the bilan (entretien de suivi): the writes (plan, record,
cancel). The reads (default date, lists, Qualiopi rate) are in ``seances.selectors.suivi``.

Not a legal obligation (R6313-4 only requires its *possibility* in the conclusions phase), but
Qualiopi expects it: indicator 2 publishes the rate of follow-up interviews carried out. It is
its own model, never a ``Seance``: it is never counted in the 24 hours nor in financed hours.

Rules: planned only once the bilan has ended (synthèse remise or clos, with its real end date),
on a date after that end; the default proposal is the end + ``Organisation.suivi_delai_mois``
(3 to 9, default 6) brought inside the window of the bilan's programme (seed 003: 6 to 9 months;
``beneficiaires.programmes.bilan_suivi_mois``), at 10:00 Europe/Paris. Closing a bilan creates
it as planned at that date (``suivi_creer_a_la_cloture``). Recording it as carried out
requires a coded result.

Rights (``beneficiaires.acces``): planning and cancelling are logistics (``ORGANISER_SUIVI``:
admins, the bilan's consultants, assistants); recording the result (confidential comment) is
accompaniment (``ACCOMPAGNER``: the bilan's consultants and admins).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires import acces
from beneficiaires.models import Bilan
from bilan.core.formatting import date_fr
from bilan.core.models import Role, User
from seances.models import EntretienSuivi, Seance
from seances.relances import rappel_suivi_planifier
from seances.selectors.suivi import PARIS, bilan_termine, suivi_date_par_defaut
from seances.services.travail import texte_brut


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
    modalite: Seance.Modalite | None = None,
) -> EntretienSuivi:
    """Plan (or re-plan) the bilan's follow-up interview. Never touches the 24 hours."""
    bilan = _lock(bilan)
    acces.verifier_bilan(user=par, bilan=bilan, droit=acces.Droit.ORGANISER_SUIVI)
    defaut = suivi_date_par_defaut(bilan=bilan)
    if not bilan_termine(bilan=bilan) or bilan.date_fin_reelle is None or defaut is None:
        raise ValidationError(
            _(
                "L'entretien de suivi se planifie une fois le bilan terminé (synthèse remise "
                "ou bilan clos, avec sa date de fin réelle)."
            ),
            code="pas_termine",
        )
    if date_prevue is None:
        date_prevue = defaut
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
def suivi_creer_a_la_cloture(*, bilan: Bilan) -> EntretienSuivi:
    """The bilan has just been closed (its end date recorded): its follow-up interview is
    created as planned at the default date (end + the programme's window, rule 16), with the
    bilan's consultant, and the consultant's reminder. An existing follow-up is kept as is."""
    bilan = _lock(bilan)
    defaut = suivi_date_par_defaut(bilan=bilan)
    if not bilan_termine(bilan=bilan) or defaut is None:
        raise ValidationError(_("Le suivi se crée à la clôture, avec la date de fin du bilan."))
    existant = EntretienSuivi.objects.filter(bilan_id=bilan.pk).first()
    if existant is not None:
        return existant
    suivi = EntretienSuivi.objects.create(
        organisation_id=bilan.organisation_id,
        bilan=bilan,
        consultant=bilan.consultant,
        date_prevue=defaut,
        modalite=Seance.Modalite.VISIO,
    )
    rappel_suivi_planifier(suivi=suivi)
    return suivi


@transaction.atomic
def suivi_enregistrer_resultat(
    *,
    suivi: EntretienSuivi,
    resultat: EntretienSuivi.Resultat,
    commentaire: str = "",
    par: User,
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
    suivi.commentaire = texte_brut(texte=commentaire)
    suivi.realise_le = timezone.now()
    suivi.save(update_fields=["statut", "resultat", "commentaire", "realise_le", "updated_at"])
    return suivi


@transaction.atomic
def suivi_annuler(*, suivi: EntretienSuivi, par: User) -> EntretienSuivi:
    """Cancel a planned follow-up (logistics: ``ORGANISER_SUIVI``)."""
    suivi = EntretienSuivi.objects.select_for_update().select_related("bilan").get(pk=suivi.pk)
    acces.verifier_bilan(user=par, bilan=suivi.bilan, droit=acces.Droit.ORGANISER_SUIVI)
    if suivi.statut != EntretienSuivi.Statut.PLANIFIE:
        raise ValidationError(_("Seul un entretien planifié peut être annulé."), code="statut")
    suivi.statut = EntretienSuivi.Statut.ANNULE
    suivi.save(update_fields=["statut", "updated_at"])
    return suivi
