"""Reading a collection company's plan: iCalendar (expanded with ``recurring-ical-events``)
or CSV (``tour;type;date`` and optionally ``original_date;reason;note``).

Pure parsing: the result is a list of planned collections and a list of faulty lines.
The service imports nothing when the list of faulty lines is not empty.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from django.utils.translation import gettext as _

from dorf.waste.addresses import normalise_street

# More dates than a village's waste plan has in years: anything beyond is not a plan.
MAX_COLLECTIONS_PER_IMPORT = 5000
# Dates further away than this are typos ("2207") or another plan, not this one.
PAST_DAYS = 400
FUTURE_DAYS = 3 * 366
MAX_REPORTED_ERRORS = 50

CSV_COLUMNS = ("tour", "type", "date")
CSV_OPTIONAL = ("original_date", "reason", "note")


Day = date  # a field named ``date`` below shadows the type inside the class


@dataclass(frozen=True)
class PlannedCollection:
    line: int
    tour_id: int
    key: str
    date: Day
    original_date: Day | None = None
    reason: str = ""
    note: str = ""


@dataclass
class Parsed:
    rows: list[PlannedCollection] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def fail(self, line: int, problem: str) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(_("Line %(line)s: %(problem)s") % {"line": line, "problem": problem})


@dataclass(frozen=True)
class Catalogue:
    """The village's tours and types, by the names a file may use for them."""

    tour_by_name: Mapping[str, int]  # normalised tour name -> tour id
    tours_by_type: Mapping[str, list[int]]  # normalised type label and code -> tour ids
    type_names_of_tour: Mapping[int, set[str]]  # tour id -> its type's label and code

    @staticmethod
    def key(name: str) -> str:
        return normalise_street(name)


def date_range(today: date) -> tuple[date, date]:
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)


# --- iCalendar ----------------------------------------------------------------------------


def _vevent_lines(text: str) -> Iterator[int]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().upper() == "BEGIN:VEVENT":
            yield number


def _local_date(value: date | datetime, tz: ZoneInfo) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating time: the village's wall clock
            return value.date()
        return value.astimezone(tz).date()
    return value


def _tour_for_event(event: Any, catalogue: Catalogue) -> tuple[int | None, str]:
    names = [str(event.get("SUMMARY", ""))]
    categories = event.get("CATEGORIES")
    for item in categories if isinstance(categories, list) else [categories]:
        if item is not None:
            names.extend(str(c) for c in getattr(item, "cats", [item]))
    for name in names:
        tour_id = catalogue.tour_by_name.get(Catalogue.key(name))
        if tour_id is not None:
            return tour_id, ""
    for name in names:
        tours = catalogue.tours_by_type.get(Catalogue.key(name), [])
        if len(tours) == 1:
            return tours[0], ""
        if len(tours) > 1:
            return None, _(
                "waste type “%(name)s” has several tours; import this file for one tour"
            ) % {"name": name}
    return None, _("no tour or waste type is called “%(name)s”") % {"name": names[0]}


def parse_ics(
    content: bytes, *, tz: ZoneInfo, today: date, catalogue: Catalogue, tour_id: int | None
) -> Parsed:
    """The collections an iCalendar file plans, keyed by UID (and RECURRENCE-ID)."""
    parsed = Parsed()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.fail(1, _("the file is not UTF-8 text"))
        return parsed
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError:
        parsed.fail(1, _("this is not an iCalendar file"))
        return parsed
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        parsed.fail(1, _("this is not an iCalendar file"))
        return parsed
    first, last = date_range(today)
    line_of_uid: dict[str, int] = {}
    # recurring-ical-events gives every occurrence a RECURRENCE-ID, also a single event's;
    # only a series (RRULE/RDATE) or its overrides are keyed by it.
    series: set[str] = set()
    tour_of_uid: dict[str, int] = {}
    events: list[Any] = calendar.walk("VEVENT")
    for line, event in zip(_vevent_lines(text), events, strict=False):
        uid = str(event.get("UID", "")).strip()
        if not uid:
            parsed.fail(line, _("the event has no UID"))
            continue
        if event.get("DTSTART") is None:
            parsed.fail(line, _("the event has no start date"))
            continue
        if event.get("RRULE") is None:
            start = _local_date(event["DTSTART"].dt, tz)
            if not first <= start <= last:
                parsed.fail(
                    line,
                    _("the date is outside %(first)s to %(last)s")
                    % {"first": first.isoformat(), "last": last.isoformat()},
                )
                continue
        line_of_uid.setdefault(uid, line)
        if any(event.get(name) is not None for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
            series.add(uid)
        if tour_id is not None:
            tour_of_uid[uid] = tour_id
            continue
        found, problem = _tour_for_event(event, catalogue)
        if found is None:
            parsed.fail(line, problem)
        else:
            tour_of_uid.setdefault(uid, found)
    if parsed.errors:
        return parsed
    if not line_of_uid:
        parsed.fail(1, _("the file contains no events"))
        return parsed
    try:
        occurrences = recurring_ical_events.of(calendar).between(first, last + timedelta(days=1))
    except Exception as exc:  # the library raises many kinds on broken rules
        parsed.fail(1, _("the recurrence rules cannot be expanded (%(error)s)") % {"error": exc})
        return parsed
    occurrence: Any
    for occurrence in occurrences:
        uid = str(occurrence.get("UID", "")).strip()
        line = line_of_uid.get(uid, 1)
        if len(parsed.rows) >= MAX_COLLECTIONS_PER_IMPORT:
            parsed.fail(
                line, _("more than %(max)s collections") % {"max": MAX_COLLECTIONS_PER_IMPORT}
            )
            break
        day = _local_date(occurrence["DTSTART"].dt, tz)
        recurrence = occurrence.get("RECURRENCE-ID") if uid in series else None
        original = _local_date(recurrence.dt, tz) if recurrence is not None else None
        key = f"{uid}|{original.isoformat()}" if original is not None else uid
        reason = str(occurrence.get("COMMENT", "") or "")[:200]
        parsed.rows.append(
            PlannedCollection(
                line=line,
                tour_id=tour_of_uid[uid],
                key=key[:300],
                date=day,
                original_date=original if original is not None and original != day else None,
                reason=reason,
                note=str(occurrence.get("DESCRIPTION", "") or "")[:200],
            )
        )
    _refuse_duplicates(parsed)
    return parsed


# --- CSV -----------------------------------------------------------------------------------

_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _parse_date(value: str) -> date | None:
    value = value.strip()
    match = _GERMAN_DATE.match(value)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_csv(content: bytes, *, today: date, catalogue: Catalogue) -> Parsed:
    """Rows ``tour, type, date`` (comma or semicolon; ISO or German dates); a shifted
    row names its ``original_date`` (and a ``reason``)."""
    parsed = Parsed()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.fail(1, _("the file is not UTF-8 text"))
        return parsed
    lines = text.splitlines()
    if not lines:
        parsed.fail(1, _("the file is empty"))
        return parsed
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().casefold() for name in next(reader, [])]
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        parsed.fail(1, _("the header lacks the columns %(names)s") % {"names": ", ".join(missing)})
        return parsed
    unknown = [name for name in header if name not in CSV_COLUMNS + CSV_OPTIONAL]
    if unknown:
        parsed.fail(1, _("unknown columns %(names)s") % {"names": ", ".join(unknown)})
        return parsed
    first, last = date_range(today)
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(parsed.rows) >= MAX_COLLECTIONS_PER_IMPORT:
            parsed.fail(
                line, _("more than %(max)s collections") % {"max": MAX_COLLECTIONS_PER_IMPORT}
            )
            break
        if len(values) != len(header):
            parsed.fail(
                line,
                _("%(found)s values instead of %(expected)s")
                % {"found": len(values), "expected": len(header)},
            )
            continue
        row = dict(zip(header, (value.strip() for value in values), strict=True))
        tour_id = catalogue.tour_by_name.get(Catalogue.key(row["tour"]))
        if tour_id is None:
            parsed.fail(line, _("unknown tour “%(name)s”") % {"name": row["tour"][:80]})
            continue
        if Catalogue.key(row["type"]) not in catalogue.type_names_of_tour[tour_id]:
            parsed.fail(
                line,
                _("the tour “%(tour)s” does not collect “%(type)s”")
                % {"tour": row["tour"][:80], "type": row["type"][:80]},
            )
            continue
        day = _parse_date(row["date"])
        original = _parse_date(row["original_date"]) if row.get("original_date") else None
        if day is None or (row.get("original_date") and original is None):
            parsed.fail(line, _("not a date (use 2027-01-31 or 31.01.2027)"))
            continue
        if any(d is not None and not first <= d <= last for d in (day, original)):
            parsed.fail(
                line,
                _("the date is outside %(first)s to %(last)s")
                % {"first": first.isoformat(), "last": last.isoformat()},
            )
            continue
        planned = original or day
        parsed.rows.append(
            PlannedCollection(
                line=line,
                tour_id=tour_id,
                key=f"csv|{planned.isoformat()}",
                date=day,
                original_date=original if original != day else None,
                reason=row.get("reason", "")[:200],
                note=row.get("note", "")[:200],
            )
        )
    _refuse_duplicates(parsed)
    return parsed


def _refuse_duplicates(parsed: Parsed) -> None:
    seen: dict[tuple[int, str], int] = {}
    for row in parsed.rows:
        identity = (row.tour_id, row.key)
        if identity in seen:
            parsed.fail(
                row.line,
                _("the same collection appears again (first in line %(line)s)")
                % {"line": seen[identity]},
            )
        else:
            seen[identity] = row.line
