"""French formatting of hours, durations, amounts and dates, for messages and documents.

One owner for each format, so a message says "1 h 30" or "1 600,00 €" the same way everywhere.
Pure functions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

CENTIME = Decimal("0.01")


def heures_fr(*, valeur: Decimal | int | float | str) -> str:
    """A number of hours, French decimal comma, no useless zeros: 10.50 -> "10,5"; 13.0 ->
    "13"."""
    return f"{Decimal(valeur).normalize():f}".replace(".", ",")


def duree_fr(*, minutes: int) -> str:
    """A duration in minutes: 90 -> "1 h 30"; 120 -> "2 h"; 45 -> "45 min"; 0 -> "0 min".
    A negative duration reads as 0."""
    minutes = max(int(minutes), 0)
    heures, reste = divmod(minutes, 60)
    if heures == 0:
        return f"{reste} min"
    if reste == 0:
        return f"{heures} h"
    return f"{heures} h {reste:02d}"


def euros(*, montant: Decimal) -> str:
    """``Decimal("1600")`` -> ``"1 600,00 €"`` (narrow non-breaking space between thousands,
    non-breaking space before the sign)."""
    texte = f"{montant.quantize(CENTIME):,.2f}"
    return texte.replace(",", "\u202f").replace(".", ",") + "\u00a0€"


def date_fr(*, jour: dt.date) -> str:
    """``date(2026, 3, 9)`` -> ``"09/03/2026"`` (a datetime gives its date, as it is: convert it
    to local time first)."""
    return f"{jour:%d/%m/%Y}"


JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _local(moment: dt.datetime) -> dt.datetime:
    """An aware datetime in the site's time zone (Europe/Paris); a naive one as it is."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def jour_fr(*, jour: dt.date) -> str:
    """``date(2026, 11, 30)`` -> ``"lundi 30 novembre 2026"``; the 1st reads "1er". A datetime
    gives its local date. The one spelling of a day on portal pages and in e-mails."""
    if isinstance(jour, dt.datetime):
        jour = _local(jour).date()
    quantieme = "1er" if jour.day == 1 else str(jour.day)
    return f"{JOURS[jour.weekday()]} {quantieme} {MOIS[jour.month - 1]} {jour.year}"


def heure_fr(*, moment: dt.datetime | dt.time) -> str:
    """9:00 -> ``"9 h"``; 14:30 -> ``"14 h 30"`` (local time for an aware datetime)."""
    if isinstance(moment, dt.datetime):
        moment = _local(moment).time()
    if moment.minute == 0:
        return f"{moment.hour} h"
    return f"{moment.hour} h {moment.minute:02d}"


def moment_fr(*, moment: dt.datetime) -> str:
    """``datetime(2026, 11, 30, 9, 0, tzinfo=Paris)`` -> ``"lundi 30 novembre 2026 à 9 h"``.
    The one function every portal page and e-mail uses for a date and time."""
    return f"{jour_fr(jour=moment)} à {heure_fr(moment=moment)}"
