"""Quiet hours: when non-urgent push and e-mail wait, as wall-clock times of a time zone.

Pure functions (no database): the rule is evaluated in the village's time zone, so a
22:00-07:00 night is 9 hours long on most days, 8 on the night of the spring clock
change and 10 on the night of the autumn one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_STARTS = time(22, 0)
DEFAULT_ENDS = time(7, 0)


def wall_clock(day: date, at: time, tz: ZoneInfo) -> datetime:
    """``day`` at ``at`` in ``tz``, as an aware UTC datetime.

    A wall time in the spring gap (02:30 does not exist that night) comes out shifted
    forward by the gap; one that occurs twice in the autumn is taken the first time.
    """
    return datetime.combine(day, at).replace(tzinfo=tz).astimezone(UTC)


def quiet_until(*, now: datetime, starts: time, ends: time, tz: ZoneInfo) -> datetime | None:
    """The end of the quiet period ``now`` falls in, or ``None`` when ``now`` is not quiet.

    ``starts`` > ``ends`` is a period across midnight (the usual night); equal times mean
    no quiet hours at all.
    """
    if starts == ends:
        return None
    local = now.astimezone(tz)
    wall = local.time().replace(tzinfo=None)
    today = local.date()
    if starts < ends:
        if not starts <= wall < ends:
            return None
        end_day = today
    elif wall >= starts:
        end_day = today + timedelta(days=1)
    elif wall < ends:
        end_day = today
    else:
        return None
    return wall_clock(end_day, ends, tz)
