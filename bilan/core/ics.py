"""iCalendar (RFC 5545) files, built with ``icalendar``: a calendar of events, nothing more.

Callers decide what an event may reveal (a calendar leaves the application: no confidential
content) and in which time zone its times are written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import icalendar


@dataclass(frozen=True)
class IcsEvent:
    """One VEVENT. Empty optional fields are left out of the file."""

    uid: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    last_modified: dt.datetime | None = None
    status: str = ""  # CONFIRMED, CANCELLED...
    transparency: str = ""  # OPAQUE, TRANSPARENT
    classification: str = ""  # PUBLIC, PRIVATE...
    # RFC 5545 SEQUENCE: the event's revision, increased at each move or cancellation so that
    # calendars replace the copy they hold.
    sequence: int = 0


@dataclass(frozen=True)
class IcsCalendar:
    """The VCALENDAR's own properties. ``name`` and ``publish`` are for subscribed feeds."""

    prodid: str
    name: str = ""
    publish: bool = False


def calendar_ics(
    *, calendar: IcsCalendar, events: Iterable[IcsEvent], stamp: dt.datetime | None = None
) -> bytes:
    """The iCalendar file of ``events``; ``stamp`` (DTSTAMP) defaults to now in UTC."""
    stamp = stamp or dt.datetime.now(dt.UTC)
    calendrier = icalendar.Calendar()
    calendrier.add("prodid", calendar.prodid)
    calendrier.add("version", "2.0")
    if calendar.publish:
        calendrier.add("calscale", "GREGORIAN")
        calendrier.add("method", "PUBLISH")
    if calendar.name:
        calendrier.add("x-wr-calname", calendar.name)
    for event in events:
        vevent = icalendar.Event()
        vevent.add("uid", event.uid)
        vevent.add("dtstamp", stamp)
        vevent.add("sequence", event.sequence)
        if event.last_modified is not None:
            vevent.add("last-modified", event.last_modified)
        vevent.add("dtstart", event.start)
        vevent.add("dtend", event.end)
        vevent.add("summary", event.summary)
        optional = (
            ("description", event.description),
            ("location", event.location),
            ("status", event.status),
            ("transp", event.transparency),
            ("class", event.classification),
            ("url", event.url),
        )
        for name, value in optional:
            if value:
                vevent.add(name, value)
        calendrier.add_component(vevent)
    return calendrier.to_ical()
