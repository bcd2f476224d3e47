"""iCalendar (RFC 5545) output, written with the ``icalendar`` library.

Every app with dates renders its feed through ``render_calendar``: the caller builds
``Entry`` values (one VEVENT each: a single date, a series with RRULE/EXDATE, or one moved
occurrence with RECURRENCE-ID) and gets the bytes of a VCALENDAR. Times are written in
the village's local time with ``TZID`` plus a VTIMEZONE for the zone, so calendar apps
show the right wall time on both sides of a clock change and expand a weekly 19:30 as
19:30 all year; a village in UTC gets UTC times.

The VTIMEZONE is built here from the zone's transitions (zoneinfo) over the years the
feed needs: each yearly pattern ("last Sunday of March, 02:00") becomes one RRULE, so the
block stays a few lines and is valid beyond its last year; irregular transitions become
RDATEs. (icalendar's own generator lists every transition as an RDATE and stops in 2038.)
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from django.utils import timezone

PRODID = "-//dorf//Dorfkalender//DE"
_UTC_KEYS = ("UTC", "Etc/UTC", "Etc/GMT", "GMT", "Z")


@dataclass(frozen=True)
class Alarm:
    """A reminder the calendar app shows ``before`` the start (VALARM, ACTION:DISPLAY)."""

    before: timedelta
    description: str


@dataclass(frozen=True)
class Entry:
    """One VEVENT. ``uid`` must stay the same for the same thing across renders (and be
    shared by a series and its moved occurrences, which carry ``recurrence_id``).
    ``starts_at``/``ends_at`` are aware datetimes, or dates for an all-day entry
    (``ends_at`` then is the day after the last day, as RFC 5545 wants)."""

    uid: str
    summary: str
    starts_at: datetime | date
    ends_at: datetime | date
    description: str = ""
    location: str = ""
    geo: tuple[float, float] | None = None
    rrule: str = ""
    exdates: Sequence[datetime | date] = ()  # dates for an all-day series
    recurrence_id: datetime | None = None
    sequence: int = 0
    updated_at: datetime | None = None
    url: str = ""
    status: str = ""  # CONFIRMED, TENTATIVE or CANCELLED; empty: not written
    categories: Sequence[str] = ()
    alarms: Sequence[Alarm] = field(default_factory=tuple)
    # The zone this entry's wall clock (and RRULE) follows when it is not the calendar's:
    # written with its own TZID and VTIMEZONE.
    tz: ZoneInfo | None = None
    # An invitation (METHOD:REQUEST/CANCEL, RFC 5546): who invites and who is invited,
    # as mailto: addresses; attendees have accepted (a booked appointment).
    organizer: str = ""
    attendees: Sequence[str] = ()


class _Rule(icalendar.vRecur):
    """An RRULE written exactly as stored (icalendar would reorder its parts)."""

    def __init__(self, text: str) -> None:
        super().__init__(icalendar.vRecur.from_ical(text))
        self.text = text

    def to_ical(self) -> bytes:
        return self.text.encode()


class _Geo(icalendar.vGeo):
    """GEO with six decimals (about 0.1 m), the precision RFC 5545 names."""

    def to_ical(self) -> str:
        return f"{self.latitude:.6f};{self.longitude:.6f}"


def _is_utc(tz: ZoneInfo) -> bool:
    return tz.key in _UTC_KEYS


def _when(value: datetime | date, tz: ZoneInfo) -> datetime | date:
    if isinstance(value, datetime):
        return value.astimezone(UTC if _is_utc(tz) else tz)
    return value


def _event(entry: Entry, *, tz: ZoneInfo, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("UID", entry.uid)
    event.add("DTSTAMP", stamp)
    event.add("SEQUENCE", entry.sequence)
    if entry.recurrence_id is not None:
        event.add("RECURRENCE-ID", _when(entry.recurrence_id, tz))
    event.add("DTSTART", _when(entry.starts_at, tz))
    event.add("DTEND", _when(entry.ends_at, tz))
    event.add("SUMMARY", entry.summary)
    if entry.description:
        event.add("DESCRIPTION", entry.description)
    if entry.location:
        event.add("LOCATION", entry.location)
    if entry.geo is not None:
        event["GEO"] = _Geo(entry.geo)
    if entry.rrule:
        event["RRULE"] = _Rule(entry.rrule)
    if entry.exdates:
        event.add("EXDATE", [_when(d, tz) for d in sorted(entry.exdates)])
    if entry.status:
        event.add("STATUS", entry.status)
    if entry.categories:
        event.add("CATEGORIES", list(entry.categories))
    if entry.updated_at is not None:
        event.add("LAST-MODIFIED", entry.updated_at.astimezone(UTC))
    if entry.url:
        event.add("URL", entry.url)
    if entry.organizer:
        event.add("ORGANIZER", entry.organizer)
    for attendee in entry.attendees:
        event.add("ATTENDEE", attendee, parameters={"PARTSTAT": "ACCEPTED"})
    for alarm in entry.alarms:
        valarm = icalendar.Alarm()
        valarm.add("ACTION", "DISPLAY")
        valarm.add("TRIGGER", -alarm.before)
        valarm.add("DESCRIPTION", alarm.description)
        event.add_component(valarm)
    return event


def _years(entries: Sequence[Entry], today: date) -> tuple[int, int]:
    years = {today.year}
    for entry in entries:
        for value in (entry.starts_at, entry.ends_at, entry.recurrence_id, *entry.exdates):
            if value is not None:
                years.add(value.year)
    return min(years) - 1, max(years) + 1


def render_calendar(
    *,
    name: str,
    tz: ZoneInfo,
    entries: Iterable[Entry],
    description: str = "",
    refresh: timedelta | None = None,
    method: str = "PUBLISH",
) -> bytes:
    """A VCALENDAR with one VTIMEZONE for ``tz`` and one VEVENT per entry; ``refresh``
    asks subscribers to poll that often (REFRESH-INTERVAL and the older X-PUBLISHED-TTL).
    ``method``: PUBLISH for a feed, REQUEST or CANCEL for an invitation (RFC 5546), whose
    entries then name their organizer and attendees; ``name`` may be empty for one."""
    items = list(entries)
    stamp = timezone.now().astimezone(UTC).replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("VERSION", "2.0")
    cal.add("PRODID", PRODID)
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", method)
    if name:
        cal.add("X-WR-CALNAME", name)
    cal.add("X-WR-TIMEZONE", tz.key)
    if description:
        cal.add("X-WR-CALDESC", description)
    if refresh is not None:
        cal.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})
        cal.add("X-PUBLISHED-TTL", icalendar.vDuration(refresh))
    zones = [tz, *sorted({e.tz for e in items if e.tz is not None} - {tz}, key=lambda z: z.key)]
    for zone in zones:
        if not _is_utc(zone):
            first, last = _years([e for e in items if (e.tz or tz) == zone], stamp.date())
            cal.add_component(vtimezone(zone, first_year=first, last_year=last))
    for entry in items:
        cal.add_component(_event(entry, tz=entry.tz or tz, stamp=stamp))
    return bytes(cal.to_ical())


# --- VTIMEZONE ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Transition:
    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    name: str
    dst: bool

    @property
    def local(self) -> datetime:
        """The wall time at the change, read with the offset before it (RFC 5545)."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def kind(self) -> tuple[bool, timedelta, timedelta, str]:
        return (self.dst, self.offset_from, self.offset_to, self.name)


def _pattern(local: datetime) -> tuple[int, int, int, Any]:
    """(month, weekday, time, position) where position is -1 for the last such weekday
    of the month or n for the n-th."""
    last_day = calendar.monthrange(local.year, local.month)[1]
    position = -1 if local.day + 7 > last_day else (local.day - 1) // 7 + 1
    return local.month, local.weekday(), local.hour * 3600 + local.minute * 60, position


def _transitions(tz: ZoneInfo, first_year: int, last_year: int) -> list[_Transition]:
    """Every offset change in the years, found day by day and narrowed to the second."""
    result: list[_Transition] = []
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(tz).utcoffset()
    while moment < end:
        following = moment + timedelta(days=1)
        after = following.astimezone(tz).utcoffset()
        if after != offset:
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            local = high.astimezone(tz)
            before_change = offset or timedelta(0)
            after_change = after or timedelta(0)
            dst = bool(local.dst())
            result.append(_Transition(high, before_change, after_change, local.tzname() or "", dst))
            offset = after
        moment = following
    return result


def _offset_component(dst: bool) -> icalendar.cal.Component:
    return icalendar.TimezoneDaylight() if dst else icalendar.TimezoneStandard()


def _observance(
    first: _Transition, *, rrule: str = "", rdates: Sequence[datetime] = ()
) -> icalendar.cal.Component:
    component = _offset_component(first.dst)
    component.add("DTSTART", first.local)
    if rrule:
        component["RRULE"] = _Rule(rrule)
    if rdates:
        component.add("RDATE", list(rdates))
    component.add("TZNAME", first.name)
    component.add("TZOFFSETFROM", first.offset_from)
    component.add("TZOFFSETTO", first.offset_to)
    return component


def _yearly_runs(transitions: list[_Transition]) -> list[list[_Transition]]:
    """Transitions of one kind cut into runs that follow one yearly pattern."""
    runs: list[list[_Transition]] = []
    for transition in transitions:
        if runs:
            run = runs[-1]
            previous = run[-1]
            if (
                transition.local.year == previous.local.year + 1
                and _pattern(transition.local) == _pattern(previous.local)
                and transition.kind == previous.kind
            ):
                run.append(transition)
                continue
        runs.append([transition])
    return runs


@lru_cache(maxsize=64)
def vtimezone(tz: ZoneInfo, *, first_year: int, last_year: int) -> icalendar.Timezone:
    """The VTIMEZONE of ``tz`` valid from ``first_year`` on: yearly patterns as RRULEs
    (open-ended when they last to ``last_year``), the rest as RDATEs."""
    component = icalendar.Timezone()
    component.add("TZID", tz.key)
    component.add("X-LIC-LOCATION", tz.key)
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    local = start.astimezone(tz)
    offset = local.utcoffset() or timedelta(0)
    initial = _Transition(start, offset, offset, local.tzname() or "", bool(local.dst()))
    component.add_component(_observance(initial))
    transitions = _transitions(tz, first_year, last_year)
    by_kind: dict[tuple[bool, timedelta, timedelta, str], list[_Transition]] = {}
    for transition in transitions:
        by_kind.setdefault(transition.kind, []).append(transition)
    singles: dict[tuple[bool, timedelta, timedelta, str], list[_Transition]] = {}
    for kind_transitions in by_kind.values():
        for run in _yearly_runs(kind_transitions):
            if len(run) < 2:
                singles.setdefault(run[0].kind, []).append(run[0])
                continue
            month, weekday, _time, position = _pattern(run[0].local)
            day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[weekday]
            rule = f"FREQ=YEARLY;BYMONTH={month};BYDAY={position}{day}"
            if run[-1].local.year < last_year:
                rule += f";UNTIL={run[-1].at.strftime('%Y%m%dT%H%M%SZ')}"
            component.add_component(_observance(run[0], rrule=rule))
    for kind_singles in singles.values():
        component.add_component(
            _observance(kind_singles[0], rdates=[t.local for t in kind_singles[1:]])
        )
    return component
