"""Writes for séances: planning within the 24 hours, rescheduling, cancelling, realising.

The 24 hours (L6313-4) are checked here with the bilan row locked, and guaranteed by the
database (trigger + CHECK ``bilan_24_heures_au_plus``): under concurrency exactly one of two
plans for the last hour succeeds; the other gets the same French message.

One planning path: a séance planned by hand and the séances of a programme's calendar
(``seances.services.programmes``) are all created by ``seance_creer_sous_verrou`` (place and
link checked, 24 hours, reminders). Every planning change keeps the bilan's planned hours in
step with the plan (``bilan_heures_synchroniser``), and tells the beneficiary (portal and
e-mail through the outbox, ``beneficiaires.services.notifications``) when a séance is planned,
moved or cancelled. Guided personal work is no appointment: no place, link, reminder or
notice of its own (``Seance.Modalite.AUTONOMIE``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import acces
from beneficiaires.budget import BUDGET_MINUTES, Demande, heures_du_plan, message_depassement
from beneficiaires.cycle import TERMINAUX, rang_phase
from beneficiaires.models import Bilan, Notification, Phase, StatutBilan, TypeSeance
from beneficiaires.services.notifications import notification_envoyer
from bilan.core.audit import ClientInfo, TypeObjet, audit_enregistrer
from bilan.core.models import AuditEvent, User
from seances.models import STATUT_PAR_NATURE, NatureAnnulation, Seance
from seances.relances import rappels_seance_annuler, rappels_seance_planifier
from seances.selectors.seances import bilan_minutes_comptees, bilan_minutes_du_plan

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


def bilan_heures_synchroniser(*, bilan: Bilan) -> Bilan:
    """Keep ``Bilan.heures_accompagnement`` and ``heures_travail_personnel`` in step with the
    plan: once the bilan has counted séances, its planned hours are theirs (counted minutes,
    by kind). A bilan without any keeps the hours typed before planning. Call it with the
    bilan row locked, after every planning change."""
    minutes = bilan_minutes_du_plan(bilan=bilan)
    if not minutes:
        return bilan
    accompagnement, personnel = heures_du_plan(minutes_par_type=minutes)
    if (accompagnement, personnel) != (bilan.heures_accompagnement, bilan.heures_travail_personnel):
        bilan.heures_accompagnement = accompagnement
        bilan.heures_travail_personnel = personnel
        bilan.save(
            update_fields=["heures_accompagnement", "heures_travail_personnel", "updated_at"]
        )
    return bilan


def lieu_normaliser(
    *, type: str, modalite: str, lieu: str, lien_visio: str
) -> tuple[Seance.Modalite, str, str]:
    """The séance's (modality, place, link), checked: guided personal work is done alone
    (« en autonomie », no place nor link, whatever was given); an in-person séance needs a
    place and keeps no link, a video one its link and no place, a phone one neither (a calendar
    asks place and link once for all its séances); « en autonomie » is for personal work
    only."""
    if type == TypeSeance.TRAVAIL_PERSONNEL:
        return Seance.Modalite.AUTONOMIE, "", ""
    if modalite == Seance.Modalite.AUTONOMIE:
        raise ValidationError(
            {"modalite": _("« En autonomie » est réservé au travail personnel guidé.")}
        )
    if modalite == Seance.Modalite.VISIO and not lien_visio.strip():
        raise ValidationError({"lien_visio": _("Indiquez le lien de la visioconférence.")})
    if modalite == Seance.Modalite.PRESENTIEL and not lieu.strip():
        raise ValidationError({"lieu": _("Indiquez le lieu de la séance.")})
    modalite = Seance.Modalite(modalite)
    return (
        modalite,
        lieu.strip() if modalite == Seance.Modalite.PRESENTIEL else "",
        lien_visio.strip() if modalite == Seance.Modalite.VISIO else "",
    )


def _quand(seance: Seance) -> str:
    return timezone.localtime(seance.debut).strftime("%d/%m/%Y à %H:%M")


def _est_rendez_vous(seance: Seance) -> bool:
    """An appointment the beneficiary comes to (not guided personal work)."""
    return seance.type != TypeSeance.TRAVAIL_PERSONNEL


def seance_notifier(*, seance: Seance, sujet: Notification.Sujet, avant: str = "") -> None:
    """Tell the beneficiary (portal + one e-mail, through the outbox) that ``seance`` was
    planned, moved or cancelled: its date, type and modality, never its title or objectives.
    Once per event (key: séance and its iCalendar sequence). Not for personal work."""
    if not _est_rendez_vous(seance):
        return
    details = {
        "date": _quand(seance),
        "type": seance.get_type_display().lower(),
        "modalite": seance.get_modalite_display().lower(),
        "avant": avant,
    }
    if sujet == Notification.Sujet.SEANCE_ANNULEE:
        texte = _("Votre séance du %(date)s (%(type)s) est annulée.") % details
    elif sujet == Notification.Sujet.SEANCE_DEPLACEE and avant and avant != details["date"]:
        texte = (
            _("Votre séance du %(avant)s est déplacée au %(date)s (%(type)s, %(modalite)s).")
            % details
        )
    elif sujet == Notification.Sujet.SEANCE_DEPLACEE:
        texte = (
            _("Votre séance du %(date)s (%(type)s) est modifiée : %(modalite)s ; voir le détail.")
            % details
        )
    else:
        texte = _("Une séance est planifiée le %(date)s (%(type)s, %(modalite)s).") % details
    notification_envoyer(
        beneficiaire=seance.bilan.beneficiaire,
        bilan=seance.bilan,
        sujet=sujet,
        texte=texte,
        lien=reverse("portail:home"),
        cle=f"{sujet}:{seance.public_id}:{seance.sequence}",
    )


def seance_creer_sous_verrou(*, bilan: Bilan, champs: SeanceChamps) -> Seance:
    """Create one planned séance of ``bilan`` (its row locked by the caller): the one
    creation of every planning path (by hand or from a calendar). Refused (French message,
    nothing written by the caller's transaction) when the bilan has ended, the place or link
    is missing, or it would exceed 24 hours. Its reminders are planned; the caller
    synchronises the bilan's hours and notifies."""
    if bilan.statut in TERMINAUX:
        raise ValidationError(
            _("Ce bilan est « %(statut)s » : aucune séance ne peut y être planifiée.")
            % {"statut": bilan.get_statut_display().lower()}
        )
    modalite, lieu, lien_visio = lieu_normaliser(
        type=champs.type, modalite=champs.modalite, lieu=champs.lieu, lien_visio=champs.lien_visio
    )
    seance = Seance(
        organisation=bilan.organisation,
        bilan=bilan,
        phase=champs.phase,
        type=champs.type,
        intitule=champs.intitule,
        objectifs=champs.objectifs,
        debut=champs.debut,
        duree_minutes=champs.duree_minutes,
        modalite=modalite,
        lieu=lieu,
        lien_visio=lien_visio,
        consultant=champs.consultant or bilan.consultant,
    )
    budget_verifier(bilan=bilan, demande_minutes=seance.minutes_comptees)
    seance = seance_enregistrer_sous_budget(seance=seance, bilan=bilan)
    rappels_seance_planifier(seance=seance)  # reminders, same transaction
    return seance


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
    24 hours (the message names the hours left). Its reminders, the bilan's planned hours and
    the beneficiary's notice follow in the same transaction."""
    bilan = _lock_bilan(bilan)
    seance = seance_creer_sous_verrou(
        bilan=bilan,
        champs=SeanceChamps(
            phase=phase,
            type=type,
            intitule=intitule,
            objectifs=objectifs,
            debut=debut,
            duree_minutes=duree_minutes,
            modalite=modalite,
            lieu=lieu,
            lien_visio=lien_visio,
            consultant=consultant,
        ),
    )
    bilan_heures_synchroniser(bilan=bilan)
    seance_notifier(seance=seance, sujet=Notification.Sujet.SEANCE_PLANIFIEE)
    return seance


# What the beneficiary sees of a séance: a change of one of these is notified.
CHAMPS_VISIBLES = ("debut", "duree_minutes", "type", "modalite", "lieu", "lien_visio")


@transaction.atomic
def seance_modifier(*, seance: Seance, motif: str, champs: SeanceChamps) -> Seance:
    """Edit a planned séance: ``champs`` holds every editable field. Moving the date requires
    a reason (``motif``), kept on the séance; the 24 hours are checked again, the reminders
    move with the séance, the bilan's hours follow the plan, and a change the beneficiary
    sees (date, duration, type, modality, place, link) increases the iCalendar sequence and
    notifies them."""
    bilan = _lock_bilan(seance.bilan)
    seance = (
        Seance.objects.select_for_update().select_related("bilan__beneficiaire").get(pk=seance.pk)
    )
    if seance.statut != Seance.Statut.PLANIFIEE:
        raise ValidationError(_("Seule une séance planifiée peut être modifiée."))
    modalite, lieu, lien_visio = lieu_normaliser(
        type=champs.type, modalite=champs.modalite, lieu=champs.lieu, lien_visio=champs.lien_visio
    )
    champs = replace(champs, modalite=modalite, lieu=lieu, lien_visio=lien_visio)
    avant = _quand(seance)
    visibles_avant = [getattr(seance, nom) for nom in CHAMPS_VISIBLES]
    if champs.debut != seance.debut:
        if not motif.strip():
            raise ValidationError({"motif": _("Indiquez pourquoi la séance est déplacée.")})
        seance.motif = _("Reportée du %(date)s : %(motif)s") % {
            "date": avant.replace(" à ", " "),
            "motif": motif.strip(),
        }
    for champ in fields(SeanceChamps):
        setattr(seance, champ.name, getattr(champs, champ.name))
    change_visible = visibles_avant != [getattr(seance, nom) for nom in CHAMPS_VISIBLES]
    if change_visible:
        seance.sequence += 1
    budget_verifier(bilan=bilan, demande_minutes=seance.minutes_comptees, sauf=seance)
    seance = seance_enregistrer_sous_budget(seance=seance, bilan=bilan)
    rappels_seance_planifier(seance=seance, rearmer=True)  # the reminders move with the séance
    bilan_heures_synchroniser(bilan=bilan)
    if change_visible:
        seance_notifier(seance=seance, sujet=Notification.Sujet.SEANCE_DEPLACEE, avant=avant)
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
    the budget (and the bilan's planned hours follow the plan), its pending reminders are
    cancelled, its iCalendar sequence increases, and the beneficiary is notified when it was
    still ahead. No-shows feed the dropout indicators."""
    bilan = _lock_bilan(seance.bilan)
    seance = (
        Seance.objects.select_for_update().select_related("bilan__beneficiaire").get(pk=seance.pk)
    )
    if seance.statut != Seance.Statut.PLANIFIEE:
        raise ValidationError(_("Seule une séance planifiée peut être annulée."))
    if not motif.strip():
        raise ValidationError({"motif": _("Indiquez le motif.")})
    seance.statut = STATUT_PAR_NATURE[nature]
    seance.motif = motif.strip()
    seance.sequence += 1  # calendars replace the event by its cancelled version
    seance.save(update_fields=["statut", "motif", "sequence", "updated_at"])
    rappels_seance_annuler(seance=seance)  # its pending reminders are cancelled
    bilan_heures_synchroniser(bilan=bilan)
    if seance.debut > timezone.now():
        # Still ahead: the beneficiary must not come. An absence noted afterwards is not news.
        seance_notifier(seance=seance, sujet=Notification.Sujet.SEANCE_ANNULEE)
    return seance


@transaction.atomic
def seance_realiser(*, seance: Seance, duree_realisee_minutes: int) -> Seance:
    """Record that the séance took place and for how long. Refused outside the bilan's current
    phases (R6313-4: a phase starts only after the previous one), or beyond 24 hours."""
    bilan = _lock_bilan(seance.bilan)
    seance = Seance.objects.select_for_update().get(pk=seance.pk)
    if seance.statut != Seance.Statut.PLANIFIEE:
        raise ValidationError(_("Cette séance n'est plus planifiée."))
    if seance.type == TypeSeance.TRAVAIL_PERSONNEL:
        raise ValidationError(
            _(
                "Le travail personnel guidé est réalisé quand le ou la bénéficiaire le rend, "
                "avec le temps qu'il ou elle déclare."
            )
        )
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
    seance = seance_enregistrer_sous_budget(seance=seance, bilan=bilan)
    bilan_heures_synchroniser(bilan=bilan)
    return seance


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
