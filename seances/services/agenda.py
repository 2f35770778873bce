"""The consultant's agenda: what a day or a week holds, overlaps, who may move a séance, and the
private iCalendar feed (a secret, revocable token stored as a hash).

Reads here run inside the organisation bound by the tenant middleware (staff pages) or by the
feed view (``tenant_context`` after the token lookup).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires import acces
from bilan.core.ics import IcsCalendar, IcsEvent, calendar_ics
from bilan.core.models import Membership, Organisation, User, hash_token
from seances import selectors
from seances.models import FluxAgenda, Seance

VUES = ("semaine", "jour")
FLUX_JOURS_PASSES = 30
FLUX_JOURS_A_VENIR = 365


# --- Time ranges ------------------------------------------------------------------------------


def lire_date(valeur: str | None, *, defaut: dt.date) -> dt.date:
    """``YYYY-MM-DD`` from the query string, or ``defaut`` when absent or malformed."""
    try:
        return dt.date.fromisoformat(valeur) if valeur else defaut
    except ValueError:
        return defaut


@dataclass(frozen=True)
class Periode:
    vue: str
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


def periode(*, vue: str, jour: dt.date) -> Periode:
    """The day of ``jour``, or its week (Monday to Sunday)."""
    if vue == "jour":
        return Periode("jour", jour, 1)
    return Periode("semaine", jour - dt.timedelta(days=jour.weekday()), 7)


# --- Séances of the agenda --------------------------------------------------------------------


def seances_agenda(*, consultant: User | None, debut: dt.datetime, fin: dt.datetime):
    """Séances of ``consultant`` (theirs, or of their bilans when none is named on the séance)
    between ``debut`` and ``fin``; every séance of the organisation when ``consultant`` is None.
    """
    if consultant is not None:
        qs = selectors.seances_du_consultant(consultant=consultant, debut=debut, fin=fin)
    else:
        qs = Seance.objects.filter(debut__gte=debut, debut__lt=fin).order_by("debut")
    return qs.select_related("bilan", "bilan__beneficiaire", "bilan__consultant", "consultant")


def consultant_effectif_id(seance: Seance) -> int | None:
    return seance.consultant_id or seance.bilan.consultant_id


def fin_de(seance: Seance) -> dt.datetime:
    return seance.debut + dt.timedelta(minutes=seance.duree_minutes)


def conflits_dans(seances) -> list[tuple[Seance, Seance]]:
    """Pairs of planned séances of the same consultant that overlap, within ``seances``."""
    planifiees = sorted(
        (s for s in seances if s.statut == Seance.Statut.PLANIFIEE), key=lambda s: s.debut
    )
    paires = []
    for i, premiere in enumerate(planifiees):
        for seconde in planifiees[i + 1 :]:
            if seconde.debut >= fin_de(premiere):
                # Sorted by start: later ones may still overlap a long first séance.
                continue
            if consultant_effectif_id(premiere) == consultant_effectif_id(seconde):
                paires.append((premiere, seconde))
    return paires


def peut_modifier(*, seance: Seance, membership: Membership | None) -> bool:
    """Reschedule or cancel: whoever accompanies the bilan or runs the séance, per
    ``beneficiaires.acces`` (the séance's consultant, the bilan's consultants, an admin)."""
    return acces.acces_bilan(
        membership=membership, bilan=seance.bilan, consultant_seance_id=seance.consultant_id
    ).accompagner


@dataclass
class BudgetCache:
    """``selectors.budget`` once per bilan for the request."""

    _valeurs: dict[int, dict] = field(default_factory=dict)

    def __call__(self, bilan) -> dict:
        if bilan.pk not in self._valeurs:
            self._valeurs[bilan.pk] = selectors.budget(bilan=bilan)
        return self._valeurs[bilan.pk]


# --- Private iCalendar feed: token services ---------------------------------------------------


def flux_actif(*, user: User, organisation: Organisation) -> FluxAgenda | None:
    return FluxAgenda.objects.filter(
        user=user, organisation=organisation, revoque_le__isnull=True
    ).first()


def _verrouiller_membre(*, user: User, organisation: Organisation) -> Membership:
    """Serialise feed changes per member (and require an active membership)."""
    return Membership.objects.select_for_update().get(
        user=user, organisation=organisation, is_active=True
    )


@transaction.atomic
def agenda_flux_revoquer(*, user: User, organisation: Organisation) -> int:
    """Revoke the member's active feed, if any. Returns how many were revoked."""
    _verrouiller_membre(user=user, organisation=organisation)
    return FluxAgenda.objects.filter(
        user=user, organisation=organisation, revoque_le__isnull=True
    ).update(revoque_le=timezone.now())


@transaction.atomic
def agenda_flux_creer(*, user: User, organisation: Organisation) -> str:
    """Create the member's feed and return its token, shown once: only its hash is stored.
    A previous active feed is revoked (one active feed per member and organisation)."""
    agenda_flux_revoquer(user=user, organisation=organisation)
    token = secrets.token_urlsafe(32)
    FluxAgenda.objects.create(user=user, organisation=organisation, token_hash=hash_token(token))
    return token


def flux_par_token(*, organisation_public_id, token: str) -> FluxAgenda | None:
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


# --- Private iCalendar feed: content ----------------------------------------------------------


def seances_du_flux(*, user: User, maintenant: dt.datetime | None = None):
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


def nom_court(beneficiaire) -> str:
    """« Camille D. »: first name and initial, nothing more in a calendar."""
    initiale = f" {beneficiaire.nom.strip()[:1].upper()}." if beneficiaire.nom.strip() else ""
    return f"{beneficiaire.prenom.strip()}{initiale}"


LIEUX: dict[str, str] = {
    Seance.Modalite.VISIO: "Visioconférence",
    Seance.Modalite.TELEPHONE: "Téléphone",
}


def calendrier_ics(
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
                end=fin_de(seance).astimezone(dt.UTC),
                summary=f"Séance de bilan — {nom_court(seance.bilan.beneficiaire)}",
                description=str(seance.get_type_display()),
                location=seance.lieu or LIEUX.get(seance.modalite, ""),
                status="CANCELLED" if annulee else "CONFIRMED",
                transparency="TRANSPARENT" if annulee else "OPAQUE",
                classification="PRIVATE",
                url=url_dossier(seance),
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
    video link, and the portal's address."""
    return calendar_ics(
        calendar=IcsCalendar(prodid="-//Bilan//Séance//FR"),
        events=[
            IcsEvent(
                uid=f"{seance.public_id}@bilan",
                start=seance.debut,
                end=fin_de(seance),
                summary=_("Bilan de compétences — %(type)s") % {"type": seance.get_type_display()},
                location=seance.lieu or seance.get_modalite_display(),
                url=seance.lien_visio,
                description=url_portail,
            )
        ],
        stamp=timezone.now(),
    )
