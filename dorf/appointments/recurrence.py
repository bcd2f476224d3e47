"""The one door of appointments to recurrence expansion."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr


def blocks(
    *,
    starts_at: datetime,
    ends_at: datetime,
    rule: str,
    tz: ZoneInfo,
    window_start: datetime,
    window_end: datetime,
) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) in UTC of each occurrence starting in [window_start, window_end)."""
    local_start = starts_at.astimezone(tz).replace(tzinfo=None)
    wall = ends_at.astimezone(tz).replace(tzinfo=None) - local_start
    if not rule:
        if window_start <= starts_at < window_end:
            yield starts_at.astimezone(UTC), ends_at.astimezone(UTC)
        return
    parsed = rrulestr(rule, dtstart=local_start)
    after = window_start.astimezone(tz).replace(tzinfo=None)
    before = window_end.astimezone(tz).replace(tzinfo=None)
    for occurrence in parsed.between(after, before, inc=True):
        start = occurrence.replace(tzinfo=tz).astimezone(UTC)
        if window_start <= start < window_end:
            yield start, (occurrence + wall).replace(tzinfo=tz).astimezone(UTC)
