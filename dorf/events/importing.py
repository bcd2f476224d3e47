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
times: the village's zone), one RRULE, EXDATE, RECURRENCE-ID. RDATE is not supported
(logged); STATUS:CANCELLED events are left out.
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

from dorf.calendar.recurrence import validate_rule
from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.core.fetch import FetchError, fetch
from dorf.events.models import ExternalCalendar, VillageEvent

logger = logging.getLogger(__name__)

ICS_ACCEPT = "text/calendar, application/calendar+xml;q=0.5, */*;q=0.1"
# A parish or a town publishes a few hundred events a year; 2 MB is thousands of them.
MAX_ICS_BYTES = 2 * 1024 * 1024
MAX_EVENTS = 2_000
MAX_EXDATES = 500
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
    if component.get("RDATE") is not None:
        logger.info("external calendar event %s: RDATE is not supported, left out", uid)
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
        exdates=_exdates(component, local) if rrule else set(),
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
            if master is not None and master.rrule:
                master.exdates.add(event.recurrence_id)
    return kept, filtered


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
    ExternalCalendar.objects.filter(pk=calendar.pk).update(
        etag=etag[:200],
        last_modified=last_modified[:100],
        last_polled_at=now,
        last_imported_at=now,
        last_error="",
    )
    return ImportResult(
        created=len(created),
        updated=len(changed),
        deleted=deleted,
        unchanged=unchanged,
        skipped=skipped,
        filtered=filtered,
    )


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
