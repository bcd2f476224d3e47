"""iCalendar output, read back by independent parsers: ``icalendar`` for the structure
and ``recurring-ical-events`` for the occurrences, which must be ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dorf.calendar.ics import Alarm, Entry, render_calendar, vtimezone
from dorf.calendar.recurrence import Override, Series, expand, validate_rule
from dorf.core.exceptions import ValidationFailed

BERLIN = ZoneInfo("Europe/Berlin")
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2027, 1, 1, tzinfo=UTC)


def _parse(body: bytes) -> Any:
    return icalendar.Calendar.from_ical(body)


def _entries_of(series: Series, uid: str = "series@dorf") -> list[Entry]:
    entries = [
        Entry(
            uid=uid,
            summary="Probe",
            starts_at=series.starts_at,
            ends_at=series.ends_at,
            rrule=series.rule,
            exdates=sorted(series.exdates)
            + sorted(o for o, change in series.overrides.items() if change.cancelled),
        )
    ]
    for original, change in sorted(series.overrides.items()):
        if change.starts_at is not None and change.ends_at is not None:
            entries.append(
                Entry(
                    uid=uid,
                    summary="Probe (verschoben)",
                    starts_at=change.starts_at,
                    ends_at=change.ends_at,
                    recurrence_id=original,
                )
            )
    return entries


def _theirs(body: bytes) -> list[tuple[datetime, datetime]]:
    found = recurring_ical_events.of(_parse(body)).between(YEAR_START, YEAR_END)
    pairs = [(e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC)) for e in found]
    # it also returns what overlaps the window; ours is what starts in it
    return sorted((start, end) for start, end in pairs if YEAR_START <= start < YEAR_END)


def _in_spring_gap(start: datetime, tz: ZoneInfo) -> bool:
    """Whether the rule's wall time for this start did not exist (it was shifted)."""
    wall = start.astimezone(tz)
    earlier = (wall.replace(tzinfo=None) - timedelta(hours=1)).replace(tzinfo=tz)
    return earlier.astimezone(UTC) + timedelta(hours=1) != start


def test_a_calendar_has_a_vtimezone_with_both_yearly_changes_and_local_times():
    # given
    start = datetime(2026, 3, 17, 19, 30, tzinfo=BERLIN)
    body = render_calendar(
        name="Chor",
        tz=BERLIN,
        entries=[
            Entry(
                uid="chor@dorf",
                summary="Chorprobe",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                rrule="FREQ=WEEKLY;COUNT=10",
                exdates=[start + timedelta(days=7)],
                sequence=3,
                alarms=[Alarm(before=timedelta(hours=1), description="Chorprobe in 1 Stunde")],
            )
        ],
        refresh=timedelta(hours=1),
    )
    calendar = _parse(body)
    # then: one VTIMEZONE for the zone, DST from the last Sunday of March at 02:00 CET,
    # standard from the last Sunday of October at 03:00 CEST, open-ended
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    daylight = list(zone.walk("DAYLIGHT"))
    standard = [c for c in zone.walk("STANDARD") if "RRULE" in c]
    assert [c["RRULE"].to_ical() for c in daylight] == [b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"]
    assert [c["RRULE"].to_ical() for c in standard] == [b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"]
    assert daylight[0]["DTSTART"].dt.hour == 2
    assert standard[0]["DTSTART"].dt.hour == 3
    # and the event: local time with TZID, its rule, exception, sequence, stamp and alarm
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].dt == start
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["SEQUENCE"] == 3
    assert event["DTSTAMP"].dt.tzinfo is not None
    assert [d.dt for d in event["EXDATE"].dts] == [start + timedelta(days=7)]
    (alarm,) = event.walk("VALARM")
    assert alarm["TRIGGER"].dt == -timedelta(hours=1)
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body
    assert b"X-PUBLISHED-TTL:PT1H" in body


def test_the_vtimezone_makes_parsers_read_both_sides_of_each_change_right():
    # given: a moment just before and just after each change, written as local times
    moments = [
        datetime(2026, 3, 29, 1, 59, tzinfo=BERLIN),
        datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN),
        datetime(2026, 10, 25, 1, 59, tzinfo=BERLIN),
        datetime(2026, 10, 25, 3, 0, tzinfo=BERLIN),
    ]
    entries = [
        Entry(uid=f"m{n}@dorf", summary="x", starts_at=m, ends_at=m + timedelta(minutes=1))
        for n, m in enumerate(moments)
    ]
    raw = render_calendar(name="x", tz=BERLIN, entries=entries).decode()
    # when: the VTIMEZONE alone (not the zoneinfo database) tells the offsets
    zone: Any = icalendar.Timezone.from_ical(
        raw[raw.index("BEGIN:VTIMEZONE") : raw.index("END:VTIMEZONE") + 13]
    )
    tzinfo = zone.to_tz()
    # then
    offsets = [
        m.replace(tzinfo=tzinfo).utcoffset() for m in (x.replace(tzinfo=None) for x in moments)
    ]
    assert offsets == [timedelta(hours=h) for h in (1, 2, 2, 1)]


def test_a_village_in_utc_gets_utc_times_and_no_vtimezone():
    body = render_calendar(
        name="x",
        tz=ZoneInfo("UTC"),
        entries=[Entry(uid="u@dorf", summary="x", starts_at=YEAR_START, ends_at=YEAR_END)],
    )
    assert b"BEGIN:VTIMEZONE" not in body
    assert b"DTSTART:20260101T000000Z" in body


def test_an_all_day_entry_is_written_as_dates():
    body = render_calendar(
        name="Müll",
        tz=BERLIN,
        entries=[
            Entry(
                uid="bio@dorf",
                summary="Biotonne",
                starts_at=datetime(2026, 3, 2).date(),  # noqa: DTZ001
                ends_at=datetime(2026, 3, 3).date(),  # noqa: DTZ001
                categories=["Müll"],
            )
        ],
    )
    assert b"DTSTART;VALUE=DATE:20260302" in body
    assert b"DTEND;VALUE=DATE:20260303" in body


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character():
    summary = "Ä" * 80
    body = render_calendar(
        name="x",
        tz=BERLIN,
        entries=[Entry(uid="a@dorf", summary=summary, starts_at=YEAR_START, ends_at=YEAR_END)],
    )
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    (event,) = _parse(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == summary
    body.decode("utf-8")  # every fold fell between characters


def test_the_vtimezone_of_a_zone_that_changed_its_rules_keeps_each_era():
    # given: Berlin from 1979 (no DST) over 1980-1995 (September) to today (October)
    zone: Any = vtimezone(BERLIN, first_year=1979, last_year=2030)
    rules = sorted(c["RRULE"].to_ical().decode() for c in zone.subcomponents if "RRULE" in c)
    # then: each era is one yearly rule, the earlier ones end with UNTIL
    assert any("BYMONTH=9" in r and "UNTIL=1995" in r for r in rules)
    assert any("BYMONTH=10" in r and "UNTIL" not in r for r in rules)
    assert any("BYMONTH=3" in r and "UNTIL" not in r for r in rules)


def test_a_series_with_exceptions_expands_the_same_in_another_expander_over_a_year():
    # given: weekly, across both changes, one EXDATE, one cancelled, one moved
    start = datetime(2026, 1, 6, 19, 30, tzinfo=BERLIN)
    weekly = Series(
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        tz=BERLIN,
        rule="FREQ=WEEKLY;BYDAY=TU,SA",
        exdates=frozenset({datetime(2026, 3, 31, 19, 30, tzinfo=BERLIN)}),
        overrides={
            datetime(2026, 4, 7, 19, 30, tzinfo=BERLIN): Override(cancelled=True),
            datetime(2026, 10, 27, 19, 30, tzinfo=BERLIN): Override(
                starts_at=datetime(2026, 10, 29, 18, tzinfo=BERLIN),
                ends_at=datetime(2026, 10, 29, 20, tzinfo=BERLIN),
            ),
        },
    )
    body = render_calendar(name="x", tz=BERLIN, entries=_entries_of(weekly))
    # when
    ours = [
        (o.starts_at, o.ends_at)
        for o in expand(weekly, window_start=YEAR_START, window_end=YEAR_END)
    ]
    # then
    assert len(ours) == 2 * 52 - 1 - 2
    assert sorted(ours) == _theirs(body)


RULES = st.one_of(
    st.builds(
        lambda days, interval: f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={','.join(days)}",
        st.lists(
            st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
            min_size=1,
            max_size=3,
            unique=True,
        ),
        st.integers(1, 3),
    ),
    # Hours 3 apart: recurring-ical-events matches an EXDATE by its UTC and by its local
    # wall time, so two dates one UTC offset (1-2 h) apart would hide each other there.
    st.builds(
        lambda hours: "FREQ=DAILY;BYHOUR=" + ",".join(str(3 * h) for h in sorted(hours)),
        st.sets(st.integers(0, 7), min_size=1, max_size=3),
    ),
    st.builds(lambda interval: f"FREQ=DAILY;INTERVAL={interval}", st.integers(1, 9)),
    st.builds(
        lambda nth, day: f"FREQ=MONTHLY;BYDAY={nth}{day}",
        st.sampled_from([1, 2, 3, 4, -1]),
        st.sampled_from(["MO", "FR", "SU"]),
    ),
    st.builds(lambda day: f"FREQ=MONTHLY;BYMONTHDAY={day}", st.sampled_from([1, 15, 28, -1])),
    st.just("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
    st.just("FREQ=YEARLY"),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule=RULES,
    start_day=st.integers(0, 364),
    # minutes after midnight, with extra weight on the spring gap and the autumn double hour
    start_minute=st.one_of(st.integers(0, 1439), st.integers(120, 179)),
    minutes=st.sampled_from([30, 60, 90, 180]),
    drop=st.integers(0, 5),
)
def test_our_expansion_matches_an_independent_expander_over_a_year(
    rule, start_day, start_minute, minutes, drop
):
    # given: a first date in 2025 (so the series runs through all of 2026), synchronised
    # with its rule as RFC 5545 asks
    first_wall = datetime(2025, 1, 1) + timedelta(days=start_day, minutes=start_minute)  # noqa: DTZ001
    try:
        stored = validate_rule(rule, starts_at=first_wall.replace(tzinfo=BERLIN), tz=BERLIN)
    except ValidationFailed:
        assume(False)
    probe = Series(
        starts_at=first_wall.replace(tzinfo=BERLIN),
        ends_at=first_wall.replace(tzinfo=BERLIN) + timedelta(minutes=minutes),
        tz=BERLIN,
        rule=stored,
    )
    first = expand(
        probe, window_start=datetime(2025, 1, 1, tzinfo=UTC), window_end=YEAR_END, limit=1
    )
    assume(first)
    start = first[0].starts_at.astimezone(BERLIN)
    assume(
        start.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None) == start.replace(tzinfo=None)
    )
    series = Series(
        starts_at=start, ends_at=start + timedelta(minutes=minutes), tz=BERLIN, rule=stored
    )
    ours = expand(series, window_start=YEAR_START, window_end=YEAR_END, limit=10**6)
    exdates = frozenset(o.original_start for o in ours[drop::7])
    series = Series(
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        tz=BERLIN,
        rule=stored,
        exdates=exdates,
    )
    ours = expand(series, window_start=YEAR_START, window_end=YEAR_END, limit=10**6)
    # when
    theirs = _theirs(render_calendar(name="x", tz=BERLIN, entries=_entries_of(series)))
    # then: the same starts; the same ends except where the rule's wall time fell in the
    # spring gap (the other expander keeps the wall-clock end there and ends before the start)
    assert [s for s, _e in theirs] == [o.starts_at for o in ours]
    for occurrence, (_start, end) in zip(ours, theirs, strict=True):
        assert occurrence.ends_at > occurrence.starts_at
        if not _in_spring_gap(occurrence.starts_at, BERLIN):
            assert occurrence.ends_at == end
