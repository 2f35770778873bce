"""French formatting of hours, durations, amounts and dates, for messages and documents.

One owner for each format, so a message says "1 h 30" or "1 600,00 €" the same way everywhere.
Pure functions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
