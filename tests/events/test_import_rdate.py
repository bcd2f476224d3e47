"""RDATE (with EXDATE) on import: the extra dates of an external calendar's events appear
in the village calendar exactly as an independent parser (recurring-ical-events) reads
the source file. Served by the local HTTP server of tests/recorded_http.py."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from dorf.events import importing, services
from dorf.events.models import VillageEvent

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")

TZ = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)

EVENTS = [
    # A weekly choir rehearsal (5 dates across the October clock change) with two extra
    # dates; one extra date falls on a rule date (counts once); EXDATE leaves out one
    # rule date and one extra date.
    "BEGIN:VEVENT\r\nUID:chor@pfarrei\r\nDTSTAMP:20261101T090000Z\r\nSUMMARY:Chorprobe\r\n"
    "DTSTART;TZID=Europe/Berlin:20261015T193000\r\nDTEND;TZID=Europe/Berlin:20261015T210000\r\n"
    "RRULE:FREQ=WEEKLY;COUNT=5\r\n"
    "RDATE;TZID=Europe/Berlin:20261020T193000,20261022T193000,20261104T180000\r\n"
    "EXDATE;TZID=Europe/Berlin:20261029T193000,20261104T180000\r\nEND:VEVENT\r\n",
    # Advent devotions: no rule, just DTSTART and extra dates, one as a period with its
    # own end.
    "BEGIN:VEVENT\r\nUID:rorate@pfarrei\r\nDTSTAMP:20261101T090000Z\r\n"
    "SUMMARY:Roratemesse\r\nDTSTART;TZID=Europe/Berlin:20261202T063000\r\n"
    "DTEND;TZID=Europe/Berlin:20261202T071500\r\n"
    "RDATE;TZID=Europe/Berlin:20261209T063000,20261216T063000\r\n"
    "RDATE;VALUE=PERIOD:20261223T053000Z/20261223T073000Z\r\nEND:VEVENT\r\n",
    # A flea market on two more Saturdays (all-day), the first date cancelled by EXDATE.
    "BEGIN:VEVENT\r\nUID:flohmarkt@pfarrei\r\nDTSTAMP:20261101T090000Z\r\n"
    "SUMMARY:Flohmarkt\r\nDTSTART;VALUE=DATE:20261107\r\nDTEND;VALUE=DATE:20261108\r\n"
    "RDATE;VALUE=DATE:20261114,20261121\r\nEXDATE;VALUE=DATE:20261107\r\nEND:VEVENT\r\n",
]


def _ics(events: list[str]) -> bytes:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Pfarrei//DE\r\n" + TZ
    return (head + "".join(events) + "END:VCALENDAR\r\n").encode()


def _as_utc(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    # an all-day date: from midnight in the village
    return datetime(value.year, value.month, value.day, tzinfo=BERLIN).astimezone(UTC)


def _independent(body: bytes) -> set[tuple[str, datetime, datetime]]:
    calendar = icalendar.Calendar.from_ical(body)
    found = recurring_ical_events.of(calendar).between(
        datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    return {(str(e["SUMMARY"]), _as_utc(e["DTSTART"].dt), _as_utc(e["DTEND"].dt)) for e in found}


def _api(client, village) -> set[tuple[str, datetime, datetime]]:
    answer = client.get(
        f"/api/v1/villages/{village.slug}/calendar/",
        {"from": "2026-10-01", "to": "2027-01-01", "page_size": 200, "category": "church"},
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["next"] is None
    return {
        (
            item["title"],
            datetime.fromisoformat(item["starts_at"]).astimezone(UTC),
            datetime.fromisoformat(item["ends_at"]).astimezone(UTC),
        )
        for item in body["results"]
    }


def test_rdate_and_exdate_occurrences_reach_the_calendar_api_as_the_source_says(
    town, recorded_server, client_for
) -> None:
    # given: the parish's calendar with RDATE and EXDATE, served over HTTP
    body = _ics(EVENTS)
    calendar = services.external_calendar_create(
        actor=town.staff,
        village_id=town.village.pk,
        name="Pfarrei",
        url=recorded_server.serve("/pfarrei.ics", body, content_type="text/calendar"),
        category="church",
    )
    # when: imported
    result = importing.external_calendar_import(calendar_id=calendar.pk)
    # then: nothing skipped, and the API's occurrences are the independent parser's
    assert (result.error, result.skipped) == ("", 0)
    expected = _independent(body)
    # choir: 4 rule dates + 1 extra (one extra is a rule date, one is excluded);
    # devotions: DTSTART + 3 extra; market: 2 extra (DTSTART excluded)
    assert len(expected) == 4 + 1 + 4 + 2
    assert _api(client_for(town.resident), town.village) == expected
    titles = [t for t, _start, _end in expected]
    assert titles.count("Chorprobe") == 5
    # the period keeps its own end, the EXDATE'd rule date and extra date are gone
    assert ("Roratemesse", datetime(2026, 12, 23, 5, 30, tzinfo=UTC),
            datetime(2026, 12, 23, 7, 30, tzinfo=UTC)) in expected  # fmt: skip
    assert not any(
        start == datetime(2026, 10, 29, 18, 30, tzinfo=UTC) for _t, start, _e in expected
    )


def test_importing_rdates_twice_changes_nothing_and_a_dropped_rdate_goes(
    town, recorded_server
) -> None:
    path = "/pfarrei.ics"
    url = recorded_server.serve(path, _ics(EVENTS), conditional=False)
    calendar = services.external_calendar_create(
        actor=town.staff, village_id=town.village.pk, name="Pfarrei", url=url
    )
    first = importing.external_calendar_import(calendar_id=calendar.pk)
    again = importing.external_calendar_import(calendar_id=calendar.pk)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert again.unchanged == first.created
    # the devotions lose their last two extra dates
    shorter = EVENTS[1].replace(
        "RDATE;TZID=Europe/Berlin:20261209T063000,20261216T063000\r\n"
        "RDATE;VALUE=PERIOD:20261223T053000Z/20261223T073000Z\r\n",
        "RDATE;TZID=Europe/Berlin:20261209T063000\r\n",
    )
    recorded_server.serve(path, _ics([EVENTS[0], shorter, EVENTS[2]]), conditional=False)
    changed = importing.external_calendar_import(calendar_id=calendar.pk)
    assert (changed.created, changed.deleted) == (0, 2)
    assert VillageEvent.objects.filter(title="Roratemesse").count() == 2


def test_an_event_with_too_many_rdates_is_skipped_and_the_rest_imported(
    town, recorded_server
) -> None:
    dates = ",".join(
        f"2027{month:02d}{day:02d}T{hour}0000Z"
        for month in range(1, 13)
        for day in range(1, 29)
        for hour in (10, 15)
    )
    crowded = (
        "BEGIN:VEVENT\r\nUID:viel@x\r\nDTSTAMP:20261101T090000Z\r\nSUMMARY:Viel\r\n"
        f"DTSTART:20261201T100000Z\r\nDTEND:20261201T110000Z\r\nRDATE:{dates}\r\nEND:VEVENT\r\n"
    )
    url = recorded_server.serve("/viel.ics", _ics([crowded, EVENTS[1]]))
    calendar = services.external_calendar_create(
        actor=town.staff, village_id=town.village.pk, name="Viel", url=url
    )
    result = importing.external_calendar_import(calendar_id=calendar.pk)
    assert (result.skipped, result.error) == (1, "")
    assert not VillageEvent.objects.filter(title="Viel").exists()
    assert VillageEvent.objects.filter(title="Roratemesse").count() == 4
