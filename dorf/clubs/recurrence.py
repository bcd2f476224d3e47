"""Expanding recurring events (RFC 5545 RRULE via python-dateutil) in local time.

The rule is applied to the first start expressed in the village's zone (a zoneinfo
datetime): dateutil steps the wall-clock fields and zoneinfo picks the offset for each
date, so "every Tuesday 19:30" is 19:30 CET in winter and 19:30 CEST in summer. Each
occurrence keeps the series' wall-clock duration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from django.utils.translation import gettext as _

from dorf.core.exceptions import ValidationFailed

ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
# A safety net for rules without COUNT/UNTIL: nobody plans further than this.
MAX_EXPANSION = 1000


@dataclass(frozen=True)
class OverrideData:
    cancelled: bool
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True)
class Occurrence:
    original_start: datetime
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False
    moved: bool = False


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(fields={"rrule": [message]}, code="invalid_rrule")


def parse_rule(value: str, *, starts_at: datetime, tz: ZoneInfo) -> rrule:
    """The dateutil rule for ``value`` (an RRULE value without the ``RRULE:`` prefix).

    Only the RRULE part is accepted (no DTSTART, EXDATE or several lines), at most daily.
    """
    value = value.strip()
    if value.upper().startswith("RRULE:"):
        value = value[6:]
    if not value or any(ch in value for ch in ":\r\n"):
        raise _invalid(_("Give one RRULE value, e.g. FREQ=WEEKLY;BYDAY=TU."))
    parts = dict(part.split("=", 1) for part in value.upper().split(";") if "=" in part)
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise _invalid(_("The rule must repeat daily, weekly, monthly or yearly."))
    try:
        rule = rrulestr(value, dtstart=starts_at.astimezone(tz))
    except (ValueError, TypeError) as exc:
        raise _invalid(_("This is not a valid recurrence rule.")) from exc
    if not isinstance(rule, rrule):
        raise _invalid(_("This is not a valid recurrence rule."))
    return rule


def normalise_rule(value: str, *, starts_at: datetime, tz: ZoneInfo) -> str:
    """Validate and return the rule as stored (upper case, no prefix)."""
    if not value.strip():
        return ""
    parse_rule(value, starts_at=starts_at, tz=tz)
    value = value.strip()
    return value[6:] if value.upper().startswith("RRULE:") else value


def expand(
    *,
    starts_at: datetime,
    ends_at: datetime,
    rule: str,
    tz: ZoneInfo,
    window_start: datetime,
    window_end: datetime,
    overrides: Mapping[datetime, OverrideData] | None = None,
    include_cancelled: bool = False,
) -> list[Occurrence]:
    """Occurrences whose (possibly moved) start lies in [window_start, window_end)."""
    overrides = overrides or {}
    duration = _duration(starts_at, ends_at, tz)
    originals: Iterable[datetime]
    if rule:
        parsed = parse_rule(rule, starts_at=starts_at, tz=tz)
        # Moved occurrences may land in the window from outside it: widen the search.
        margin = timedelta(days=366)
        originals = parsed.between(window_start - margin, window_end + margin, inc=True)
    else:
        originals = [starts_at.astimezone(tz)]
    result: list[Occurrence] = []
    for count, original in enumerate(originals):
        if count >= MAX_EXPANSION:
            break
        local_end = _local_end(original, duration, tz)
        occurrence = Occurrence(original, original, local_end)
        override = overrides.get(original)
        if override is not None:
            if override.cancelled:
                occurrence = Occurrence(original, original, local_end, cancelled=True)
            elif override.starts_at and override.ends_at:
                occurrence = Occurrence(
                    original,
                    override.starts_at.astimezone(tz),
                    override.ends_at.astimezone(tz),
                    moved=True,
                )
        if occurrence.cancelled and not include_cancelled:
            continue
        if window_start <= occurrence.starts_at < window_end:
            result.append(occurrence)
    result.sort(key=lambda o: o.starts_at)
    return result


def _local_end(original: datetime, duration: timedelta, tz: ZoneInfo) -> datetime:
    return (original.replace(tzinfo=None) + duration).replace(tzinfo=tz)


def _duration(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> timedelta:
    """Wall-clock duration: a 2-hour rehearsal stays 2 hours on the night clocks change."""
    return ends_at.astimezone(tz).replace(tzinfo=None) - starts_at.astimezone(tz).replace(
        tzinfo=None
    )


def find_occurrence(
    *,
    starts_at: datetime,
    ends_at: datetime,
    rule: str,
    tz: ZoneInfo,
    original_start: datetime,
    overrides: Mapping[datetime, OverrideData] | None = None,
) -> Occurrence | None:
    """The occurrence that originally started at ``original_start`` (cancelled included)."""
    if rule:
        parsed = parse_rule(rule, starts_at=starts_at, tz=tz)
        hit = parsed.after(original_start - timedelta(seconds=1), inc=True)
        if hit is None or hit != original_start:
            return None
        original = hit
    elif original_start == starts_at:
        original = starts_at.astimezone(tz)
    else:
        return None
    end = _local_end(original, _duration(starts_at, ends_at, tz), tz)
    override = (overrides or {}).get(original)
    if override is not None and override.cancelled:
        return Occurrence(original, original, end, cancelled=True)
    if override is not None and override.starts_at and override.ends_at:
        return Occurrence(
            original, override.starts_at.astimezone(tz), override.ends_at.astimezone(tz), moved=True
        )
    return Occurrence(original, original, end)
