"""A small RFC 5545 writer for the calendar feeds.

Hand-written on purpose: the output is a few well-understood properties, and the tests
parse it with an independent parser (the ``icalendar`` package). Times are written in
local time with ``TZID`` and a VTIMEZONE for Europe/Berlin (the EU rule: last Sunday of
March and October), so calendar apps show the right wall time on both sides of a DST
change; a village in any other zone gets UTC times instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PRODID = "-//dorf//Vereinskalender//DE"
BERLIN = "Europe/Berlin"

VTIMEZONE_BERLIN = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Berlin",
    "X-LIC-LOCATION:Europe/Berlin",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]


@dataclass
class FeedEvent:
    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    location: str = ""
    geo: tuple[float, float] | None = None
    rrule: str = ""
    exdates: list[datetime] = field(default_factory=list)
    recurrence_id: datetime | None = None
    sequence: int = 0
    updated_at: datetime | None = None
    url: str = ""


def escape_text(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
            limit = 74  # continuation lines start with one space
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class Writer:
    def __init__(self, *, name: str, tz_name: str) -> None:
        self.name = name
        self.tz_name = tz_name
        self.tz = ZoneInfo(tz_name)
        self.lines: list[str] = []
        self.stamp = _utc(datetime.now(UTC))

    def _time(self, prop: str, value: datetime) -> str:
        if self.tz_name == BERLIN:
            local = value.astimezone(self.tz).strftime("%Y%m%dT%H%M%S")
            return f"{prop};TZID={BERLIN}:{local}"
        return f"{prop}:{_utc(value)}"

    def _event(self, event: FeedEvent) -> list[str]:
        out = [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{self.stamp}",
            f"SEQUENCE:{event.sequence}",
        ]
        if event.recurrence_id is not None:
            out.append(self._time("RECURRENCE-ID", event.recurrence_id))
        out.append(self._time("DTSTART", event.starts_at))
        out.append(self._time("DTEND", event.ends_at))
        out.append(f"SUMMARY:{escape_text(event.summary)}")
        if event.description:
            out.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.location:
            out.append(f"LOCATION:{escape_text(event.location)}")
        if event.geo is not None:
            out.append(f"GEO:{event.geo[0]:.6f};{event.geo[1]:.6f}")
        if event.rrule:
            out.append(f"RRULE:{event.rrule}")
        for exdate in event.exdates:
            out.append(self._time("EXDATE", exdate))
        if event.updated_at is not None:
            out.append(f"LAST-MODIFIED:{_utc(event.updated_at)}")
        if event.url:
            out.append(f"URL:{event.url}")
        out.append("END:VEVENT")
        return out

    def render(self, events: Iterable[FeedEvent]) -> str:
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{escape_text(self.name)}",
            f"X-WR-TIMEZONE:{self.tz_name}",
        ]
        if self.tz_name == BERLIN:
            lines.extend(VTIMEZONE_BERLIN)
        for event in events:
            lines.extend(self._event(event))
        lines.append("END:VCALENDAR")
        return "".join(fold(line) + "\r\n" for line in lines)
