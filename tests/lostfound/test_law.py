"""BGB §§ 971, 973 as the Fundbüro computes them: no database, plain functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dorf.lostfound import law

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("start", "last_day"),
    [
        (date(2026, 1, 15), date(2026, 7, 15)),
        # § 188 III: no 31 February, the period ends on the month's last day.
        (date(2026, 8, 31), date(2027, 2, 28)),
        (date(2027, 8, 31), date(2028, 2, 29)),  # a leap year
        (date(2027, 8, 29), date(2028, 2, 29)),
        (date(2026, 12, 31), date(2027, 6, 30)),
        (date(2028, 2, 29), date(2028, 8, 29)),
    ],
)
def test_the_six_months_end_on_the_matching_day_or_the_months_last_day(start, last_day) -> None:
    assert law.deadline_day(start) == last_day


def test_the_owners_rights_end_at_local_midnight_after_the_last_day() -> None:
    reported = datetime(2026, 8, 31, 9, 30, tzinfo=BERLIN)
    end = law.owner_rights_end(
        found_at=datetime(2026, 8, 30, 18, tzinfo=BERLIN),
        reported_at=reported,
        value_cents=50_00,
        tz=BERLIN,
    )
    assert end == datetime(2027, 3, 1, 0, 0, tzinfo=BERLIN)


def test_for_items_worth_at_most_ten_euros_the_period_starts_with_the_find() -> None:
    found = datetime(2026, 5, 10, 23, 30, tzinfo=BERLIN)
    reported = datetime(2026, 6, 20, 10, tzinfo=BERLIN)
    cheap = law.owner_rights_end(found_at=found, reported_at=reported, value_cents=10_00, tz=BERLIN)
    dear = law.owner_rights_end(found_at=found, reported_at=reported, value_cents=10_01, tz=BERLIN)
    assert cheap == datetime(2026, 11, 11, tzinfo=BERLIN)
    assert dear == datetime(2026, 12, 21, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("value_cents", "animal", "reward_cents"),
    [
        (600_00, False, 28_00),  # 5 % of 500 € + 3 % of 100 €
        (200_00, True, 6_00),  # animals: 3 %
        (500_00, False, 25_00),
        (10_00, False, 50),
        (33, False, 2),  # 1.65 cents, rounded half up
        (0, False, 0),
        (1_000_00, True, 30_00),
    ],
)
def test_the_finders_reward(value_cents, animal, reward_cents) -> None:
    assert law.finders_reward_cents(value_cents, animal=animal) == reward_cents


def test_a_negative_value_has_no_reward() -> None:
    with pytest.raises(ValueError, match="negative"):
        law.finders_reward_cents(-1, animal=False)


@pytest.mark.parametrize(
    ("reported_utc", "end_utc", "last_day_hours"),
    [
        # The period's last day is the spring change (28 March 2027): a day of 23 hours.
        (datetime(2026, 9, 28, 8, tzinfo=UTC), datetime(2027, 3, 28, 22, tzinfo=UTC), 23),
        # Reported on the autumn change (25 October 2026, 25 hours): it ends in summer time.
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), datetime(2027, 4, 25, 22, tzinfo=UTC), 24),
        # The last day is the autumn change (25 October 2026): 25 hours long.
        (datetime(2026, 4, 25, 8, tzinfo=UTC), datetime(2026, 10, 25, 23, tzinfo=UTC), 25),
        # 23:30 UTC is already the next day in Berlin: the local date decides.
        (datetime(2026, 4, 25, 23, 30, tzinfo=UTC), datetime(2026, 10, 26, 23, tzinfo=UTC), 24),
    ],
)
def test_the_deadline_is_local_midnight_across_the_clock_changes(
    reported_utc, end_utc, last_day_hours
) -> None:
    # given: an item worth more than 10 EUR, reported at this instant
    end = law.owner_rights_end(
        found_at=reported_utc, reported_at=reported_utc, value_cents=50_00, tz=BERLIN
    )
    # then: the rights end at local midnight after the last day, whatever the offset, and
    # the last day counts whole, however many hours it has
    assert end == end_utc
    local_end = end.astimezone(BERLIN)
    assert (local_end.hour, local_end.minute) == (0, 0)
    last_day_start = datetime.combine(local_end.date() - timedelta(days=1), time.min, BERLIN)
    assert (end - last_day_start.astimezone(UTC)) == timedelta(hours=last_day_hours)
