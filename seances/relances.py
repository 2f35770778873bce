"""The séances' reminders (outbox kinds owned by seances, registered at app ready through
``relances.registre``): the séance reminder to the beneficiary and to the consultant, the
follow-up interview's invitation and reminder, and the dropout-risk alert (an open bilan with
no séance for weeks: it is computed from the séances, so it lives with them).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from beneficiaires.models import Bilan, StatutBilan, TypeSeance
from beneficiaires.relances import contexte_dossier
from bilan.core.dates import ajouter_mois
from bilan.core.models import Organisation
from relances.models import Relance
from relances.registre import TypeRelance, registre
from relances.services import a_paris, organisation_liee, relance_annuler, relance_planifier
from seances.models import EntretienSuivi, Seance

K = Relance.Kind
SEANCE_KINDS = (K.RAPPEL_SEANCE_BENEFICIAIRE, K.RAPPEL_SEANCE_CONSULTANT)
SEANCES_ACTIVES = (Seance.Statut.PLANIFIEE, Seance.Statut.REALISEE)


# --- Context ------------------------------------------------------------------------------------


def _contexte_seance(*, relance: Relance, apercu: bool) -> dict[str, object]:
    """The date and the modality, never the séance's title, objectives or notes."""
    contexte = contexte_dossier(relance=relance)
    seance = relance.seance
    if seance is not None:
        contexte.update(
            debut=seance.debut,
            modalite=seance.get_modalite_display(),
            agenda_url=settings.SITE_URL + "/app/agenda/",
        )
    return contexte


def _contexte_suivi(*, relance: Relance, apercu: bool) -> dict[str, object]:
    contexte = contexte_dossier(relance=relance)
    if relance.bilan is not None:
        suivi = EntretienSuivi.objects.filter(bilan=relance.bilan).first()
        contexte["suivi"] = suivi
        contexte["debut"] = suivi.date_prevue if suivi else None
    return contexte


def _contexte_abandon(*, relance: Relance, apercu: bool) -> dict[str, object]:
    return contexte_dossier(relance=relance)


def _apercu_seance(*, relance: Relance) -> None:
    """The preview shows the dossier's latest séance."""
    relance.seance = Seance.objects.filter(bilan=relance.bilan).order_by("-debut").first()


# --- Still relevant at send time ----------------------------------------------------------------


def _seance_a_venir(*, relance: Relance, maintenant: dt.datetime) -> bool:
    seance = relance.seance
    return (
        seance is not None
        and seance.statut == Seance.Statut.PLANIFIEE
        and seance.debut > maintenant
    )


def _suivi_a_venir(*, relance: Relance, maintenant: dt.datetime) -> bool:
    return EntretienSuivi.objects.filter(
        bilan=relance.bilan, statut=EntretienSuivi.Statut.PLANIFIE, date_prevue__gt=maintenant
    ).exists()


def _suivi_pas_realise(*, relance: Relance, maintenant: dt.datetime) -> bool:
    return not EntretienSuivi.objects.filter(
        bilan=relance.bilan, statut=EntretienSuivi.Statut.REALISE
    ).exists()


def _bilan_en_cours(*, relance: Relance, maintenant: dt.datetime) -> bool:
    return relance.bilan is not None and relance.bilan.statut == StatutBilan.EN_COURS


# --- Planning (called by the event's service, in its transaction) --------------------------------


def _rappel_avant() -> dt.timedelta:
    return dt.timedelta(hours=organisation_liee().rappel_seance_heures)


def rappels_seance_planifier(*, seance: Seance, rearmer: bool = False) -> list[Relance]:
    """Séance reminders (organisation.rappel_seance_heures before), to the beneficiary and the
    consultant. Also re-plans them when the séance moves (``rearmer``: even if already sent),
    and cancels them when the séance is no longer planned."""
    if seance.statut != Seance.Statut.PLANIFIEE or seance.type == TypeSeance.TRAVAIL_PERSONNEL:
        # Guided personal work is no appointment: nothing to remind.
        rappels_seance_annuler(seance=seance)
        return []
    due = seance.debut - _rappel_avant()
    bilan = seance.bilan
    destinataires = {
        K.RAPPEL_SEANCE_BENEFICIAIRE: bilan.beneficiaire.email,
        K.RAPPEL_SEANCE_CONSULTANT: seance.consultant.email if seance.consultant else "",
    }
    faites = []
    for kind, email in destinataires.items():
        relance = relance_planifier(
            kind=kind,
            cle=f"{kind}:{seance.public_id}",
            destinataire=email,
            due_le=due,
            target_type="seance",
            target_id=seance.public_id,
            bilan=bilan,
            seance=seance,
            rearmer=rearmer,
        )
        if relance is not None:
            faites.append(relance)
    return faites


def rappels_seance_annuler(*, seance: Seance) -> int:
    """The séance was cancelled (or missed): its pending reminders are cancelled."""
    return sum(relance_annuler(cle=f"{kind}:{seance.public_id}") for kind in SEANCE_KINDS)


def rappel_suivi_planifier(*, suivi: EntretienSuivi) -> Relance | None:
    """Remind the consultant of the follow-up interview (rappel_seance_heures before)."""
    return relance_planifier(
        kind=K.SUIVI_RAPPEL_CONSULTANT,
        cle=f"{K.SUIVI_RAPPEL_CONSULTANT}:{suivi.public_id}",
        destinataire=suivi.consultant.email,
        due_le=suivi.date_prevue - _rappel_avant(),
        target_type="suivi",
        target_id=suivi.public_id,
        bilan=suivi.bilan,
        rearmer=True,
    )


def invitation_suivi_planifier(
    *, bilan: Bilan, fin: dt.date, le: dt.datetime | None = None
) -> Relance | None:
    """Bilan closed on ``fin``: invite the beneficiary to the follow-up interview ``le`` (the
    closing passes two weeks before the interview it created), by default at ``fin`` +
    organisation.suivi_delai_mois, 10:00 Europe/Paris."""
    due_le = le or a_paris(jour=ajouter_mois(jour=fin, mois=organisation_liee().suivi_delai_mois))
    return relance_planifier(
        kind=K.SUIVI_INVITATION,
        cle=f"{K.SUIVI_INVITATION}:{bilan.public_id}",
        destinataire=bilan.beneficiaire.email,
        due_le=due_le,
        target_type="bilan",
        target_id=bilan.public_id,
        bilan=bilan,
    )


# --- Daily sweep: what no event writes ---------------------------------------------------------


def _semaine(jour: dt.date) -> str:
    annee, semaine, _jour = jour.isocalendar()
    return f"{annee}-W{semaine:02d}"


def abandons_balayer(*, organisation: Organisation, maintenant: dt.datetime) -> int:
    """Dropout risk, bound organisation: an open bilan with no séance for
    organisation.abandon_alerte_semaines weeks and none planned ahead alerts its consultant,
    once a week. Idempotent by key."""
    aujourdhui = timezone.localdate(maintenant)
    seuil = maintenant - dt.timedelta(weeks=organisation.abandon_alerte_semaines)
    faites = 0
    for bilan in (
        Bilan.objects.filter(statut=StatutBilan.EN_COURS)
        .annotate(
            derniere=Max("seances__debut", filter=Q(seances__statut__in=SEANCES_ACTIVES)),
        )
        .select_related("consultant")
    ):
        derniere = bilan.derniere
        if derniere is None and bilan.date_debut_reelle:
            derniere = a_paris(jour=bilan.date_debut_reelle, heure=dt.time(0, 0))
        if derniere is None or derniere > seuil:
            continue
        if Seance.objects.filter(
            bilan=bilan, statut=Seance.Statut.PLANIFIEE, debut__gt=maintenant
        ).exists():
            continue
        faites += (
            relance_planifier(
                kind=K.ABANDON_RISQUE,
                cle=f"{K.ABANDON_RISQUE}:{bilan.public_id}:{_semaine(aujourdhui)}",
                destinataire=bilan.consultant.email,
                due_le=maintenant,
                target_type="bilan",
                target_id=bilan.public_id,
                bilan=bilan,
            )
            is not None
        )
    return faites


registre.register(
    TypeRelance(
        kind=K.RAPPEL_SEANCE_BENEFICIAIRE,
        template="rappel-seance-beneficiaire",
        contexte=_contexte_seance,
        pertinente=_seance_a_venir,
        apercu=_apercu_seance,
    ),
    TypeRelance(
        kind=K.RAPPEL_SEANCE_CONSULTANT,
        template="rappel-seance-consultant",
        contexte=_contexte_seance,
        pertinente=_seance_a_venir,
        apercu=_apercu_seance,
    ),
    TypeRelance(
        kind=K.SUIVI_INVITATION,
        template="suivi-invitation",
        contexte=_contexte_suivi,
        pertinente=_suivi_pas_realise,
    ),
    TypeRelance(
        kind=K.SUIVI_RAPPEL_CONSULTANT,
        template="suivi-rappel-consultant",
        contexte=_contexte_suivi,
        pertinente=_suivi_a_venir,
    ),
    TypeRelance(
        kind=K.ABANDON_RISQUE,
        template="abandon-risque",
        contexte=_contexte_abandon,
        pertinente=_bilan_en_cours,
    ),
)
registre.register_balayage(abandons_balayer)
