"""Import of external calendars (ICS by URL) into the village calendar.

Fetched outside any transaction through ``dorf.core.fetch`` (SSRF-safe, bounded,
conditional GET with ``If-None-Match``/``If-Modified-Since``), parsed with ``icalendar``,
stored in one transaction. An event is known by its UID (plus its RECURRENCE-ID for a
moved occurrence): importing the same file twice creates and changes nothing, a changed
event is updated with its sequence bumped, an event gone from the file is deleted.

A file that is too large, not iCalendar, malformed or holds too many events is refused
as a whole: the refusal is logged and stored on the calendar (``last_error``), and the
previous import and its ETag stay as they were. A single event the village calendar
cannot hold (a rule outside our limits, too many exceptions, a date before 1970 or after
2100, no start) is skipped and logged; the rest of the file is imported.

What is taken from a VEVENT: UID, SUMMARY, DESCRIPTION, LOCATION, GEO, CATEGORIES,
DTSTART/DTEND/DURATION (dates: all-day; a TZID of the IANA database: that zone; floating
times: the village's zone), one RRULE, RDATE, EXDATE, RECURRENCE-ID; STATUS:CANCELLED
events are left out.

An RDATE (a date, a date-time or a period) becomes an event of its own, known by the
master's UID and its start (``<uid>#rdate-<start in UTC>``), with the master's duration
unless a period gives its end: the village calendar's series hold one rule, and calendar
apps reading our feed see the same occurrences either way. EXDATE leaves out RDATE
occurrences as it does the rule's (and DTSTART itself: a master without a rule whose
DTSTART is excluded is not stored, its RDATEs are); an RDATE the rule already produces
counts once; a moved RDATE occurrence (RECURRENCE-ID) replaces it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from django.db import transaction
from django.utils import timezone

from dorf.calendar.recurrence import Series, find_occurrence, validate_rule
from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.core.fetch import FetchError, fetch
from dorf.events.models import ExternalCalendar, VillageEvent

logger = logging.getLogger(__name__)

ICS_ACCEPT = "text/calendar, application/calendar+xml;q=0.5, */*;q=0.1"
# A parish or a town publishes a few hundred events a year; 2 MB is thousands of them.
MAX_ICS_BYTES = 2 * 1024 * 1024
MAX_EVENTS = 2_000
MAX_EXDATES = 500
MAX_RDATES = 500  # per event; a file's RDATEs count towards MAX_EVENTS as well
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
DEFAULT_DURATION = timedelta(hours=1)
IMPORTED_FIELDS = (
    "title",
    "description",
    "place",
    "latitude",
    "longitude",
    "starts_at",
    "ends_at",
    "all_day",
    "timezone",
    "rrule",
    "exdates",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class IcsRefused(Exception):
    """The whole file is refused (the previous import stays)."""


class _SkipEvent(Exception):
    """One event cannot be held; the others are imported."""


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    filtered: int = 0
    not_modified: bool = False
    error: str = ""


@dataclass
class ParsedEvent:
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    timezone: str
    description: str = ""
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    rrule: str = ""
    exdates: set[datetime] = field(default_factory=set)
    # Extra occurrences (RDATE): (start, end) in UTC; turned into events of their own.
    rdates: list[tuple[datetime, datetime]] = field(default_factory=list)
    categories: tuple[str, ...] = ()
    # For a moved occurrence: the master's UID and the original start.
    master_uid: str = ""
    recurrence_id: datetime | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "place": self.place,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "all_day": self.all_day,
            "timezone": self.timezone,
            "rrule": self.rrule,
            "exdates": sorted(d.isoformat() for d in self.exdates),
        }

    def digest(self, calendar: ExternalCalendar) -> str:
        data = {**self.fields(), "category": calendar.category}
        raw = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(raw).hexdigest()


# --- parsing ------------------------------------------------------------------------------------


def _text(component: Any, name: str, limit: int) -> str:
    value = component.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return _CONTROL.sub("", str(value)).strip()[:limit]


def _zone_name(tz: tzinfo | None) -> str | None:
    """The IANA name of a parsed TZID, or None when it has none we know."""
    if tz is None:
        return None
    for candidate in (getattr(tz, "key", None), getattr(tz, "zone", None), str(tz)):
        if not candidate:
            continue
        if candidate in ("UTC", "Etc/UTC", "GMT", "Z"):
            return "UTC"
        try:
            ZoneInfo(str(candidate))
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return str(candidate)
    return "UTC" if tz.utcoffset(None) == timedelta(0) else None


def _instant(value: date | datetime, local: ZoneInfo) -> datetime:
    """A DTSTART-like value as UTC: dates at local midnight, floating times local."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=local).astimezone(UTC)
        return value.astimezone(UTC)
    return datetime.combine(value, time.min, tzinfo=local).astimezone(UTC)


def _values(component: Any, name: str) -> list[Any]:
    raw = component.get(name)
    if raw is None:
        return []
    return raw if isinstance(raw, list) else [raw]


def _exdates(component: Any, local: ZoneInfo) -> set[datetime]:
    found: set[datetime] = set()
    for entry in _values(component, "EXDATE"):
        for item in getattr(entry, "dts", []):
            found.add(_instant(item.dt, local))
            if len(found) > MAX_EXDATES:
                raise _SkipEvent(f"more than {MAX_EXDATES} EXDATEs")
    return found


def _rdates(
    component: Any, local: ZoneInfo, *, all_day: bool, duration: timedelta, days: int
) -> list[tuple[datetime, datetime]]:
    """The RDATEs as (start, end) in UTC: a date (all-day, as many days as the master),
    a date-time (the master's duration) or a period (its own end)."""
    found: list[tuple[datetime, datetime]] = []
    for entry in _values(component, "RDATE"):
        for item in getattr(entry, "dts", []):
            value = item.dt
            if isinstance(value, tuple):
                start = _instant(value[0], local)
                second = value[1]
                end = start + second if isinstance(second, timedelta) else _instant(second, local)
            elif isinstance(value, datetime):
                start = _instant(value, local)
                end = start + duration
            elif isinstance(value, date):
                start = _instant(value, local)
                end = _instant(value + timedelta(days=days), local)
            else:
                raise _SkipEvent("RDATE of an unknown kind")
            if isinstance(value, datetime | tuple) == all_day:
                raise _SkipEvent("RDATE of another kind than DTSTART")
            if not (EARLIEST <= start < LATEST) or end <= start:
                raise _SkipEvent("RDATE outside 1970-2100 or ending before its start")
            found.append((start, end))
            if len(found) > MAX_RDATES:
                raise _SkipEvent(f"more than {MAX_RDATES} RDATEs")
    return sorted(set(found))


def _categories(component: Any) -> tuple[str, ...]:
    names: list[str] = []
    for entry in _values(component, "CATEGORIES"):
        names += [str(c).strip().casefold() for c in getattr(entry, "cats", [])]
    return tuple(name for name in names if name)


def _event(component: Any, *, village_tz: ZoneInfo) -> ParsedEvent | None:
    """One VEVENT, or None for one that is left out (cancelled)."""
    if _text(component, "STATUS", 20).upper() == "CANCELLED":
        return None
    if component.get("DTSTART") is None:
        raise _SkipEvent("no DTSTART")
    start_value = component.decoded("DTSTART")
    all_day = not isinstance(start_value, datetime)
    zone_name = village_tz.key
    if isinstance(start_value, datetime) and start_value.tzinfo is not None:
        zone_name = _zone_name(start_value.tzinfo) or village_tz.key
    local = ZoneInfo(zone_name)
    starts_at = _instant(start_value, local)
    if component.get("DTEND") is not None:
        ends_at = _instant(component.decoded("DTEND"), local)
    elif component.get("DURATION") is not None:
        ends_at = starts_at + component.decoded("DURATION")
    else:
        ends_at = starts_at + (timedelta(days=1) if all_day else DEFAULT_DURATION)
    if ends_at <= starts_at:
        ends_at = starts_at + (timedelta(days=1) if all_day else DEFAULT_DURATION)
    if not (EARLIEST <= starts_at < LATEST):
        raise _SkipEvent("start outside 1970-2100")
    uid = _text(component, "UID", 200)
    title = _text(component, "SUMMARY", 200) or "—"
    if not uid:
        uid = "h:" + hashlib.sha256(f"{starts_at.isoformat()}|{title}".encode()).hexdigest()[:40]
    rules = _values(component, "RRULE")
    if len(rules) > 1:
        raise _SkipEvent("more than one RRULE")
    rrule = ""
    if rules:
        text = rules[0].to_ical().decode()
        try:
            rrule = validate_rule(text, starts_at=starts_at, tz=local)
        except ValidationFailed as exc:
            raise _SkipEvent(f"RRULE {text[:80]!r} outside the limits") from exc
    rdates: list[tuple[datetime, datetime]] = []
    if component.get("RDATE") is not None and component.get("RECURRENCE-ID") is None:
        days = (ends_at.astimezone(local).date() - starts_at.astimezone(local).date()).days
        rdates = _rdates(
            component, local, all_day=all_day, duration=ends_at - starts_at, days=max(days, 1)
        )
    geo = component.get("GEO")
    parsed = ParsedEvent(
        uid=uid,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
        timezone=zone_name,
        description=_text(component, "DESCRIPTION", 4000),
        place=_text(component, "LOCATION", 200),
        latitude=getattr(geo, "latitude", None) if geo is not None else None,
        longitude=getattr(geo, "longitude", None) if geo is not None else None,
        rrule=rrule,
        exdates=_exdates(component, local) if rrule or rdates else set(),
        rdates=rdates,
        categories=_categories(component),
    )
    if component.get("RECURRENCE-ID") is not None:
        original = _instant(component.decoded("RECURRENCE-ID"), local)
        parsed.master_uid = uid
        parsed.recurrence_id = original
        parsed.uid = f"{uid[:150]}#{original.strftime('%Y%m%dT%H%M%SZ')}"
        parsed.rrule = ""
        parsed.exdates = set()
    return parsed


def parse_calendar(body: bytes, *, village_tz: ZoneInfo) -> tuple[list[ParsedEvent], int]:
    """The events of an ICS file and how many were skipped; ``IcsRefused`` for a file
    that is not iCalendar, malformed or too large."""
    if len(body) > MAX_ICS_BYTES:
        raise IcsRefused(f"larger than {MAX_ICS_BYTES} bytes")
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.upper().startswith(b"BEGIN:VCALENDAR"):
        raise IcsRefused("not an iCalendar file")
    if text.upper().count(b"BEGIN:VEVENT") > MAX_EVENTS:
        raise IcsRefused(f"more than {MAX_EVENTS} events")
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError, RecursionError) as exc:
        raise IcsRefused(f"malformed iCalendar: {str(exc)[:120]}") from exc
    if len(calendars) != 1:
        raise IcsRefused("malformed iCalendar: not exactly one VCALENDAR")
    events: list[ParsedEvent] = []
    skipped = 0
    rdates = 0
    for component in calendars[0].walk("VEVENT"):
        try:
            parsed = _event(component, village_tz=village_tz)
        except _SkipEvent as exc:
            skipped += 1
            logger.warning("external calendar event skipped: %s", exc)
            continue
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:
            skipped += 1
            logger.warning("external calendar event skipped: malformed (%s)", exc)
            continue
        if parsed is not None:
            events.append(parsed)
            rdates += len(parsed.rdates)
            if len(events) + rdates > MAX_EVENTS:
                raise IcsRefused(f"more than {MAX_EVENTS} events and RDATEs")
    return events, skipped


# --- storing ------------------------------------------------------------------------------------


def _keep(events: list[ParsedEvent], tags: list[str]) -> tuple[dict[str, ParsedEvent], int]:
    """De-duplicated by UID (the first wins), the tag filter applied, and moved
    occurrences left out of their series (EXDATE)."""
    wanted = set(tags)
    kept: dict[str, ParsedEvent] = {}
    filtered = 0
    for event in events:
        if wanted and not wanted.intersection(event.categories):
            filtered += 1
            continue
        kept.setdefault(event.uid, event)
    for event in list(kept.values()):
        if event.recurrence_id is not None:
            master = kept.get(event.master_uid)
            if master is None:
                continue
            if master.rrule:
                master.exdates.add(event.recurrence_id)
            master.rdates = [r for r in master.rdates if r[0] != event.recurrence_id]
    for event in list(kept.values()):
        if not event.rdates:
            continue
        for extra in _rdate_events(event):
            kept.setdefault(extra.uid, extra)
        if not event.rrule and event.starts_at in event.exdates:
            del kept[event.uid]  # EXDATE took DTSTART itself: only the RDATEs remain
    return kept, filtered


def _rdate_events(master: ParsedEvent) -> list[ParsedEvent]:
    """One single event per RDATE occurrence that EXDATE leaves in and that neither
    DTSTART nor the rule produces already."""
    series = Series(
        starts_at=master.starts_at,
        ends_at=master.ends_at,
        tz=ZoneInfo(master.timezone),
        rule=master.rrule,
        exdates=frozenset(master.exdates),
    )
    extras: list[ParsedEvent] = []
    for start, end in master.rdates:
        if start in master.exdates or start == master.starts_at:
            continue
        if master.rrule and find_occurrence(series, original_start=start) is not None:
            continue
        extras.append(
            ParsedEvent(
                uid=f"{master.uid[:150]}#rdate-{start.strftime('%Y%m%dT%H%M%SZ')}",
                title=master.title,
                starts_at=start,
                ends_at=end,
                all_day=master.all_day,
                timezone=master.timezone,
                description=master.description,
                place=master.place,
                latitude=master.latitude,
                longitude=master.longitude,
                categories=master.categories,
            )
        )
    return extras


def _record_failure(calendar: ExternalCalendar, message: str) -> ImportResult:
    logger.warning(
        "external calendar import refused for calendar %s (%s): %s",
        calendar.pk,
        calendar.url,
        message,
    )
    ExternalCalendar.objects.filter(pk=calendar.pk).update(
        last_polled_at=timezone.now(), last_error=message[:300]
    )
    return ImportResult(error=message)


@transaction.atomic
def _store(
    calendar: ExternalCalendar,
    events: dict[str, ParsedEvent],
    *,
    skipped: int,
    filtered: int,
    etag: str,
    last_modified: str,
) -> ImportResult:
    now = timezone.now()
    # Lock the calendar row: two imports of one calendar (a task retried while the
    # request's import runs) take turns instead of both inserting.
    ExternalCalendar.objects.select_for_update().filter(pk=calendar.pk).first()
    existing = {e.uid: e for e in VillageEvent.objects.filter(calendar=calendar)}
    created: list[VillageEvent] = []
    changed: list[VillageEvent] = []
    unchanged = 0
    for uid, parsed in events.items():
        digest = parsed.digest(calendar)
        current = existing.get(uid)
        if current is None:
            created.append(
                VillageEvent(
                    village_id=calendar.village_id,
                    calendar=calendar,
                    uid=uid,
                    category=calendar.category,
                    public=True,
                    import_hash=digest,
                    **parsed.fields(),
                )
            )
        elif current.import_hash != digest:
            for name, value in parsed.fields().items():
                setattr(current, name, value)
            current.category = calendar.category
            current.import_hash = digest
            current.sequence += 1
            current.updated_at = now
            changed.append(current)
        else:
            unchanged += 1
    gone = [e.pk for uid, e in existing.items() if uid not in events]
    VillageEvent.objects.bulk_create(created, ignore_conflicts=True)
    if changed:
        VillageEvent.objects.bulk_update(
            changed,
            [*IMPORTED_FIELDS, "category", "import_hash", "sequence", "updated_at"],
        )
    deleted = VillageEvent.objects.filter(pk__in=gone).delete()[0] if gone else 0
    result = ImportResult(
        created=len(created),
        updated=len(changed),
        deleted=deleted,
        unchanged=unchanged,
        skipped=skipped,
        filtered=filtered,
    )
    ExternalCalendar.objects.filter(pk=calendar.pk).update(
        etag=etag[:200],
        last_modified=last_modified[:100],
        last_polled_at=now,
        last_imported_at=now,
        last_error="",
        last_import_created=result.created,
        last_import_updated=result.updated,
        last_import_deleted=result.deleted,
        last_import_unchanged=result.unchanged,
        last_import_skipped=result.skipped,
        last_import_filtered=result.filtered,
    )
    return result


def external_calendar_import_body(
    *, calendar: ExternalCalendar, body: bytes, etag: str = "", last_modified: str = ""
) -> ImportResult:
    """Import ``body`` as the calendar's current content (the fetch's second half; the
    demo loads a recorded file through it)."""
    try:
        parsed, skipped = parse_calendar(body, village_tz=ZoneInfo(calendar.village.timezone))
    except IcsRefused as exc:
        return _record_failure(calendar, str(exc))
    events, filtered = _keep(parsed, list(calendar.tag_filter))
    return _store(
        calendar,
        events,
        skipped=skipped,
        filtered=filtered,
        etag=etag,
        last_modified=last_modified,
    )


def external_calendar_import(*, calendar_id: int) -> ImportResult:
    """Fetch and import one active calendar; never raises for a bad source (it is
    logged and stored on the calendar, the previous import kept)."""
    calendar = (
        ExternalCalendar.objects.select_related("village").filter(pk=calendar_id, active=True)
    ).first()
    if calendar is None:
        raise NotFound()
    try:
        result = fetch(
            calendar.url,
            etag=calendar.etag,
            last_modified=calendar.last_modified,
            max_bytes=MAX_ICS_BYTES,
            accept=ICS_ACCEPT,
        )
    except FetchError as exc:
        return _record_failure(calendar, str(exc))
    if result.status == 304:
        ExternalCalendar.objects.filter(pk=calendar.pk).update(
            last_polled_at=timezone.now(), last_error=""
        )
        return ImportResult(not_modified=True)
    return external_calendar_import_body(
        calendar=calendar, body=result.body, etag=result.etag, last_modified=result.last_modified
    )


def external_calendars_import_all() -> int:
    """Import every active calendar (the periodic task); returns events created."""
    created = 0
    for calendar_id in ExternalCalendar.objects.filter(active=True).values_list("pk", flat=True):
        created += external_calendar_import(calendar_id=calendar_id).created
    return created
