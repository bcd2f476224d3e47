"""A club event as a series of the shared calendar module (rule, overrides, zone)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dorf.calendar.recurrence import Override, Series
from dorf.clubs.models import ClubEvent

# The scope of a user's personal club feed token (dorf.calendar.models.FeedToken).
FEED_SCOPE = "clubs"


def event_series(event: ClubEvent) -> Series:
    """Needs ``village`` loaded and ``overrides`` prefetched to stay query-free."""
    return Series(
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        tz=ZoneInfo(event.village.timezone),
        rule=event.rrule,
        overrides={
            o.original_start: Override(
                cancelled=o.cancelled, starts_at=o.starts_at, ends_at=o.ends_at
            )
            for o in event.overrides.all()
        },
    )
