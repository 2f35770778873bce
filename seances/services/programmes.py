"""Planning a bilan's séances from a programme's calendar proposal
(``beneficiaires.services.programmes.programme_proposer_calendrier``), within the 24 hours and
the order of the phases.

The same path as a séance planned by hand: each séance is created by
``seances.services.seances.seance_creer_sous_verrou`` (place and link, 24 hours, reminders),
the bilan's planned hours follow the plan, and the beneficiary gets one notice for the whole
calendar. The 24 hours are checked with the bilan row locked, and guaranteed by the database
(trigger + CHECK ``bilan_24_heures_au_plus``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from beneficiaires.budget import Demande, etapes_minutes_comptees
from beneficiaires.cycle import TERMINAUX, phases_dans_l_ordre
from beneficiaires.models import Bilan, Notification, Phase, TypeSeance
from beneficiaires.services.notifications import notification_envoyer
from beneficiaires.services.programmes import etapes_nettoyer
from seances.models import Seance
from seances.selectors.seances import seance_modalite_par_defaut
from seances.services.seances import (
    SeanceChamps,
    bilan_heures_synchroniser,
    budget_verifier,
    seance_creer_sous_verrou,
)


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for erreurs in exc.message_dict.values() for m in erreurs]
    return [str(m) for m in exc.messages]


@transaction.atomic
def seances_planifier_depuis_programme(
    *, bilan: Bilan, seances: list[dict[str, Any]], lieu: str = "", lien_visio: str = ""
) -> list[Seance]:
    """Create planned séances for ``bilan`` from a (possibly edited) calendar proposal.

    Each dict has debut (aware datetime), duree_minutes, type, phase, intitule and optionally
    modalite (default from the bilan's modality). ``lieu`` and ``lien_visio``, asked once,
    go to every in-person or video séance (guided personal work has neither). Refused, with
    nothing written, when the séances already counted plus these would exceed 24 hours (the
    message names the time left), when the bilan is closed, abandoned or refused, when a
    place or link is missing, or when the new séances put the phases out of order. The
    bilan's planned hours then follow the plan, and the beneficiary is notified once.
    """
    # Lock the dossier: two planners at once cannot both pass the 24-hour check.
    verrou = Bilan.objects.select_for_update().select_related("organisation").get(pk=bilan.pk)
    if verrou.statut in TERMINAUX:
        raise ValidationError(
            _("Ce bilan est « %(statut)s » : aucune séance ne peut y être planifiée.")
            % {"statut": verrou.get_statut_display().lower()}
        )
    if not seances:
        raise ValidationError(_("Aucune séance à planifier : gardez au moins une séance."))
    propres = _etapes_nettoyer(seances)
    erreurs: list[str] = []
    debuts: list[dt.datetime] = []
    for numero, seance in enumerate(seances, start=1):
        debut = seance.get("debut")
        if isinstance(debut, dt.datetime):
            debuts.append(debut)
        else:
            erreurs.append(
                _("Séance %(numero)s : la date et l'heure sont obligatoires.") % {"numero": numero}
            )
    if erreurs:
        raise ValidationError(erreurs)
    chronologie = sorted(zip(debuts, propres, strict=True), key=lambda p: p[0])
    if not phases_dans_l_ordre(phases=[p["phase"] for _d, p in chronologie]):
        raise ValidationError(
            _(
                "Les dates placent une séance d'une phase avant une séance de la phase "
                "précédente : les phases doivent se suivre (préliminaire, investigation, "
                "conclusion)."
            )
        )
    budget_verifier(
        bilan=verrou,
        demande_minutes=etapes_minutes_comptees(etapes=propres),
        demande=Demande.PLANNING,
        champ=None,
    )
    modalite = seance_modalite_par_defaut(bilan=verrou)
    creees: list[Seance] = []
    for numero, (debut, p, brute) in enumerate(zip(debuts, propres, seances, strict=True), start=1):
        champs = SeanceChamps(
            phase=Phase(p["phase"]),
            type=TypeSeance(p["type"]),
            intitule=p["intitule"],
            objectifs="",
            debut=debut,
            duree_minutes=p["duree_minutes"],
            modalite=Seance.Modalite(brute.get("modalite") or modalite),
            lieu=lieu,
            lien_visio=lien_visio,
            consultant=None,
        )
        try:
            creees.append(seance_creer_sous_verrou(bilan=verrou, champs=champs))
        except ValidationError as exc:
            raise ValidationError(
                [
                    _("Séance %(numero)s : %(message)s") % {"numero": numero, "message": m}
                    for m in _messages(exc)
                ]
            ) from None
    bilan_heures_synchroniser(bilan=verrou)
    bilan.heures_accompagnement = verrou.heures_accompagnement
    bilan.heures_travail_personnel = verrou.heures_travail_personnel
    creees.sort(key=lambda s: s.debut)
    _notifier_calendrier(bilan=verrou, creees=creees)
    return creees


def _etapes_nettoyer(seances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return etapes_nettoyer(etapes=seances, libelle=_("Séance"))


def _notifier_calendrier(*, bilan: Bilan, creees: list[Seance]) -> None:
    """One notice for the whole calendar (not one e-mail per séance)."""
    rendez_vous = [s for s in creees if s.type != TypeSeance.TRAVAIL_PERSONNEL]
    if not rendez_vous:
        return
    premiere = rendez_vous[0]
    notification_envoyer(
        beneficiaire=bilan.beneficiaire,
        bilan=bilan,
        sujet=Notification.Sujet.SEANCES_PLANIFIEES,
        texte=ngettext(
            "%(n)s séance de votre bilan est planifiée, le %(date)s. "
            "Retrouvez-la dans votre espace.",
            "%(n)s séances de votre bilan sont planifiées ; la première le %(date)s. "
            "Retrouvez le calendrier dans votre espace.",
            len(rendez_vous),
        )
        % {
            "n": len(rendez_vous),
            "date": timezone.localtime(premiere.debut).strftime("%d/%m/%Y à %H:%M"),
        },
        lien=reverse("portail:home"),
        cle=f"{Notification.Sujet.SEANCES_PLANIFIEES}:{premiere.public_id}",
    )
