"""Reads of the consultant's agenda: what a day or a week holds, overlaps, who may move a
séance, the private iCalendar feed (its lookup by token and its content) and one séance as an
iCalendar file. The feed's token writes are in ``seances.services.agenda``.

Reads here run inside the organisation bound by the tenant middleware (staff pages) or by the
feed view (``tenant_context`` after the token lookup).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import acces
from beneficiaires.budget import BUDGET_MINUTES, TYPES_COMPTES
from beneficiaires.models import Beneficiaire
from bilan.core.ics import IcsCalendar, IcsEvent, calendar_ics
from bilan.core.models import Membership, Organisation, User, hash_token
from bilan.core.tenancy import indice_organisation
from seances.models import STATUTS_COMPTES, FluxAgenda, Seance
from seances.selectors.seances import seances_du_consultant

FLUX_JOURS_PASSES = 30
FLUX_JOURS_A_VENIR = 365


class VueAgenda(models.TextChoices):
    SEMAINE = "semaine", gettext_lazy("Semaine")
    JOUR = "jour", gettext_lazy("Jour")


# --- Time ranges ------------------------------------------------------------------------------


def date_lue(*, valeur: str | None, defaut: dt.date) -> dt.date:
    """``YYYY-MM-DD`` from a query string, or ``defaut`` when absent or malformed."""
    try:
        return dt.date.fromisoformat(valeur) if valeur else defaut
    except ValueError:
        return defaut


@dataclass(frozen=True)
class Periode:
    vue: VueAgenda
    premier_jour: dt.date
    nb_jours: int

    @property
    def jours(self) -> list[dt.date]:
        return [self.premier_jour + dt.timedelta(days=i) for i in range(self.nb_jours)]

    @property
    def dernier_jour(self) -> dt.date:
        return self.premier_jour + dt.timedelta(days=self.nb_jours - 1)

    @property
    def debut(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.premier_jour, dt.time.min))

    @property
    def fin(self) -> dt.datetime:
        lendemain = self.premier_jour + dt.timedelta(days=self.nb_jours)
        return timezone.make_aware(dt.datetime.combine(lendemain, dt.time.min))

    @property
    def precedente(self) -> dt.date:
        return self.premier_jour - dt.timedelta(days=self.nb_jours)

    @property
    def suivante(self) -> dt.date:
        return self.premier_jour + dt.timedelta(days=self.nb_jours)


def agenda_periode(*, vue: VueAgenda, jour: dt.date) -> Periode:
    """The day of ``jour``, or its week (Monday to Sunday)."""
    if vue == VueAgenda.JOUR:
        return Periode(VueAgenda.JOUR, jour, 1)
    return Periode(VueAgenda.SEMAINE, jour - dt.timedelta(days=jour.weekday()), 7)


# --- Séances of the agenda --------------------------------------------------------------------


def seances_agenda(
    *, consultant: User | None, debut: dt.datetime, fin: dt.datetime
) -> QuerySet[Seance]:
    """Séances of ``consultant`` (theirs, or of their bilans when none is named on the séance)
    between ``debut`` and ``fin``; every séance of the organisation when ``consultant`` is None.
    """
    if consultant is not None:
        qs = seances_du_consultant(consultant=consultant, debut=debut, fin=fin)
    else:
        qs = Seance.objects.filter(debut__gte=debut, debut__lt=fin).order_by("debut")
    # Joined tables: see indice_organisation (26 ms → 2 ms for a consultant's week).
    qs = qs.filter(**indice_organisation("bilan", "bilan__beneficiaire"))
    return qs.select_related("bilan", "bilan__beneficiaire", "bilan__consultant", "consultant")


def seance_consultant_effectif_id(*, seance: Seance) -> int | None:
    """The séance's consultant, else the bilan's."""
    return seance.consultant_id or seance.bilan.consultant_id


def seance_fin(*, seance: Seance) -> dt.datetime:
    """When the séance is planned to end."""
    return seance.debut + dt.timedelta(minutes=seance.duree_minutes)


def seances_en_conflit(*, seances: Iterable[Seance]) -> list[tuple[Seance, Seance]]:
    """Pairs of planned séances of the same consultant that overlap, within ``seances``
    (guided personal work, done by the beneficiary alone, takes none of their time)."""
    planifiees = sorted(
        (
            s
            for s in seances
            if s.statut == Seance.Statut.PLANIFIEE and s.modalite != Seance.Modalite.AUTONOMIE
        ),
        key=lambda s: s.debut,
    )
    paires = []
    for i, premiere in enumerate(planifiees):
        for seconde in planifiees[i + 1 :]:
            if seconde.debut >= seance_fin(seance=premiere):
                # Sorted by start: every later séance starts after this one ends too.
                break
            if seance_consultant_effectif_id(seance=premiere) == seance_consultant_effectif_id(
                seance=seconde
            ):
                paires.append((premiere, seconde))
    return paires


def seance_modifiable_par(*, seance: Seance, membership: Membership | None) -> bool:
    """Reschedule or cancel: whoever accompanies the bilan or runs the séance, per
    ``beneficiaires.acces`` (the séance's consultant, the bilan's consultants, an admin)."""
    return acces.acces_bilan(
        membership=membership, bilan=seance.bilan, consultant_seance_id=seance.consultant_id
    ).accompagner


def budgets_agenda(*, seances: Iterable[Seance]) -> dict[int, dict[str, Any]]:
    """The 24-hour gauge (total hours, percentage) of each bilan of ``seances``, by bilan pk,
    in one aggregated query (the agenda shows a gauge on every séance; ``bilan_budget`` per
    bilan was one query per dossier)."""
    bilan_ids = {s.bilan_id for s in seances}
    if not bilan_ids:
        return {}
    comptees = (
        Seance.objects.filter(
            bilan_id__in=bilan_ids, statut__in=STATUTS_COMPTES, type__in=TYPES_COMPTES
        )
        .values("bilan_id")
        .annotate(minutes=Sum(Greatest("duree_minutes", Coalesce("duree_realisee_minutes", 0))))
    )
    minutes = {ligne["bilan_id"]: ligne["minutes"] or 0 for ligne in comptees}
    return {
        bilan_id: {
            "total": minutes.get(bilan_id, 0) / 60,
            "pourcentage": min(round(minutes.get(bilan_id, 0) / BUDGET_MINUTES * 100), 100),
        }
        for bilan_id in bilan_ids
    }


# --- Private iCalendar feed -------------------------------------------------------------------


def flux_agenda_actif(*, user: User, organisation: Organisation) -> FluxAgenda | None:
    """The member's active feed in ``organisation``, if any."""
    return FluxAgenda.objects.filter(
        user=user, organisation=organisation, revoque_le__isnull=True
    ).first()


def flux_agenda_par_jeton(
    *, organisation_public_id: uuid.UUID | str, token: str
) -> FluxAgenda | None:
    """The active feed behind ``token`` for this organisation, whose owner is still an active
    member of it; None otherwise (unknown, revoked, other organisation, member deactivated)."""
    if not token or len(token) > 200:
        return None
    flux = (
        FluxAgenda.objects.select_related("user", "organisation")
        .filter(token_hash=hash_token(token), revoque_le__isnull=True)
        .first()
    )
    if flux is None or str(flux.organisation.public_id) != str(organisation_public_id):
        return None
    if not (flux.organisation.is_active and flux.user.is_active):
        return None
    membre_actif = Membership.objects.filter(
        user=flux.user, organisation=flux.organisation, is_active=True
    ).exists()
    return flux if membre_actif else None


def seances_du_flux(*, user: User, maintenant: dt.datetime | None = None) -> QuerySet[Seance]:
    """The member's séances from 30 days ago to 365 days ahead (organisation already bound)."""
    maintenant = maintenant or timezone.now()
    return (
        Seance.objects.filter(
            debut__gte=maintenant - dt.timedelta(days=FLUX_JOURS_PASSES),
            debut__lt=maintenant + dt.timedelta(days=FLUX_JOURS_A_VENIR),
        )
        .filter(Q(consultant=user) | Q(consultant__isnull=True, bilan__consultant=user))
        .select_related("bilan", "bilan__beneficiaire")
        .order_by("debut")
    )


def beneficiaire_nom_court(*, beneficiaire: Beneficiaire) -> str:
    """« Camille D. »: first name and initial, nothing more in a calendar."""
    initiale = f" {beneficiaire.nom.strip()[:1].upper()}." if beneficiaire.nom.strip() else ""
    return f"{beneficiaire.prenom.strip()}{initiale}"


LIEUX: dict[str, str] = {
    Seance.Modalite.VISIO: "Visioconférence",
    Seance.Modalite.TELEPHONE: "Téléphone",
    Seance.Modalite.AUTONOMIE: "Travail personnel",
}


def seances_calendrier_ics(
    *, seances: Iterable[Seance], url_dossier: Callable[[Seance], str], nom_calendrier: str
) -> bytes:
    """An iCalendar of ``seances`` without confidential content: no notes, no objectives, no
    free-text title; the beneficiary as « prénom N. », the séance type as description.

    ``url_dossier(seance)`` gives the absolute URL of the dossier page (staff, login required).
    """
    evenements = []
    for seance in seances:
        annulee = seance.statut not in (Seance.Statut.PLANIFIEE, Seance.Statut.REALISEE)
        evenements.append(
            IcsEvent(
                uid=f"{seance.public_id}@bilan",
                last_modified=seance.updated_at.astimezone(dt.UTC),
                start=seance.debut.astimezone(dt.UTC),
                end=seance_fin(seance=seance).astimezone(dt.UTC),
                summary="Séance de bilan — "
                + beneficiaire_nom_court(beneficiaire=seance.bilan.beneficiaire),
                description=str(seance.get_type_display()),
                location=seance.lieu or LIEUX.get(seance.modalite, ""),
                status="CANCELLED" if annulee else "CONFIRMED",
                transparency="TRANSPARENT" if annulee else "OPAQUE",
                classification="PRIVATE",
                url=url_dossier(seance),
                sequence=seance.sequence,
            )
        )
    return calendar_ics(
        calendar=IcsCalendar(
            prodid="-//Bilan//Agenda des séances//FR", name=nom_calendrier, publish=True
        ),
        events=evenements,
        stamp=timezone.now().astimezone(dt.UTC),
    )


def seance_calendrier_ics(*, seance: Seance, url_portail: str) -> bytes:
    """One séance as an iCalendar file for the beneficiary's own calendar: its type, place and
    video link, and the portal's address. A cancelled séance (or an absence) is the same event
    (same UID) with ``STATUS:CANCELLED`` and its increased ``SEQUENCE``, so that a calendar
    importing it removes the appointment."""
    annulee = seance.statut not in (Seance.Statut.PLANIFIEE, Seance.Statut.REALISEE)
    return calendar_ics(
        calendar=IcsCalendar(prodid="-//Bilan//Séance//FR"),
        events=[
            IcsEvent(
                uid=f"{seance.public_id}@bilan",
                start=seance.debut,
                end=seance_fin(seance=seance),
                summary=_("Bilan de compétences — %(type)s") % {"type": seance.get_type_display()},
                location=seance.lieu or str(seance.get_modalite_display()),
                url=seance.lien_visio,
                description=url_portail,
                last_modified=seance.updated_at,
                status="CANCELLED" if annulee else "CONFIRMED",
                transparency="TRANSPARENT" if annulee else "OPAQUE",
                sequence=seance.sequence,
            )
        ],
        stamp=timezone.now(),
    )
