"""Writes for séances: planning within the 24 hours, rescheduling, cancelling, realising.

The 24 hours (L6313-4) are checked here with the bilan row locked, and guaranteed by the
database (trigger + CHECK ``bilan_24_heures_au_plus``): under concurrency exactly one of two
plans for the last hour succeeds; the other gets the same French message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import acces
from beneficiaires.budget import BUDGET_MINUTES, Demande, message_depassement
from beneficiaires.cycle import TERMINAUX, rang_phase
from beneficiaires.models import Bilan, Phase, StatutBilan, TypeSeance
from bilan.core.audit import ClientInfo, TypeObjet, audit_enregistrer
from bilan.core.models import AuditEvent, User
from seances.models import STATUT_PAR_NATURE, NatureAnnulation, Seance
from seances.relances import rappels_seance_annuler, rappels_seance_planifier
from seances.selectors.seances import bilan_minutes_comptees

# Journal: kind and id only (bilan.core.audit).
NOTES_SEANCE = TypeObjet("notes_seance", gettext_lazy("Notes de séance"))


@dataclass(frozen=True, kw_only=True)
class SeanceChamps:
    """Every editable field of a planned séance, all required: a change names them all (start
    from ``SeanceChamps.de(seance)`` and ``dataclasses.replace`` what changes), so a forgotten
    or unknown field fails loudly instead of being dropped."""

    phase: Phase
    type: TypeSeance
    intitule: str
    objectifs: str
    debut: dt.datetime
    duree_minutes: int
    modalite: Seance.Modalite
    lieu: str
    lien_visio: str
    consultant: User | None

    @classmethod
    def de(cls, seance: Seance) -> SeanceChamps:
        """The séance's current values."""
        return cls(**{f.name: getattr(seance, f.name) for f in fields(cls)})


def budget_verifier(
    *,
    bilan: Bilan,
    demande_minutes: int,
    sauf: Seance | None = None,
    demande: Demande = Demande.SEANCE,
    champ: str | None = "duree_minutes",
) -> None:
    """Refuse (French ``ValidationError``, on ``champ`` when given) when ``demande_minutes``
    more would pass the bilan's 24 hours, ``sauf`` (a séance being changed) left out.

    The one check of the 24 hours before a write; call it with the bilan row locked. The
    database stays the last word (``seance_enregistrer_sous_budget``)."""
    deja = bilan_minutes_comptees(bilan=bilan, sauf=sauf)
    if deja + demande_minutes > BUDGET_MINUTES:
        message = message_depassement(
            deja_minutes=deja, demande_minutes=demande_minutes, demande=demande
        )
        raise ValidationError({champ: message} if champ else message, code="depassement_24h")


def _lock_bilan(bilan: Bilan) -> Bilan:
    return Bilan.objects.select_for_update().select_related("organisation").get(pk=bilan.pk)


def seance_enregistrer_sous_budget(*, seance: Seance, bilan: Bilan) -> Seance:
    """Save ``seance`` (its bilan locked and checked by ``budget_verifier``); if the database
    still refuses the 25th hour (a concurrent plan won), say so in French."""
    try:
        with transaction.atomic():
            seance.save()
    except IntegrityError as exc:
        if "bilan_24_heures_au_plus" not in str(exc):
            raise
        deja = bilan_minutes_comptees(bilan=bilan, sauf=seance if seance.pk else None)
        raise ValidationError(
            {
                "duree_minutes": message_depassement(
                    deja_minutes=deja, demande_minutes=seance.minutes_comptees
                )
            }
        ) from None
    return seance


def _verifier_lieu(*, modalite: str, lieu: str, lien_visio: str) -> None:
    if modalite == Seance.Modalite.VISIO and not lien_visio:
        raise ValidationError({"lien_visio": _("Indiquez le lien de la visioconférence.")})
    if modalite == Seance.Modalite.PRESENTIEL and not lieu:
        raise ValidationError({"lieu": _("Indiquez le lieu de la séance.")})


@transaction.atomic
def seance_planifier(
    *,
    bilan: Bilan,
    phase: Phase,
    type: TypeSeance,
    intitule: str,
    debut: dt.datetime,
    duree_minutes: int,
    modalite: Seance.Modalite,
    objectifs: str = "",
    lieu: str = "",
    lien_visio: str = "",
    consultant: User | None = None,
) -> Seance:
    """Plan a séance of the bilan (``consultant`` defaults to the bilan's), refused (nothing
    written) when the bilan has ended, the place or video link is missing, or it would exceed
    24 hours (the message names the hours left). Its reminders are planned in the same
    transaction."""
    bilan = _lock_bilan(bilan)
    if bilan.statut in TERMINAUX:
        raise ValidationError(_("Ce bilan est terminé : aucune séance ne peut y être ajoutée."))
    _verifier_lieu(modalite=modalite, lieu=lieu, lien_visio=lien_visio)
    seance = Seance(
        organisation=bilan.organisation,
        bilan=bilan,
        phase=phase,
        type=type,
        intitule=intitule,
        objectifs=objectifs,
        debut=debut,
        duree_minutes=duree_minutes,
        modalite=modalite,
        lieu=lieu,
        lien_visio=lien_visio,
        consultant=consultant or bilan.consultant,
    )
    budget_verifier(bilan=bilan, demande_minutes=seance.minutes_comptees)
    seance = seance_enregistrer_sous_budget(seance=seance, bilan=bilan)
    rappels_seance_planifier(seance=seance)  # reminders, same transaction
    return seance


@transaction.atomic
def seance_modifier(*, seance: Seance, motif: str, champs: SeanceChamps) -> Seance:
    """Edit a planned séance: ``champs`` holds every editable field. Moving the date requires
    a reason (``motif``), kept on the séance; the 24 hours are checked again and the
    reminders move with the séance."""
    bilan = _lock_bilan(seance.bilan)
    seance = Seance.objects.select_for_update().get(pk=seance.pk)
    if seance.statut != Seance.Statut.PLANIFIEE:
        raise ValidationError(_("Seule une séance planifiée peut être modifiée."))
    _verifier_lieu(modalite=champs.modalite, lieu=champs.lieu, lien_visio=champs.lien_visio)
    if champs.debut != seance.debut:
        if not motif.strip():
            raise ValidationError({"motif": _("Indiquez pourquoi la séance est déplacée.")})
        seance.motif = _("Reportée du %(date)s : %(motif)s") % {
            "date": timezone.localtime(seance.debut).strftime("%d/%m/%Y %H:%M"),
            "motif": motif.strip(),
        }
    for champ in fields(SeanceChamps):
        setattr(seance, champ.name, getattr(champs, champ.name))
    budget_verifier(bilan=bilan, demande_minutes=seance.minutes_comptees, sauf=seance)
    seance = seance_enregistrer_sous_budget(seance=seance, bilan=bilan)
    rappels_seance_planifier(seance=seance, rearmer=True)  # the reminders move with the séance
    return seance


def seance_deplacer(*, seance: Seance, debut: dt.datetime, motif: str) -> Seance:
    """Move a planned séance to ``debut`` for ``motif`` (``seance_modifier``, every other
    field unchanged)."""
    return seance_modifier(
        seance=seance, motif=motif, champs=replace(SeanceChamps.de(seance), debut=debut)
    )


@transaction.atomic
def seance_annuler(
    *, seance: Seance, motif: str, nature: NatureAnnulation = NatureAnnulation.ANNULEE
) -> Seance:
    """Cancel a planned séance, or record an absence (excused or not): its time goes back to
    the budget and its pending reminders are cancelled. No-shows feed the dropout
    indicators."""
    seance = Seance.objects.select_for_update().get(pk=seance.pk)
    if seance.statut != Seance.Statut.PLANIFIEE:
        raise ValidationError(_("Seule une séance planifiée peut être annulée."))
    if not motif.strip():
        raise ValidationError({"motif": _("Indiquez le motif.")})
    seance.statut = STATUT_PAR_NATURE[nature]
    seance.motif = motif.strip()
    seance.save(update_fields=["statut", "motif", "updated_at"])
    rappels_seance_annuler(seance=seance)  # its pending reminders are cancelled
    return seance


@transaction.atomic
def seance_realiser(*, seance: Seance, duree_realisee_minutes: int) -> Seance:
    """Record that the séance took place and for how long. Refused outside the bilan's current
    phases (R6313-4: a phase starts only after the previous one), or beyond 24 hours."""
    bilan = _lock_bilan(seance.bilan)
    seance = Seance.objects.select_for_update().get(pk=seance.pk)
    if seance.statut != Seance.Statut.PLANIFIEE:
        raise ValidationError(_("Cette séance n'est plus planifiée."))
    if bilan.statut != StatutBilan.EN_COURS:
        raise ValidationError(_("Le bilan doit être en cours pour réaliser une séance."))
    if rang_phase(phase=seance.phase) > rang_phase(phase=bilan.phase):
        raise ValidationError(
            _("Cette séance relève de la %(phase)s, qui n'a pas encore commencé.")
            % {"phase": seance.get_phase_display().lower()}
        )
    if seance.debut > timezone.now() + dt.timedelta(hours=1):
        raise ValidationError(_("Une séance à venir ne peut pas être déclarée réalisée."))
    if not 0 < duree_realisee_minutes <= 480:
        raise ValidationError(
            {"duree_realisee_minutes": _("La durée réalisée va de 1 à 480 minutes.")}
        )
    seance.statut = Seance.Statut.REALISEE
    seance.duree_realisee_minutes = duree_realisee_minutes
    budget_verifier(bilan=bilan, demande_minutes=seance.minutes_comptees, sauf=seance)
    return seance_enregistrer_sous_budget(seance=seance, bilan=bilan)


def _exiger_notes(*, seance: Seance, user: User) -> None:
    """Confidential notes: the séance's consultant or the bilan's referent (``acces``)."""
    if not acces.acces_bilan_de(
        user=user, bilan=seance.bilan, consultant_seance_id=seance.consultant_id
    ).lire_notes:
        raise ValidationError(_("Ces notes sont réservées au ou à la consultant·e de la séance."))


def seance_lire_notes(*, seance: Seance, par: User, client: ClientInfo | None) -> str:
    """Return the notes to their consultant, and log the read (professional secrecy)."""
    _exiger_notes(seance=seance, user=par)
    audit_enregistrer(
        organisation=seance.organisation,
        acteur=par,
        client=client,
        action=AuditEvent.Action.READ,
        objet=NOTES_SEANCE,
        object_id=seance.public_id,
        beneficiaire=seance.bilan.beneficiaire,
    )
    return seance.notes


def seance_enregistrer_notes(*, seance: Seance, notes: str, user: User) -> Seance:
    """Replace the séance's confidential notes: its consultant or the bilan's referent only."""
    _exiger_notes(seance=seance, user=user)
    seance.notes = notes.strip()
    seance.save(update_fields=["notes", "updated_at"])
    return seance
