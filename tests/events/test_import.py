"""External calendars: ICS by URL from a local HTTP server (tests/recorded_http.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from dorf.core.exceptions import Forbidden, ValidationFailed
from dorf.core.registry import beat_schedule
from dorf.events import importing, services, tasks
from dorf.events.models import ExternalCalendar, VillageEvent

pytestmark = pytest.mark.django_db

CHURCH = (
    Path(__file__).parents[2] / "dorf" / "events" / "demo_data" / "kirche-st-martin.ics"
).read_bytes()
BERLIN = ZoneInfo("Europe/Berlin")


def _calendar(town, url: str, **kwargs) -> ExternalCalendar:
    return services.external_calendar_create(
        actor=town.staff, village_id=town.village.pk, name="Pfarrei", url=url, **kwargs
    )


def _vevent(uid: str, summary: str, extra: str = "") -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T090000Z\r\nSUMMARY:{summary}\r\n"
        f"DTSTART:20301201T100000Z\r\nDTEND:20301201T110000Z\r\n{extra}END:VEVENT\r\n"
    )


def _ics(*events: str) -> bytes:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//DE\r\n"
    return (head + "".join(events) + "END:VCALENDAR\r\n").encode()


def test_the_church_calendar_is_imported_once_and_a_second_fetch_is_conditional(
    town, recorded_server
) -> None:
    # given: the parish's recorded calendar served with an ETag
    calendar = _calendar(town, recorded_server.serve("/kirche.ics", CHURCH), category="church")
    # when: imported twice
    first = importing.external_calendar_import(calendar_id=calendar.pk)
    second = importing.external_calendar_import(calendar_id=calendar.pk)
    # then: six events (the cancelled concert left out), the second answer was a 304
    assert (first.created, first.skipped, first.error) == (6, 0, "")
    assert second.not_modified is True
    assert recorded_server.not_modified["/kirche.ics"] == 1
    titles = sorted(VillageEvent.objects.values_list("title", flat=True))
    assert titles == [
        "Christmette",
        "Familiengottesdienst zum 3. Advent",
        "Pfarrfest",
        "Seniorenkreis",
        "Sitzung des Pfarrgemeinderats (intern)",
        "Sonntagsgottesdienst",
    ]
    mass = VillageEvent.objects.get(title="Christmette")
    assert (mass.category, mass.timezone, mass.calendar_id) == (
        "church",
        "Europe/Berlin",
        calendar.pk,
    )


def test_the_same_file_imported_twice_without_etag_creates_and_changes_nothing(
    town, recorded_server
) -> None:
    url = recorded_server.serve("/kirche.ics", CHURCH, conditional=False)
    calendar = _calendar(town, url)
    importing.external_calendar_import(calendar_id=calendar.pk)
    before = list(VillageEvent.objects.order_by("id").values_list("id", "sequence", "updated_at"))
    again = importing.external_calendar_import(calendar_id=calendar.pk)
    assert (again.created, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 6)
    after = list(VillageEvent.objects.order_by("id").values_list("id", "sequence", "updated_at"))
    assert after == before


def test_a_moved_occurrence_is_an_exdate_of_its_series_plus_an_event_of_its_own(
    town, recorded_server
) -> None:
    calendar = _calendar(town, recorded_server.serve("/kirche.ics", CHURCH))
    importing.external_calendar_import(calendar_id=calendar.pk)
    series = VillageEvent.objects.get(title="Sonntagsgottesdienst")
    assert series.rrule == "FREQ=WEEKLY;BYDAY=SU"
    assert series.exdates == [
        "2026-12-13T09:00:00+00:00",  # moved: the family service
        "2026-12-27T09:00:00+00:00",
        "2027-01-03T09:00:00+00:00",
    ]
    moved = VillageEvent.objects.get(title="Familiengottesdienst zum 3. Advent")
    assert moved.rrule == ""
    assert moved.starts_at == datetime(2026, 12, 13, 10, 30, tzinfo=BERLIN)
    fest = VillageEvent.objects.get(title="Pfarrfest")
    assert fest.all_day is True
    assert fest.starts_at == datetime(2026, 7, 5, tzinfo=BERLIN)


def test_the_tag_filter_imports_only_events_with_one_of_its_categories(
    town, recorded_server
) -> None:
    url = recorded_server.serve("/kirche.ics", CHURCH)
    calendar = _calendar(town, url, tag_filter=["Gottesdienst", " gemeindeleben "])
    assert calendar.tag_filter == ["gemeindeleben", "gottesdienst"]
    result = importing.external_calendar_import(calendar_id=calendar.pk)
    assert (result.created, result.filtered) == (5, 1)
    assert not VillageEvent.objects.filter(title__contains="intern").exists()


def test_a_changed_file_updates_changed_events_and_drops_removed_ones(
    town, recorded_server
) -> None:
    url = recorded_server.serve("/k.ics", _ics(_vevent("a@x", "Alt"), _vevent("b@x", "Bleibt")))
    calendar = _calendar(town, url)
    importing.external_calendar_import(calendar_id=calendar.pk)
    recorded_server.serve("/k.ics", _ics(_vevent("a@x", "Neu"), _vevent("c@x", "Dazu")))
    result = importing.external_calendar_import(calendar_id=calendar.pk)
    assert (result.created, result.updated, result.deleted) == (1, 1, 1)
    rows = dict(VillageEvent.objects.values_list("uid", "title"))
    assert rows == {"a@x": "Neu", "c@x": "Dazu"}
    assert VillageEvent.objects.get(uid="a@x").sequence == 1


def test_the_last_imports_counts_are_stored_and_kept_by_a_304_or_a_refusal(
    town, recorded_server
) -> None:
    # given: a calendar imported once, then changed (one new, one changed, one removed,
    # one unchanged, one we cannot hold, one the tag filter leaves out)
    keep = "CATEGORIES:Messe\r\n"
    url = recorded_server.serve(
        "/k.ics",
        _ics(
            _vevent("a@x", "Alt", keep), _vevent("b@x", "Bleibt", keep), _vevent("d@x", "Weg", keep)
        ),
    )
    calendar = _calendar(town, url, tag_filter=["Messe"])
    importing.external_calendar_import(calendar_id=calendar.pk)
    recorded_server.serve(
        "/k.ics",
        _ics(
            _vevent("a@x", "Neu", keep),
            _vevent("b@x", "Bleibt", keep),
            _vevent("c@x", "Dazu", keep),
            _vevent("f@x", "Sekündlich", keep + "RRULE:FREQ=SECONDLY\r\n"),
            _vevent("g@x", "Intern", "CATEGORIES:Sitzung\r\n"),
        ),
    )

    # when
    result = importing.external_calendar_import(calendar_id=calendar.pk)

    # then: the calendar holds what the import answered
    calendar.refresh_from_db()
    stored = (
        calendar.last_import_created,
        calendar.last_import_updated,
        calendar.last_import_deleted,
        calendar.last_import_unchanged,
        calendar.last_import_skipped,
        calendar.last_import_filtered,
    )
    assert stored == (1, 1, 1, 1, 1, 1)
    assert stored == (
        result.created,
        result.updated,
        result.deleted,
        result.unchanged,
        result.skipped,
        result.filtered,
    )
    imported_at = calendar.last_imported_at
    assert imported_at is not None

    # when: the server answers 304, then fails
    assert importing.external_calendar_import(calendar_id=calendar.pk).not_modified
    recorded_server.serve("/k.ics", b"", status=500, conditional=False)
    assert importing.external_calendar_import(calendar_id=calendar.pk).error

    # then: the counts and the time of the last stored import stay, the error is shown
    calendar.refresh_from_db()
    assert calendar.last_import_created == 1
    assert calendar.last_imported_at == imported_at
    assert calendar.last_error == "HTTP 500"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><body>Wartungsarbeiten</body></html>", "not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:kaputt\r\n", "malformed"),
        (_ics(*[_vevent(f"{n}@x", "Flut") for n in range(2_001)]), "more than 2000 events"),
        (b"BEGIN:VCALENDAR\r\n" + b"X-JUNK:" + b"A" * (2 * 1024 * 1024) + b"\r\n", "larger than"),
    ],
    ids=["html", "malformed", "too-many-events", "huge"],
)
def test_a_hostile_or_broken_file_is_refused_logged_and_the_previous_import_kept(
    town, recorded_server, caplog, body, reason
) -> None:
    # given: a good import
    calendar = _calendar(town, recorded_server.serve("/kirche.ics", CHURCH, conditional=False))
    importing.external_calendar_import(calendar_id=calendar.pk)
    etag_before = ExternalCalendar.objects.get(pk=calendar.pk).etag
    # when: the server now sends something hostile or broken
    recorded_server.serve("/kirche.ics", body, conditional=False, content_type="text/calendar")
    with caplog.at_level(logging.WARNING, logger="dorf.events.importing"):
        result = importing.external_calendar_import(calendar_id=calendar.pk)
    # then: refused, logged, stored on the calendar; the six events are still there
    assert reason in result.error
    assert any("refused" in record.getMessage() for record in caplog.records)
    calendar.refresh_from_db()
    assert reason in calendar.last_error
    assert calendar.etag == etag_before
    assert VillageEvent.objects.filter(calendar=calendar).count() == 6


def test_single_events_we_cannot_hold_are_skipped_and_the_rest_imported(
    town, recorded_server, caplog
) -> None:
    body = _ics(
        _vevent("ok@x", "Gut"),
        _vevent("fast@x", "Sekündlich", "RRULE:FREQ=SECONDLY\r\n"),
        _vevent("old@x", "Uralt").replace("20301201", "18991201"),
        "BEGIN:VEVENT\r\nUID:nostart@x\r\nSUMMARY:Ohne Beginn\r\nEND:VEVENT\r\n",
    )
    calendar = _calendar(town, recorded_server.serve("/k.ics", body))
    with caplog.at_level(logging.WARNING, logger="dorf.events.importing"):
        result = importing.external_calendar_import(calendar_id=calendar.pk)
    assert (result.created, result.skipped) == (1, 3)
    assert list(VillageEvent.objects.values_list("uid", flat=True)) == ["ok@x"]
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 3


def test_an_unreachable_calendar_keeps_its_events(town, recorded_server) -> None:
    calendar = _calendar(town, recorded_server.serve("/kirche.ics", CHURCH))
    importing.external_calendar_import(calendar_id=calendar.pk)
    recorded_server.serve("/kirche.ics", b"", status=500, conditional=False)
    result = importing.external_calendar_import(calendar_id=calendar.pk)
    assert result.error == "HTTP 500"
    assert VillageEvent.objects.filter(calendar=calendar).count() == 6


def test_only_staff_subscribe_and_private_addresses_are_refused(town, settings) -> None:
    with pytest.raises(Forbidden):
        services.external_calendar_create(
            actor=town.chief,
            village_id=town.village.pk,
            name="x",
            url="https://kirche.example/k.ics",
        )
    settings.DORF_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(ValidationFailed) as refused:
        _calendar(town, "http://127.0.0.1:8000/admin.ics")
    assert refused.value.code == "unsafe_url"


def test_the_periodic_task_imports_every_active_calendar(town, recorded_server) -> None:
    assert beat_schedule()["events-import-calendars"]["task"] == "events.import_calendars"
    _calendar(town, recorded_server.serve("/kirche.ics", CHURCH))
    paused = _calendar(town, recorded_server.serve("/pausiert.ics", CHURCH))
    services.external_calendar_update(actor=town.staff, calendar_id=paused.pk, active=False)
    assert tasks.import_calendars() == 6
    assert "/pausiert.ics" not in recorded_server.hits


def test_staff_import_through_the_api_and_see_the_result(town, recorded_server, client_for):
    client = client_for(town.staff)
    url = recorded_server.serve("/kirche.ics", CHURCH)
    created = client.post(
        reverse("events:calendar-list", kwargs={"slug": town.village.slug}),
        {"name": "Pfarrei St. Martin", "url": url, "category": "church"},
        format="json",
    )
    assert created.status_code == 201, created.content
    calendar_id = created.json()["id"]
    run = client.post(reverse("events:calendar-import", kwargs={"calendar_id": calendar_id}))
    assert run.status_code == 200
    assert run.json()["created"] == 6
    detail = client.get(reverse("events:calendar-detail", kwargs={"calendar_id": calendar_id}))
    assert detail.json()["last_imported_at"] is not None
    assert detail.json()["last_import_created"] == 6
    duplicate = client.post(
        reverse("events:calendar-list", kwargs={"slug": town.village.slug}),
        {"name": "Nochmal", "url": url},
        format="json",
    )
    assert duplicate.status_code == 409
    resident = client_for(town.resident).get(
        reverse("events:calendar-list", kwargs={"slug": town.village.slug})
    )
    assert resident.status_code == 403
    gone = client.delete(reverse("events:calendar-detail", kwargs={"calendar_id": calendar_id}))
    assert gone.status_code == 204
    assert VillageEvent.objects.count() == 0


def test_imported_times_in_utc_and_floating_times_land_right(town, recorded_server) -> None:
    body = _ics(
        _vevent("utc@x", "UTC"),
        "BEGIN:VEVENT\r\nUID:float@x\r\nSUMMARY:Floating\r\nDTSTART:20301201T100000\r\n"
        "DTEND:20301201T110000\r\nEND:VEVENT\r\n",
    )
    calendar = _calendar(town, recorded_server.serve("/k.ics", body))
    importing.external_calendar_import(calendar_id=calendar.pk)
    utc = VillageEvent.objects.get(uid="utc@x")
    floating = VillageEvent.objects.get(uid="float@x")
    assert (utc.starts_at, utc.timezone) == (datetime(2030, 12, 1, 10, tzinfo=UTC), "UTC")
    assert (floating.starts_at, floating.timezone) == (
        datetime(2030, 12, 1, 10, tzinfo=BERLIN),
        "Europe/Berlin",
    )
