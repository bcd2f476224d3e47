"""Slots of a service: opening rules expanded in the village's zone, minus closures.

Pure computation over the rows it is given (no queries), so availability costs one
query for the rules, one for closures and one for the taken seats, whatever the range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from dorf.appointments.models import Closure, OpeningRule
from dorf.appointments.recurrence import blocks


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    seats: int


@lru_cache(maxsize=64)
def _public_holidays(bundesland: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DE", subdiv=bundesland, years=year))


def public_holiday_name(bundesland: str, day: date) -> str | None:
    calendar = holidays.country_holidays("DE", subdiv=bundesland, years=day.year)
    name = calendar.get(day)
    return str(name) if name else None


class ClosedDays:
    """Local dates on which a service is closed: public holidays plus manual closures."""

    def __init__(self, *, bundesland: str, closures: Iterable[Closure]) -> None:
        self.bundesland = bundesland
        self.ranges = [(c.first_day, c.last_day) for c in closures]

    def closed(self, day: date) -> bool:
        if self.bundesland and day in _public_holidays(self.bundesland, day.year):
            return True
        return any(first <= day <= last for first, last in self.ranges)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def slots_between(
    rules: Sequence[OpeningRule],
    *,
    tz: ZoneInfo,
    window_start: datetime,
    window_end: datetime,
    closed: ClosedDays,
) -> list[Slot]:
    """Every slot starting in [window_start, window_end), sorted, on open days.

    A block is cut into slots in wall-clock time: "08:00-12:00 every 15 minutes" gives
    08:00, 08:15, ... local on every date, in summer and in winter. Two rules offering
    the same start add no seats: the larger seat count wins.
    """
    found: dict[datetime, Slot] = {}
    for rule in rules:
        step = timedelta(minutes=rule.slot_minutes)
        longest = rule.ends_at - rule.starts_at
        for block_start, block_end in blocks(
            starts_at=rule.starts_at,
            ends_at=rule.ends_at,
            rule=rule.rrule,
            tz=tz,
            window_start=window_start - longest,
            window_end=window_end,
        ):
            local_start = block_start.astimezone(tz).replace(tzinfo=None)
            local_end = block_end.astimezone(tz).replace(tzinfo=None)
            if closed.closed(local_start.date()):
                continue
            wall = local_start
            while wall + step <= local_end:
                start = wall.replace(tzinfo=tz).astimezone(UTC)
                if window_start <= start < window_end:
                    end = (wall + step).replace(tzinfo=tz).astimezone(UTC)
                    earlier = found.get(start)
                    if earlier is None or earlier.seats < rule.seats:
                        found[start] = Slot(start, end, rule.seats)
                wall += step
    return [found[key] for key in sorted(found)]
