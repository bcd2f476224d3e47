"""Importing a collection company's plan: iCalendar and CSV, idempotent, shifts recorded,
holidays flagged, all or nothing with the faulty lines listed."""

from __future__ import annotations

from datetime import date

import pytest

from dorf.core.exceptions import Forbidden, ValidationFailed
from dorf.waste import services
from dorf.waste.models import Collection
from tests.factories import MembershipFactory
from tests.waste.factories import import_csv

pytestmark = pytest.mark.django_db

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Abfallbetrieb//Plan//DE
BEGIN:VEVENT
UID:rest-a-2027
DTSTART;VALUE=DATE:20270105
SUMMARY:Rest A
RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=6
END:VEVENT
BEGIN:VEVENT
UID:papier-0506
DTSTART;VALUE=DATE:20270506
SUMMARY:Papier
END:VEVENT
END:VCALENDAR
"""


def _import_ics(plan, text: str, **kwargs):
    return services.collections_import(
        user=plan.staff.user,
        village_id=plan.village.pk,
        fmt="ics",
        content=text.encode(),
        bundesland="NW",
        **kwargs,
    )


def _dates(tour) -> list[date]:
    return list(
        Collection.objects.filter(tour=tour, cancelled=False)
        .order_by("date")
        .values_list("date", flat=True)
    )


def test_the_same_ics_file_imported_twice_changes_nothing(plan) -> None:
    # given / when
    first = _import_ics(plan, ICS)
    stamps = dict(Collection.objects.values_list("pk", "updated_at"))
    second = _import_ics(plan, ICS)
    # then
    assert (first.created, first.unchanged) == (7, 0)
    assert (second.created, second.shifted, second.unchanged, second.cancelled) == (0, 0, 7, 0)
    assert dict(Collection.objects.values_list("pk", "updated_at")) == stamps
    assert set(Collection.objects.values_list("sequence", flat=True)) == {0}
    assert _dates(plan.rest_a)[:2] == [date(2027, 1, 5), date(2027, 1, 19)]


def test_a_changed_ics_file_records_the_shift_and_bumps_the_sequence(plan) -> None:
    # given
    _import_ics(plan, ICS)
    moved = ICS.replace(
        "END:VCALENDAR",
        "BEGIN:VEVENT\nUID:rest-a-2027\nRECURRENCE-ID;VALUE=DATE:20270119\n"
        "DTSTART;VALUE=DATE:20270120\nSUMMARY:Rest A\nCOMMENT:Streik\nEND:VEVENT\nEND:VCALENDAR",
    )
    # when
    report = _import_ics(plan, moved)
    again = _import_ics(plan, moved)
    # then
    assert (report.shifted, report.unchanged) == (1, 6)
    assert (again.shifted, again.unchanged) == (0, 7)
    shifted = Collection.objects.get(tour=plan.rest_a, date=date(2027, 1, 20))
    assert shifted.original_date == date(2027, 1, 19)
    assert shifted.shift_reason == "Streik"
    assert shifted.sequence == 1
    assert shifted.announce_pending


def test_a_single_event_moved_under_the_same_uid_is_a_shift(plan) -> None:
    _import_ics(plan, ICS)
    uid_before = Collection.objects.get(tour=plan.papier_tour).uid
    report = _import_ics(
        plan, ICS.replace("DTSTART;VALUE=DATE:20270506", "DTSTART;VALUE=DATE:20270507")
    )
    papier = Collection.objects.get(tour=plan.papier_tour)
    assert report.shifted == 1
    assert (papier.date, papier.original_date, papier.sequence) == (
        date(2027, 5, 7),
        date(2027, 5, 6),
        1,
    )
    assert papier.uid == uid_before  # the feed's UID stays, the event is updated
    assert papier.holiday == ""  # shifted off the holiday


def test_a_collection_on_a_public_holiday_the_plan_did_not_shift_is_flagged(plan) -> None:
    report = _import_ics(plan, ICS)
    # 6 May 2027 is Christi Himmelfahrt in every Bundesland.
    assert report.holidays == 1
    assert Collection.objects.get(tour=plan.papier_tour).holiday == "Christi Himmelfahrt"


def test_a_collection_missing_from_the_new_file_is_cancelled_and_bumped(plan) -> None:
    _import_ics(plan, ICS)
    report = _import_ics(plan, ICS.replace("COUNT=6", "COUNT=5"))
    assert report.cancelled == 1
    last = Collection.objects.get(tour=plan.rest_a, date=date(2027, 3, 16))
    assert (last.cancelled, last.sequence) == (True, 1)


def test_csv_rows_are_imported_with_their_shift(plan) -> None:
    report = import_csv(
        plan,
        "Rest A;Restmüll;2027-01-05;;",
        "Rest A;rest;07.01.2027;06.01.2027;Heilige Drei Könige",
        "Papier;Papier;2027-01-08;;",
    )
    assert (report.created, report.holidays) == (3, 0)
    moved = Collection.objects.get(tour=plan.rest_a, date=date(2027, 1, 7))
    assert moved.original_date == date(2027, 1, 6)
    assert moved.shift_reason == "Heilige Drei Könige"
    # The same plan again: nothing changes; then the shift is taken back.
    assert (
        import_csv(
            plan,
            "Rest A;Restmüll;2027-01-05;;",
            "Rest A;rest;07.01.2027;06.01.2027;Heilige Drei Könige",
            "Papier;Papier;2027-01-08;;",
        ).unchanged
        == 3
    )


def test_a_csv_with_errors_lists_every_faulty_line_and_imports_nothing(plan) -> None:
    with pytest.raises(ValidationFailed) as caught:
        import_csv(
            plan,
            "Rest A;Restmüll;2027-01-05;;",
            "Rest Z;Restmüll;2027-01-06;;",
            "Rest A;Papier;2027-01-07;;",
            "Rest A;Restmüll;2207-01-05;;",
            "Rest A;Restmüll;31.02.2027;;",
            "Rest A;Restmüll;2027-01-05;;",
        )
    lines = caught.value.fields["file"]  # type: ignore[index]
    assert [line.split(":")[0] for line in lines] == [
        "Zeile 3",
        "Zeile 4",
        "Zeile 5",
        "Zeile 6",
        "Zeile 7",
    ]
    assert "Rest Z" in lines[0]
    assert caught.value.code == "import_invalid"
    assert not Collection.objects.exists()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"tour,type\nRest A,rest\n", "import_invalid"),
        (b"\xff\xfe not text", "import_invalid"),
        (b"", "import_invalid"),
    ],
)
def test_bad_csv_files_are_refused(plan, content: bytes, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.collections_import(
            user=plan.staff.user, village_id=plan.village.pk, fmt="csv", content=content
        )
    assert caught.value.code == code
    assert not Collection.objects.exists()


def test_a_file_that_is_not_icalendar_or_names_unknown_tours_is_refused(plan) -> None:
    with pytest.raises(ValidationFailed) as not_ics:
        _import_ics(plan, "<html>Abfuhrplan</html>")
    assert "iCalendar" in not_ics.value.fields["file"][0]  # type: ignore[index]
    with pytest.raises(ValidationFailed) as unknown:
        _import_ics(plan, ICS.replace("SUMMARY:Papier", "SUMMARY:Sondermüll"))
    assert unknown.value.fields["file"][0].startswith("Zeile 10")  # type: ignore[index]
    assert not Collection.objects.exists()


def test_an_ambiguous_waste_type_asks_for_a_tour_and_a_named_tour_takes_all(plan) -> None:
    text = ICS.replace("SUMMARY:Rest A", "SUMMARY:Restmüll").replace(
        "SUMMARY:Papier", "SUMMARY:Restmüll"
    )
    with pytest.raises(ValidationFailed):
        _import_ics(plan, text)
    report = _import_ics(plan, text, tour_id=plan.rest_b.pk)
    assert report.created == 7
    assert Collection.objects.filter(tour=plan.rest_b).count() == 7


def test_a_huge_file_is_refused_before_parsing(plan, settings) -> None:
    settings.DORF_WASTE_IMPORT_MAX_BYTES = 1000
    with pytest.raises(ValidationFailed) as caught:
        _import_ics(plan, ICS + " " * 2000)
    assert caught.value.code == "file_too_large"


def test_too_many_occurrences_are_refused(plan) -> None:
    # six daily series over the accepted window of about three years: more than a plan has
    daily = "".join(
        f"BEGIN:VEVENT\nUID:daily-{n}\nDTSTART;VALUE=DATE:20270101\nRRULE:FREQ=DAILY\n"
        "SUMMARY:Rest A\nEND:VEVENT\n"
        for n in range(6)
    )
    with pytest.raises(ValidationFailed) as caught:
        _import_ics(plan, ICS.replace("END:VCALENDAR", daily + "END:VCALENDAR"))
    assert caught.value.code == "import_invalid"
    assert "5000" in caught.value.fields["file"][0]  # type: ignore[index]
    assert not Collection.objects.exists()


def test_only_staff_import(plan) -> None:
    resident = MembershipFactory(village=plan.village)
    with pytest.raises(Forbidden):
        services.collections_import(
            user=resident.user, village_id=plan.village.pk, fmt="ics", content=ICS.encode()
        )


def test_a_plan_is_fetched_from_a_url_and_private_addresses_are_refused(
    plan, recorded_server, settings
) -> None:
    url = recorded_server.serve("/plan.ics", ICS.encode(), content_type="text/calendar")
    report = services.collections_import(
        user=plan.staff.user, village_id=plan.village.pk, fmt="ics", url=url
    )
    assert report.created == 7
    settings.DORF_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(ValidationFailed) as caught:
        services.collections_import(
            user=plan.staff.user, village_id=plan.village.pk, fmt="ics", url=url
        )
    assert caught.value.code == "fetch_failed"
