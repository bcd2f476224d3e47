"""The one door of appointments to recurrence expansion (the shared calendar module)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from dorf.calendar.recurrence import Series, StepBudget, occurrences


def blocks(
    *,
    starts_at: datetime,
    ends_at: datetime,
    rule: str,
    tz: ZoneInfo,
    window_start: datetime,
    window_end: datetime,
    budget: StepBudget | None = None,
) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) in UTC of each opening block starting in [window_start, window_end),
    expanded in ``tz`` so that a block keeps its wall-clock hours all year."""
    series = Series(starts_at=starts_at, ends_at=ends_at, tz=tz, rule=rule)
    for occurrence in occurrences(
        series, window_start=window_start, window_end=window_end, budget=budget
    ):
        yield occurrence.starts_at, occurrence.ends_at
