"""A village event as a series of the shared calendar module."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dorf.calendar.recurrence import Series
from dorf.events.models import VillageEvent


def event_series(event: VillageEvent) -> Series:
    return Series(
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        tz=ZoneInfo(event.timezone),
        rule=event.rrule,
        exdates=event.exdate_instants(),
    )
