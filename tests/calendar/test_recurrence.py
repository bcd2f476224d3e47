"""Recurrence in the village's time zone: clock changes, exceptions, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dorf.calendar.recurrence import (
    MAX_STEPS_PER_SERIES,
    Override,
    Series,
    StepBudget,
    expand,
    expand_many,
    find_occurrence,
    occurrences,
    validate_rule,
)
from dorf.core.exceptions import ValidationFailed

BERLIN = ZoneInfo("Europe/Berlin")
HOSTILE = (
    "FREQ=DAILY;BYHOUR="
    + ",".join(str(h) for h in range(24))
    + ";BYMINUTE="
    + ",".join(str(m) for m in range(60))
    + ";BYSECOND="
    + ",".join(str(s) for s in range(60))
)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def series(start: datetime, minutes: int, rule: str, **kwargs) -> Series:
    return Series(
        starts_at=start, ends_at=start + timedelta(minutes=minutes), tz=BERLIN, rule=rule, **kwargs
    )


def local(value: datetime) -> str:
    return value.astimezone(BERLIN).strftime("%d.%m. %H:%M %Z")


# --- clock changes ------------------------------------------------------------------------------


def test_a_daily_0230_event_on_the_spring_change_day_is_shifted_forward_and_ends_after_it_starts():
    # given: a daily 02:30-03:00 event around 29 March 2026 (02:00 CET -> 03:00 CEST)
    daily = series(berlin(2026, 3, 27, 2, 30), 30, "FREQ=DAILY;COUNT=4")
    # when
    found = expand(daily, window_start=utc(2026, 3, 26), window_end=utc(2026, 4, 1))
    # then: 02:30 does not exist on the 29th, so it is 03:30 CEST, and it still lasts 30 min
    assert [local(o.starts_at) for o in found] == [
        "27.03. 02:30 CET",
        "28.03. 02:30 CET",
        "29.03. 03:30 CEST",
        "30.03. 02:30 CEST",
    ]
    assert all(o.ends_at - o.starts_at == timedelta(minutes=30) for o in found)
    assert all(o.starts_at.tzinfo is UTC and o.ends_at.tzinfo is UTC for o in found)


def test_an_autumn_time_that_exists_twice_is_taken_once_the_first_time():
    # given: daily at 02:30 across 25 October 2026 (03:00 CEST -> 02:00 CET)
    daily = series(berlin(2026, 10, 24, 2, 30), 60, "FREQ=DAILY;COUNT=3")
    # when
    found = expand(daily, window_start=utc(2026, 10, 23), window_end=utc(2026, 10, 28))
    # then: one occurrence on the 25th, the first 02:30 (CEST), still one hour on the wall
    assert [local(o.starts_at) for o in found] == [
        "24.10. 02:30 CEST",
        "25.10. 02:30 CEST",
        "26.10. 02:30 CET",
    ]
    assert [local(o.ends_at) for o in found] == [
        "24.10. 03:30 CEST",
        "25.10. 03:30 CET",
        "26.10. 03:30 CET",
    ]


def test_several_times_a_day_through_both_changes_keep_order_and_never_repeat_an_instant():
    # given: every hour at :00, all day, through the spring and the autumn night
    hourly = series(
        berlin(2026, 3, 28), 30, "FREQ=DAILY;BYHOUR=" + ",".join(str(h) for h in range(24))
    )
    for day in (datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 10, 25, tzinfo=BERLIN)):
        # when
        found = expand(hourly, window_start=day, window_end=day + timedelta(days=1))
        starts = [o.starts_at for o in found]
        # then: 23 real hours in spring (02:00 is 03:00), 24 in autumn (02:00 CEST only)
        assert starts == sorted(set(starts))
        assert len(starts) == (23 if day.month == 3 else 24)
        assert all(o.ends_at > o.starts_at for o in found)


def test_a_weekly_event_keeps_its_local_time_across_the_dst_change() -> None:
    # given: Tuesdays 19:30 Berlin time, starting before the change on 29 March 2026
    start = berlin(2026, 3, 17, 19, 30)
    found = expand(
        Series(
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            rule="FREQ=WEEKLY;COUNT=4",
            tz=BERLIN,
        ),
        window_start=start - timedelta(days=1),
        window_end=start + timedelta(days=60),
    )
    # then: always 19:30 local, but the UTC time moves by one hour
    assert [o.starts_at.astimezone(BERLIN).strftime("%d.%m. %H:%M") for o in found] == [
        "17.03. 19:30",
        "24.03. 19:30",
        "31.03. 19:30",
        "07.04. 19:30",
    ]
    utc_hours = [o.starts_at.astimezone(UTC).hour for o in found]
    assert utc_hours == [18, 18, 17, 17]
    assert all(o.ends_at - o.starts_at == timedelta(hours=2) for o in found)


def test_a_single_date_across_the_autumn_night_keeps_its_real_four_hours():
    single = Series(starts_at=berlin(2026, 10, 25, 1), ends_at=berlin(2026, 10, 25, 4), tz=BERLIN)
    (found,) = expand(single, window_start=utc(2026, 10, 24), window_end=utc(2026, 10, 26))
    assert found.ends_at - found.starts_at == timedelta(hours=4)


# --- exceptions ---------------------------------------------------------------------------------


def test_exdates_moved_and_cancelled_occurrences():
    # given: weekly Tuesdays 19:30 from 6 January 2026; the 13th left out by EXDATE, the
    # 20th cancelled, the 27th moved to Thursday the 29th 20:00
    weekly = series(
        berlin(2026, 1, 6, 19, 30),
        120,
        "FREQ=WEEKLY;COUNT=6",
        exdates=frozenset({berlin(2026, 1, 13, 19, 30)}),
        overrides={
            berlin(2026, 1, 20, 19, 30): Override(cancelled=True),
            # keyed in UTC on purpose: an override matches by instant, not by zone
            utc(2026, 1, 27, 18, 30): Override(
                starts_at=berlin(2026, 1, 29, 20), ends_at=berlin(2026, 1, 29, 22)
            ),
        },
    )
    start, end = utc(2026, 1, 1), utc(2026, 3, 1)
    # when
    found = expand(weekly, window_start=start, window_end=end)
    with_cancelled = expand(weekly, window_start=start, window_end=end, include_cancelled=True)
    # then
    assert [local(o.starts_at) for o in found] == [
        "06.01. 19:30 CET",
        "29.01. 20:00 CET",
        "03.02. 19:30 CET",
        "10.02. 19:30 CET",
    ]
    moved = found[1]
    assert (moved.moved, moved.original_start) == (True, utc(2026, 1, 27, 18, 30))
    assert [o.cancelled for o in with_cancelled] == [False, True, False, False, False]
    assert find_occurrence(weekly, original_start=berlin(2026, 1, 13, 19, 30)) is None
    cancelled = find_occurrence(weekly, original_start=berlin(2026, 1, 20, 19, 30))
    assert cancelled is not None
    assert cancelled.cancelled
    assert find_occurrence(weekly, original_start=berlin(2026, 1, 21, 19, 30)) is None


def test_an_occurrence_moved_into_the_window_from_outside_is_listed_and_not_its_old_slot():
    weekly = series(
        berlin(2026, 1, 6, 19, 30),
        60,
        "FREQ=WEEKLY",
        overrides={
            berlin(2026, 3, 3, 19, 30): Override(
                starts_at=berlin(2026, 1, 8, 18), ends_at=berlin(2026, 1, 8, 19)
            )
        },
    )
    january = expand(weekly, window_start=utc(2026, 1, 7), window_end=utc(2026, 1, 10))
    march = expand(weekly, window_start=utc(2026, 3, 2), window_end=utc(2026, 3, 5))
    assert [(local(o.starts_at), o.moved) for o in january] == [("08.01. 18:00 CET", True)]
    assert march == []


def test_an_override_of_a_date_the_rule_does_not_produce_is_ignored():
    weekly = series(
        berlin(2026, 1, 6, 19, 30),
        60,
        "FREQ=WEEKLY",
        overrides={
            berlin(2026, 1, 7, 19, 30): Override(
                starts_at=berlin(2026, 1, 8, 18), ends_at=berlin(2026, 1, 8, 19)
            )
        },
    )
    found = expand(weekly, window_start=utc(2026, 1, 7), window_end=utc(2026, 1, 10))
    assert found == []


# --- limits -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        HOSTILE,
        "FREQ=SECONDLY",
        "FREQ=MINUTELY;INTERVAL=30",
        "FREQ=HOURLY",
        "FREQ=DAILY;BYMINUTE=0,30",
        "FREQ=DAILY;BYSECOND=0,1",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31",  # starts in February: never a 31st
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",  # from 2026: never a leap year
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6",
        "FREQ=MONTHLY;BYDAY=2MO;BYMONTHDAY=1",
        "FREQ=DAILY;INTERVAL=7;BYDAY=TU",
        "FREQ=WEEKLY;BYDAY=1MO",
        "FREQ=YEARLY;BYWEEKNO=53",
        "FREQ=YEARLY;BYYEARDAY=366",
        f"FREQ=DAILY;COUNT={MAX_STEPS_PER_SERIES + 1}",
        "FREQ=WEEKLY;INTERVAL=0",
        "FREQ=WEEKLY;FREQ=DAILY",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;COUNT=3;UNTIL=20300101",
        "FREQ=WEEKLY;UNTIL=tomorrow",
        "FREQ=WEEKLY;X-NAME=1",
        "DTSTART:20300101T000000",
        "FREQ=WEEKLY\nEXDATE:20300101",
        "nonsense",
        "FREQ=" + "WEEKLY" * 100,
    ],
)
def test_rules_that_repeat_too_often_or_produce_nothing_are_refused(rule):
    with pytest.raises(ValidationFailed) as caught:
        validate_rule(rule, starts_at=berlin(2026, 2, 2, 10), tz=BERLIN)
    assert caught.value.code == "invalid_rrule"
    assert caught.value.fields is not None
    assert list(caught.value.fields) == ["rrule"]


def test_the_refusal_of_a_too_frequent_rule_speaks_german_by_default_and_english_on_request():
    messages = {}
    for language in ("de", "en"):
        with translation.override(language), pytest.raises(ValidationFailed) as caught:
            validate_rule(HOSTILE, starts_at=berlin(2026, 2, 2, 10), tz=BERLIN)
        assert caught.value.fields is not None
        messages[language] = caught.value.fields["rrule"][0]
    assert "höchstens einmal pro Stunde" in messages["de"]
    assert "at most once an hour" in messages["en"]


@pytest.mark.parametrize(
    ("rule", "stored"),
    [
        ("rrule:freq=weekly;byday=tu,th", "FREQ=WEEKLY;BYDAY=TU,TH"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"),
        (
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        ),
        ("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
        ("FREQ=DAILY;BYHOUR=8,12,18;BYMINUTE=15", "FREQ=DAILY;BYHOUR=8,12,18;BYMINUTE=15"),
        # a date means the end of that day in the village; stored in UTC as RFC 5545 wants
        ("FREQ=WEEKLY;UNTIL=20260630", "FREQ=WEEKLY;UNTIL=20260630T215959Z"),
        ("FREQ=WEEKLY;UNTIL=20261231T120000", "FREQ=WEEKLY;UNTIL=20261231T110000Z"),
        ("", ""),
    ],
)
def test_rules_the_product_needs_are_accepted_and_stored_normalised(rule, stored):
    assert validate_rule(rule, starts_at=berlin(2026, 2, 2, 10), tz=BERLIN) == stored


def test_a_valid_rule_over_a_huge_window_stops_at_the_cap():
    # given: 24 dates a day (the most allowed) and a window of a hundred years
    busy = series(berlin(2026, 1, 1), 30, "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))))
    budget = StepBudget(10**9)
    # when
    found = expand(
        busy, window_start=utc(2026, 1, 1), window_end=utc(2126, 1, 1), limit=10**9, budget=budget
    )
    # then: dateutil was asked for no more than the per-series cap, and it all came back
    assert budget.used == MAX_STEPS_PER_SERIES
    # (all but 00:00 on 1 January, 23:00 UTC before the window, and the spring gap's 02:00,
    # which is 03:00 and taken once)
    assert len(found) == MAX_STEPS_PER_SERIES - 2
    assert found[-1].starts_at < utc(2027, 1, 1)


def test_expansion_is_lazy_taking_the_first_occurrences_costs_a_handful_of_steps():
    busy = series(berlin(2026, 1, 1), 30, "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))))
    budget = StepBudget(10**9)
    stream = occurrences(
        busy, window_start=utc(2026, 6, 1), window_end=utc(2126, 1, 1), budget=budget
    )
    first = [next(stream) for _ in range(3)]
    assert [local(o.starts_at) for o in first] == [
        "01.06. 02:00 CEST",
        "01.06. 03:00 CEST",
        "01.06. 04:00 CEST",
    ]
    # the search starts a few days before the window and holds back two days of starts to
    # keep them sorted: about a week's worth of steps, not the window's 876,000
    assert budget.used < 24 * 7


def test_a_long_running_series_is_not_walked_from_its_first_date():
    # given: daily since 1990, asked about one week in 2026 (13,000 days later)
    daily = series(berlin(1990, 1, 1, 9), 60, "FREQ=DAILY")
    budget = StepBudget(10**9)
    found = expand(daily, window_start=utc(2026, 3, 1), window_end=utc(2026, 3, 8), budget=budget)
    assert [local(o.starts_at) for o in found][:2] == ["01.03. 09:00 CET", "02.03. 09:00 CET"]
    assert len(found) == 7
    assert budget.used < 20


def test_the_request_budget_is_shared_by_every_series_of_a_request():
    busy = series(berlin(2026, 1, 1), 30, "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))))
    budget = StepBudget(1_000)
    rows = expand_many(
        [(n, busy) for n in range(50)],
        window_start=utc(2026, 1, 1),
        window_end=utc(2027, 1, 1),
        limit=10**9,
        budget=budget,
    )
    assert budget.used == 1_000
    assert 0 < len(rows) <= 1_000


def test_expand_many_merges_series_by_start_and_cuts_at_the_limit():
    mondays = series(berlin(2026, 1, 5, 10), 60, "FREQ=WEEKLY")
    tuesdays = series(berlin(2026, 1, 6, 10), 60, "FREQ=WEEKLY")
    rows = expand_many(
        [("mo", mondays), ("tu", tuesdays)],
        window_start=utc(2026, 1, 1),
        window_end=utc(2027, 1, 1),
        limit=5,
    )
    assert [key for key, _occurrence in rows] == ["mo", "tu", "mo", "tu", "mo"]


def test_a_stored_rule_outside_todays_limits_shows_its_first_date_only_and_answers_fast():
    # given: a rule saved before the limits existed (never validated)
    legacy = series(berlin(2026, 1, 1), 30, HOSTILE)
    budget = StepBudget(10**9)
    found = expand(legacy, window_start=utc(2025, 1, 1), window_end=utc(2027, 1, 1), budget=budget)
    assert [o.starts_at for o in found] == [utc(2025, 12, 31, 23)]
    assert budget.used == 0


def test_naive_windows_are_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        expand(
            series(berlin(2026, 1, 1), 30, "FREQ=DAILY"),
            window_start=datetime(2026, 1, 1),  # noqa: DTZ001
            window_end=utc(2026, 2, 1),
        )


JUMPABLE_RULES = st.one_of(
    st.builds(
        lambda days, interval: f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={','.join(days)}",
        st.lists(
            st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
            min_size=1,
            max_size=3,
            unique=True,
        ),
        st.integers(1, 5),
    ),
    st.builds(lambda interval: f"FREQ=DAILY;INTERVAL={interval}", st.integers(1, 40)),
    st.builds(
        lambda hours: "FREQ=DAILY;BYHOUR=" + ",".join(map(str, sorted(hours))),
        st.sets(st.integers(0, 23), min_size=1, max_size=3),
    ),
    st.builds(lambda interval: f"FREQ=MONTHLY;INTERVAL={interval}", st.integers(1, 12)),
    st.builds(
        lambda nth, day, interval: f"FREQ=MONTHLY;INTERVAL={interval};BYDAY={nth}{day}",
        st.sampled_from([1, 2, -1]),
        st.sampled_from(["MO", "SA"]),
        st.integers(1, 4),
    ),
    st.builds(lambda day: f"FREQ=MONTHLY;BYMONTHDAY={day}", st.sampled_from([1, 29, 31, -1])),
    st.just("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
    st.builds(lambda interval: f"FREQ=YEARLY;INTERVAL={interval}", st.integers(1, 4)),
    st.builds(
        lambda until: f"FREQ=WEEKLY;UNTIL={until}", st.sampled_from(["20260315", "20270101"])
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    rule=JUMPABLE_RULES,
    first=st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2025, 12, 31)),  # noqa: DTZ001
    window_day=st.integers(0, 364),
    window_days=st.integers(1, 60),
)
def test_starting_near_the_window_gives_the_same_dates_as_walking_from_the_first(
    rule, first, window_day, window_days
):
    # given: a series from some day in 2019-2025 and a window somewhere in 2026
    start = first.replace(second=0, microsecond=0, tzinfo=BERLIN)
    try:
        stored = validate_rule(rule, starts_at=start, tz=BERLIN)
    except ValidationFailed:
        assume(False)
    window_start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=window_day)
    window_end = window_start + timedelta(days=window_days)
    # when: the module (which jumps) and a plain walk with dateutil from the first date
    ours = [
        o.starts_at
        for o in expand(series(start, 60, stored), window_start=window_start, window_end=window_end)
    ]
    walked = sorted(
        {
            wall.replace(fold=0).astimezone(UTC)
            for wall in rrulestr(stored, dtstart=start.replace(tzinfo=BERLIN)).between(
                window_start - timedelta(days=1), window_end + timedelta(days=1), inc=True
            )
        }
    )
    # then
    assert ours == [w for w in walked if window_start <= w < window_end]


# --- a start the rule does not produce ----------------------------------------------------------


def test_the_start_is_the_first_occurrence_even_where_the_rule_would_not_produce_it() -> None:
    # given: "first Monday of the month" that starts on Tuesday 1 December 2026 (as a
    # calendar app reads our feed: DTSTART is always an occurrence, RFC 5545 3.8.5.3)
    monthly = series(berlin(2026, 12, 1, 19), 60, "FREQ=MONTHLY;BYDAY=1MO")
    # when
    found = expand(monthly, window_start=utc(2026, 11, 1), window_end=utc(2027, 3, 1))
    # then: the Tuesday, then the first Mondays, each once
    assert [local(o.starts_at) for o in found] == [
        "01.12. 19:00 CET",
        "07.12. 19:00 CET",
        "04.01. 19:00 CET",
        "01.02. 19:00 CET",
    ]
    # and a window after the start is not disturbed by it
    later = expand(monthly, window_start=utc(2027, 1, 10), window_end=utc(2027, 3, 1))
    assert [local(o.starts_at) for o in later] == ["01.02. 19:00 CET"]
