"""Calendar arithmetic: French working days and public holidays, adding months.

Conventions (French civil rules, art. 641 CPC: the day of the event that starts a delay is not
counted):

* **jour ouvré** (CDC / EDOF usage): Monday to Friday, excluding French public holidays as
  computed by the ``holidays`` package for metropolitan France (country ``FR``, no subdivision:
  the Alsace-Moselle extra days and the overseas days are not counted). Saturday is *not* a jour
  ouvré (it is a "jour ouvrable", a different notion).
* **N jours ouvrés after D**: the N-th jour ouvré strictly after D (D itself never counts).
* **legal period of N days from D** (``echeance_legale``): D + N, extended to the next jour
  ouvré when that day is a Saturday, Sunday or holiday (art. 642 CPC); one rule for every clock.
* **D + N months**: the same day N months later, clamped to the month's length (31 August + 6
  months is 28 or 29 February).

Pure functions, no database access.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools

import holidays


@functools.lru_cache(maxsize=64)
def jours_feries(*, annee: int) -> frozenset[dt.date]:
    """French public holidays of ``annee`` (metropolitan calendar), computed by ``holidays``:
    Easter Monday, Ascension and Whit Monday move every year and are never hard-coded."""
    return frozenset(holidays.country_holidays("FR", years=annee).keys())


def est_jour_ouvre(*, le: dt.date) -> bool:
    """Monday–Friday and not a French public holiday (CDC meaning of "jour ouvré")."""
    return le.weekday() < 5 and le not in jours_feries(annee=le.year)


def prochain_jour_ouvre(*, le: dt.date) -> dt.date:
    """``le`` itself when it is a jour ouvré, else the next one."""
    while not est_jour_ouvre(le=le):
        le += dt.timedelta(days=1)
    return le


def ajouter_jours_ouvres(*, depart: dt.date, jours: int) -> dt.date:
    """The ``jours``-th jour ouvré after ``depart`` (``depart`` itself never counts).

    ``jours=0`` returns ``depart``; a negative number counts backwards the same way.
    """
    pas = 1 if jours >= 0 else -1
    restant = abs(jours)
    courant = depart
    while restant:
        courant += dt.timedelta(days=pas)
        if est_jour_ouvre(le=courant):
            restant -= 1
    return courant


def ajouter_mois(*, jour: dt.date, mois: int) -> dt.date:
    """``jour`` + ``mois`` months, the day clamped to the month's length (31 August + 6 months
    -> 28/29 February)."""
    annee, index = divmod(jour.month - 1 + mois, 12)
    annee += jour.year
    dernier = calendar.monthrange(annee, index + 1)[1]
    return dt.date(annee, index + 1, min(jour.day, dernier))


def echeance_legale(*, depart: dt.date, jours: int) -> dt.date:
    """Last day of a legal period of ``jours`` calendar days that starts with the event of
    ``depart``: the **one rule for every legal clock** of the application (R6313-8 tripartite
    convention, L6353-5 withdrawal, D6323-4 employer's answer).

    * art. 641 CPC: the day of the event is not counted, so the period ends on
      ``depart + jours`` and the act is still valid on that whole day;
    * art. 642 CPC: a period that would end on a Saturday, a Sunday or a French public holiday
      is extended to the next jour ouvré (``prochain_jour_ouvre``). Applied to every clock,
      whether it protects the beneficiary (withdrawal) or ends their right (signature): the
      person always has the same number of usable days, and two clocks never disagree.
    """
    return prochain_jour_ouvre(le=depart + dt.timedelta(days=jours))
