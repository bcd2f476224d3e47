"""Local days and times of a village, and the clock the optimiser works in.

The optimiser counts seconds from the local midnight of the planning day. "Seconds"
here are real elapsed seconds: midnight is turned into UTC first and every time is
measured from there, so on a DST change day 10:00 local is 9 or 11 hours after
midnight, exactly as a volunteer's watch experiences it. (Adding a timedelta to an
aware datetime in a zoneinfo zone would do wall-clock arithmetic and be off by an hour.)
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from dorf.villages.models import Village


def local_midnight_utc(day: dt.date, tz_name: str) -> dt.datetime:
    """The start of ``day`` in the zone ``tz_name``, as a UTC datetime."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(tz_name)).astimezone(dt.UTC)


def to_seconds(moment: dt.datetime, midnight_utc: dt.datetime) -> int:
    """Real seconds elapsed from ``midnight_utc`` to ``moment``."""
    return int((moment.astimezone(dt.UTC) - midnight_utc).total_seconds())


def from_seconds(seconds: int, midnight_utc: dt.datetime) -> dt.datetime:
    """The moment ``seconds`` real seconds after ``midnight_utc`` (UTC)."""
    return midnight_utc + dt.timedelta(seconds=seconds)


def local_datetime(day: dt.date, time: dt.time, tz_name: str) -> dt.datetime:
    """``time`` on ``day`` in the zone ``tz_name`` (aware)."""
    return dt.datetime.combine(day, time, tzinfo=ZoneInfo(tz_name))


def local_today(village: Village) -> dt.date:
    """Today in the village's time zone."""
    return timezone.now().astimezone(ZoneInfo(village.timezone)).date()
