"""Opening hours evaluated in the village's time zone with its Bundesland's holidays:
across both clock changes and on holidays only some states keep."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dorf.directory.hours import InvalidOpeningHours, Schedule, validate

BERLIN = ZoneInfo("Europe/Berlin")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_spring_forward_the_closing_time_is_wall_clock_time() -> None:
    # given: open on Sundays 01:00-04:00; on 29 March 2026 02:00 CET becomes 03:00 CEST
    schedule = Schedule("Su 01:00-04:00", tz=BERLIN, bundesland="NW")
    # when: asked at half past midnight and at half past one
    before = schedule.at(_at("2026-0329T00:30:00+01:00".replace("03", "03-", 1)))
    during = schedule.at(_at("2026-03-29T01:30:00+01:00"))
    # then: it opens at 01:00 winter time and closes at 04:00 summer time, two real hours later
    assert (before.state, before.next_change_at) == ("closed", _at("2026-03-29T01:00:00+01:00"))
    assert during.state == "open"
    assert during.next_change_at == _at("2026-03-29T04:00:00+02:00")
    assert during.next_change_at.isoformat() == "2026-03-29T04:00:00+02:00"
    assert during.next_change_at - _at("2026-03-29T01:00:00+01:00") == (
        _at("2026-03-29T02:00:00Z") - _at("2026-03-29T00:00:00Z")
    )


def test_fall_back_the_repeated_hour_is_open_both_times() -> None:
    # given: on 25 October 2026 03:00 CEST becomes 02:00 CET, 02:xx happens twice
    schedule = Schedule("Su 01:00-04:00", tz=BERLIN, bundesland="NW")
    first = schedule.at(_at("2026-10-25T00:30:00Z"))  # 02:30 CEST
    second = schedule.at(_at("2026-10-25T01:30:00Z"))  # 02:30 CET
    # then: open both times, closing at 04:00 CET = 03:00 UTC
    assert first.state == second.state == "open"
    assert first.next_change_at == second.next_change_at == _at("2026-10-25T04:00:00+01:00")
    assert first.next_change_at is not None
    assert first.next_change_at.astimezone(UTC) == _at("2026-10-25T03:00:00Z")


def test_the_next_opening_after_a_weekend_with_a_clock_change_has_the_new_offset() -> None:
    schedule = Schedule("Mo-Fr 08:00-18:00", tz=BERLIN)
    spring = schedule.at(_at("2026-03-27T19:00:00+01:00"))
    autumn = schedule.at(_at("2026-10-23T19:00:00+02:00"))
    assert spring.next_change_at is not None
    assert autumn.next_change_at is not None
    assert spring.next_change_at.isoformat() == "2026-03-30T08:00:00+02:00"
    assert autumn.next_change_at.isoformat() == "2026-10-26T08:00:00+01:00"


@pytest.mark.parametrize(
    ("bundesland", "reopens"),
    [
        # Fronleichnam (4 June 2026) is a holiday in Nordrhein-Westfalen, not in Berlin.
        ("NW", "2026-06-05T08:00:00+02:00"),
        ("BE", "2026-06-04T08:00:00+02:00"),
    ],
)
def test_ph_off_follows_the_holidays_of_the_bundesland(bundesland: str, reopens: str) -> None:
    schedule = Schedule("Mo-Fr 08:00-18:00; PH off", tz=BERLIN, bundesland=bundesland)
    evening = schedule.at(_at("2026-06-03T19:00:00+02:00"))
    assert evening.state == "closed"
    assert evening.next_change_at is not None
    assert evening.next_change_at.isoformat() == reopens
    holiday_noon = schedule.at(_at("2026-06-04T12:00:00+02:00"))
    assert holiday_noon.state == ("closed" if bundesland == "NW" else "open")


def test_a_holiday_rule_gives_the_hours_of_the_holiday() -> None:
    # given: a pharmacy with an emergency service on holidays
    schedule = Schedule('Mo-Sa 08:30-18:30; PH 10:00-12:00 "Notdienst"', tz=BERLIN, bundesland="NW")
    # when: Christmas Day 2026 is a Friday
    morning = schedule.at(_at("2026-12-25T09:00:00+01:00"))
    late = schedule.at(_at("2026-12-25T11:00:00+01:00"))
    # then
    assert (morning.state, morning.next_change_at) == (
        "closed",
        _at("2026-12-25T10:00:00+01:00"),
    )
    assert (late.state, late.comment, late.next_state) == ("open", "Notdienst", "closed")
    assert late.next_change_at == _at("2026-12-25T12:00:00+01:00")


def test_a_place_closed_on_holidays_only_changes_at_the_holidays_midnight() -> None:
    schedule = Schedule("24/7; PH off", tz=BERLIN, bundesland="BY")
    before = schedule.at(_at("2026-01-05T20:00:00+01:00"))  # Heilige Drei Könige in Bayern
    assert (before.state, before.next_change_at) == ("open", _at("2026-01-06T00:00:00+01:00"))
    on = schedule.at(_at("2026-01-06T12:00:00+01:00"))
    assert (on.state, on.next_change_at, on.next_state) == (
        "closed",
        _at("2026-01-07T00:00:00+01:00"),
        "open",
    )


def test_always_open_never_changes() -> None:
    state = Schedule("24/7", tz=BERLIN).at(_at("2026-05-01T12:00:00+02:00"))
    assert (state.state, state.next_change_at, state.next_state) == ("open", None, None)


@pytest.mark.parametrize(
    "expression", ["Mo-Fx 08:00-18:00", "Mo-Fr 8-18 Uhr", "PH +1 day off", "Mo-Fr 25:00-26:00"]
)
def test_invalid_expressions_are_refused_with_the_parsers_message(expression: str) -> None:
    with pytest.raises(InvalidOpeningHours) as caught:
        validate(expression)
    assert str(caught.value)


def test_ph_inside_a_comment_is_text() -> None:
    assert validate('Mo-Fr 08:00-12:00 "PH +1 nach Absprache"')
    schedule = Schedule('Mo-Fr 08:00-12:00 "PH nach Absprache"', tz=BERLIN, bundesland="NW")
    assert schedule.at(_at("2026-12-25T09:00:00+01:00")).state == "open"
