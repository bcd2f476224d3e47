"""Publishers' events: who may write them, their rules and exceptions, the API's shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from dorf.calendar.sources import CalendarQuery, calendar_items
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.events import services
from dorf.events.models import VillageEvent
from dorf.villages.models import Role
from tests.events.factories import ExternalCalendarFactory, VillageEventFactory
from tests.factories import MembershipFactory, VillageFactory
from tests.news.factories import PublisherFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def _create(actor, town, **overrides):
    data = {
        "title": "Bürgersprechstunde",
        "starts_at": berlin(2030, 3, 5, 17),
        "ends_at": berlin(2030, 3, 5, 18),
        **overrides,
    }
    return services.event_create(
        actor=actor, village_id=town.village.pk, publisher_id=town.municipality.pk, **data
    )


def _occurrences(village, start, end, **query):
    return calendar_items(
        CalendarQuery(village=village, window_start=start, window_end=end, **query)
    )


def test_the_municipalitys_publisher_and_staff_may_write_its_events_editors_and_residents_not(
    town,
) -> None:
    assert _create(town.chief, town).publisher_id == town.municipality.pk
    assert _create(town.staff, town).created_by == town.staff
    with pytest.raises(Forbidden):
        _create(town.editor, town)
    with pytest.raises(Forbidden):
        _create(town.resident, town)
    assert VillageEvent.objects.count() == 2


def test_a_publisher_of_another_village_is_unknown_and_a_stranger_gets_404(town) -> None:
    elsewhere = PublisherFactory(village=VillageFactory(), name="Gemeinde Nachbarhausen")
    with pytest.raises(ValidationFailed) as refused:
        services.event_create(
            actor=town.staff,
            village_id=town.village.pk,
            publisher_id=elsewhere.pk,
            title="x",
            starts_at=berlin(2030, 1, 1, 10),
            ends_at=berlin(2030, 1, 1, 11),
        )
    assert "publisher_id" in (refused.value.fields or {})
    stranger = MembershipFactory(role=Role.STAFF).user
    with pytest.raises(NotFound):
        _create(stranger, town)
    event = _create(town.chief, town)
    with pytest.raises(NotFound):
        services.event_update(actor=stranger, event_id=event.pk, title="Übernommen")


def test_a_weekly_event_keeps_its_wall_clock_across_both_clock_changes_and_skips_its_exdate(
    town,
) -> None:
    # given: every Tuesday 19:30 in Berlin from March to November, one Tuesday left out
    event = _create(
        town.chief,
        town,
        title="Gemeinderat",
        starts_at=berlin(2030, 3, 19, 19, 30),
        ends_at=berlin(2030, 3, 19, 21, 30),
        rrule="FREQ=WEEKLY;BYDAY=TU",
        exdates=[berlin(2030, 4, 2, 19, 30)],
    )
    # when: expanded around the spring (31 March) and the autumn (27 October) change
    spring = _occurrences(town.village, berlin(2030, 3, 18), berlin(2030, 4, 10))
    autumn = _occurrences(town.village, berlin(2030, 10, 20), berlin(2030, 11, 6))
    # then: 19:30 local before and after each change, i.e. 18:30 / 17:30 UTC
    assert [o.starts_at for o in spring] == [
        datetime(2030, 3, 19, 18, 30, tzinfo=UTC),
        datetime(2030, 3, 26, 18, 30, tzinfo=UTC),
        datetime(2030, 4, 9, 17, 30, tzinfo=UTC),
    ]
    assert [o.starts_at.astimezone(BERLIN).hour for o in autumn] == [19, 19, 19]
    assert [o.starts_at.utcoffset() for o in autumn] == [timedelta(0)] * 3
    assert [o.starts_at.astimezone(BERLIN).utcoffset() for o in autumn] == [
        timedelta(hours=2),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    assert all(o.ends_at - o.starts_at == timedelta(hours=2) for o in spring + autumn)
    assert {o.series for o in spring} == {f"events:{event.pk}"}


def test_an_event_follows_its_own_time_zone_not_the_villages(town) -> None:
    # given: a video call of the twin town in Cuba at 10:00 Havana time, daily
    _create(
        town.chief,
        town,
        title="Partnerschaftstreffen",
        starts_at=datetime(2030, 3, 7, 10, tzinfo=ZoneInfo("America/Havana")),
        ends_at=datetime(2030, 3, 7, 11, tzinfo=ZoneInfo("America/Havana")),
        timezone="America/Havana",
        rrule="FREQ=DAILY;COUNT=5",
    )
    # then: Havana changes its clock on 10 March 2030 (00:00 → 01:00), Berlin does not
    rows = _occurrences(town.village, berlin(2030, 3, 1), berlin(2030, 4, 1))
    assert [o.starts_at.astimezone(ZoneInfo("America/Havana")).hour for o in rows] == [10] * 5
    assert len({o.starts_at.astimezone(BERLIN).hour for o in rows}) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": berlin(2030, 3, 5, 16)}, "ends_at"),
        ({"ends_at": berlin(2030, 5, 5, 16)}, "ends_at"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"rrule": "FREQ=SECONDLY"}, "rrule"),
        ({"exdates": [berlin(2030, 3, 12, 17)]}, "exdates"),  # without a rule
        ({"category": "raves"}, "category"),
        ({"starts_at": berlin(2200, 3, 5, 16), "ends_at": berlin(2200, 3, 5, 17)}, "starts_at"),
    ],
)
def test_bad_events_are_refused_with_the_field_named(town, changes, field) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _create(town.chief, town, **changes)
    assert field in (refused.value.fields or {})
    assert VillageEvent.objects.count() == 0


def test_an_update_bumps_the_sequence_and_checks_the_rule_again(town) -> None:
    event = _create(town.chief, town, rrule="FREQ=WEEKLY")
    updated = services.event_update(actor=town.chief, event_id=event.pk, title="Neu")
    assert (updated.title, updated.sequence) == ("Neu", 1)
    with pytest.raises(ValidationFailed):
        services.event_update(actor=town.chief, event_id=event.pk, rrule="FREQ=MINUTELY")
    with pytest.raises(Forbidden):
        services.event_update(actor=town.editor, event_id=event.pk, title="Nein")


def test_imported_events_are_not_edited_by_hand(town) -> None:
    calendar = ExternalCalendarFactory(village=town.village)
    imported = VillageEventFactory(village=town.village, calendar=calendar, uid="a@b")
    with pytest.raises(Conflict):
        services.event_update(actor=town.staff, event_id=imported.pk, title="Anders")
    with pytest.raises(Conflict):
        services.event_delete(actor=town.staff, event_id=imported.pk)


# --- API ----------------------------------------------------------------------------------------


def _list_url(village) -> str:
    return reverse("events:event-list", kwargs={"slug": village.slug})


def test_the_api_creates_lists_changes_and_deletes_an_event(town, client_for) -> None:
    client = client_for(town.chief)
    created = client.post(
        _list_url(town.village),
        {
            "publisher_id": town.municipality.pk,
            "title": "Seniorennachmittag",
            "starts_at": "2030-06-04T15:00:00+02:00",
            "ends_at": "2030-06-04T17:00:00+02:00",
            "rrule": "FREQ=MONTHLY;BYDAY=1TU",
            "exdates": ["2030-08-06T15:00:00+02:00"],
            "capacity": 40,
            "category": "municipality",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["organizer"]["key"] == f"publisher:{town.municipality.pk}"
    assert body["timezone"] == "Europe/Berlin"
    assert body["exdates"] == ["2030-08-06T13:00:00+00:00"]
    listed = client.get(_list_url(town.village)).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    detail = reverse("events:event-detail", kwargs={"event_id": body["id"]})
    patched = client.patch(detail, {"place": "Pfarrheim"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["sequence"] == 1
    assert client.delete(detail).status_code == 204
    assert client.get(detail).status_code == 404


def test_the_api_refuses_wrong_order_and_unknown_fields_in_german(town, client_for) -> None:
    client = client_for(town.chief)
    payload = {
        "publisher_id": town.municipality.pk,
        "title": "Verkehrt",
        "starts_at": "2030-06-04T17:00:00+02:00",
        "ends_at": "2030-06-04T15:00:00+02:00",
    }
    wrong_order = client.post(_list_url(town.village), payload, format="json")
    assert wrong_order.status_code == 400
    assert wrong_order.json()["error"]["fields"]["ends_at"] == [
        "Das Ende muss nach dem Anfang liegen."
    ]
    unknown = client.post(_list_url(town.village), {**payload, "uid": "x"}, format="json")
    assert unknown.status_code == 400
    assert "uid" in unknown.json()["error"]["fields"]
    forbidden = client_for(town.editor).post(
        _list_url(town.village),
        {**payload, "ends_at": "2030-06-04T18:00:00+02:00"},
        format="json",
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "permission_denied"


def test_the_event_list_costs_the_same_queries_for_one_or_many_events(
    town, client_for, django_assert_num_queries
) -> None:
    client = client_for(town.resident)
    VillageEventFactory(village=town.village, publisher=town.municipality)
    client.get(_list_url(town.village))  # the token's first use is recorded once
    # token, membership, events with publisher and calendar
    with django_assert_num_queries(3):
        one = client.get(_list_url(town.village))
    calendar = ExternalCalendarFactory(village=town.village)
    for n in range(8):
        VillageEventFactory(village=town.village, calendar=calendar, uid=f"u{n}")
    with django_assert_num_queries(3):
        many = client.get(_list_url(town.village))
    assert len(one.json()["results"]) == 1
    assert len(many.json()["results"]) == 9


def test_the_merged_calendar_filters_by_publisher_and_category(town, client_for) -> None:
    _create(town.chief, town, title="Sprechstunde", starts_at=berlin(2030, 3, 5, 17))
    church = ExternalCalendarFactory(village=town.village, name="Pfarrei", category="church")
    VillageEventFactory(
        village=town.village,
        calendar=church,
        uid="messe@x",
        title="Messe",
        category="church",
        starts_at=berlin(2030, 3, 6, 10),
        ends_at=berlin(2030, 3, 6, 11),
    )
    client = client_for(town.resident)
    url = reverse("calendar:village-calendar", kwargs={"slug": town.village.slug})
    window = {"from": "2030-03-01", "to": "2030-04-01"}
    both = client.get(url, window).json()["results"]
    church_only = client.get(url, {**window, "category": "church"}).json()["results"]
    town_only = client.get(url, {**window, "organizer": f"publisher:{town.municipality.pk}"})
    assert [r["title"] for r in both] == ["Sprechstunde", "Messe"]
    assert [r["title"] for r in church_only] == ["Messe"]
    assert church_only[0]["organizer"] == {
        "kind": "external",
        "id": church.pk,
        "name": "Pfarrei",
        "key": f"external:{church.pk}",
    }
    assert [r["title"] for r in town_only.json()["results"]] == ["Sprechstunde"]


def test_the_merged_calendar_costs_a_fixed_number_of_queries(
    town, client_for, django_assert_num_queries
) -> None:
    client = client_for(town.resident)
    url = reverse("calendar:village-calendar", kwargs={"slug": town.village.slug})
    _create(town.chief, town, starts_at=berlin(2030, 3, 5, 17), rrule="FREQ=DAILY")
    client.get(url, {"from": "2030-03-01"})
    # token, membership, club events (no overrides query: no events), village events,
    # council meetings
    with django_assert_num_queries(5):
        first = client.get(url, {"from": "2030-03-01"})
    for n in range(5):
        start = berlin(2030, 3, 6, 9 + n)
        _create(
            town.staff, town, title=f"T{n}", starts_at=start, ends_at=start + timedelta(hours=1)
        )
    with django_assert_num_queries(5):
        more = client.get(url, {"from": "2030-03-01"})
    assert len(more.json()["results"]) == len(first.json()["results"]) + 5
