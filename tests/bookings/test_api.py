from __future__ import annotations

from datetime import timedelta

import pytest

from dorf.bookings import services
from dorf.bookings.models import Booking
from tests.bookings.conftest import berlin
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/villages/musterdorf/"


def test_a_resident_books_a_room_and_an_overlap_answers_409_in_german(
    clock, room, booker, client_for
) -> None:
    body = {
        "starts_at": "2026-03-10T18:00:00+01:00",
        "ends_at": "2026-03-10T20:00:00+01:00",
        "title": "Chorprobe",
    }
    first = client_for(booker.user).post(
        f"{BASE}resources/{room.pk}/bookings/", body, format="json"
    )
    other = MembershipFactory(village=room.village)
    second = client_for(other.user).post(
        f"{BASE}resources/{room.pk}/bookings/", body, format="json"
    )
    assert first.status_code == 201, first.json()
    assert first.json()["status"] == "approved"
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "overlap"
    assert second.json()["error"]["message"].startswith("Die Ressource ist zu dieser Zeit")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "2026-03-10T18:00:00Z", "ends_at": "2026-03-10T17:00:00Z"}, "ends_at"),
        (
            {
                "starts_at": "2026-03-10T18:00:00Z",
                "ends_at": "2026-03-10T20:00:00Z",
                "status": "approved",
            },
            "status",
        ),
    ],
)
def test_bad_booking_bodies_are_400_with_the_field_and_write_nothing(
    clock, room, booker, client_for, body, field
) -> None:
    answer = client_for(booker.user).post(
        f"{BASE}resources/{room.pk}/bookings/", body, format="json"
    )
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]
    assert not Booking.objects.exists()


def test_a_series_reply_lists_created_and_skipped_dates(clock, room, booker, client_for) -> None:
    services.booking_create(
        membership=MembershipFactory(village=room.village),
        resource_id=room.pk,
        starts_at=berlin(2026, 3, 17, 18, 0),
        ends_at=berlin(2026, 3, 17, 20, 0),
    )
    answer = client_for(booker.user).post(
        f"{BASE}resources/{room.pk}/series/",
        {
            "starts_at": "2026-03-10T18:00:00+01:00",
            "ends_at": "2026-03-10T20:00:00+01:00",
            "rrule": "FREQ=WEEKLY;COUNT=3",
            "on_conflict": "skip",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert [b["starts_at"] for b in body["created"]] == [
        "2026-03-10T18:00:00+01:00",
        "2026-03-24T18:00:00+01:00",
    ]
    assert body["skipped"][0]["code"] == "overlap"
    assert body["skipped"][0]["starts_at"] == "2026-03-17T18:00:00+01:00"


def test_the_resource_feed_shows_busy_times_only(clock, room, booker, client_for) -> None:
    services.booking_create(
        membership=booker,
        resource_id=room.pk,
        starts_at=berlin(2026, 3, 10, 18, 0),
        ends_at=berlin(2026, 3, 10, 20, 0),
        title="Geheime Geburtstagsfeier",
    )
    other = MembershipFactory(village=room.village)
    answer = client_for(other.user).get(f"{BASE}resources/{room.pk}/busy.ics")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "SUMMARY:Belegt" in text
    assert "Geburtstag" not in text
    assert booker.user.last_name not in text
    assert "BEGIN:VTIMEZONE" in text


def test_the_personal_feed_works_by_secret_url_and_an_unknown_token_is_404(
    clock, room, booker, client_for, api_client
) -> None:
    services.booking_create(
        membership=booker,
        resource_id=room.pk,
        starts_at=berlin(2026, 3, 10, 18, 0),
        ends_at=berlin(2026, 3, 10, 20, 0),
        title="Chorprobe",
    )
    url = client_for(booker.user).get("/api/v1/me/bookings-calendar/").json()["url"]
    feed = api_client.get(url)
    assert feed.status_code == 200
    assert "SUMMARY:Chorprobe" in feed.content.decode()
    assert api_client.get("/api/v1/bookings/calendar/" + "x" * 43 + ".ics").status_code == 404
    rotated = client_for(booker.user).post("/api/v1/me/bookings-calendar/").json()["url"]
    assert rotated != url
    assert api_client.get(url).status_code == 404


def test_my_bookings_list_has_a_fixed_number_of_queries(
    clock, room, booker, client_for, django_assert_num_queries
) -> None:
    for day in (10, 11, 12):
        services.booking_create(
            membership=booker,
            resource_id=room.pk,
            starts_at=berlin(2026, 3, day, 18, 0),
            ends_at=berlin(2026, 3, day, 18, 0) + timedelta(hours=2),
        )
    client = client_for(booker.user)
    with django_assert_num_queries(4):  # token, user, membership, bookings with resources
        answer = client.get(f"{BASE}bookings/mine/")
    assert answer.status_code == 200
    assert len(answer.json()["results"]) == 3
