"""The Fundrecht of the BGB as plain functions (no Django): deadlines and the reward.

§ 973: six months after the find was reported to the authority the finder acquires the
item unless the owner made themselves known; for items worth at most 10 euros the six
months run from the find itself (§ 973 II). Periods in months end with the day of the
last month that bears the number of the starting day, or with that month's last day when
it has no such day (§ 188 II, III); the starting day itself is not counted (§ 187 I), so
the period ends at midnight after that day, local time.

§ 971: the reward is 5 % of the value up to 500 euros and 3 % of the part above, 3 % of
the whole value for animals.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

SMALL_VALUE_CENTS = 10_00
REWARD_STEP_CENTS = 500_00
OWNER_PERIOD = relativedelta(months=6)


def deadline_day(start: date) -> date:
    """The last day of the six-month period that starts with the event on ``start``."""
    # relativedelta clamps to the month's last day (31 Aug + 6 months = 28/29 Feb), § 188 III.
    return start + OWNER_PERIOD


def owner_rights_end(
    *, found_at: datetime, reported_at: datetime, value_cents: int, tz: ZoneInfo
) -> datetime:
    """When the owner's rights end: midnight (local) after the period's last day."""
    event = found_at if value_cents <= SMALL_VALUE_CENTS else reported_at
    last_day = deadline_day(event.astimezone(tz).date())
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)


def finders_reward_cents(value_cents: int, *, animal: bool) -> int:
    """The finder's reward (§ 971), rounded half up to whole cents."""
    if value_cents < 0:
        raise ValueError("a value cannot be negative")
    if animal:
        hundredths = value_cents * 3
    else:
        first = min(value_cents, REWARD_STEP_CENTS)
        rest = max(value_cents - REWARD_STEP_CENTS, 0)
        hundredths = first * 5 + rest * 3
    return (hundredths + 50) // 100
