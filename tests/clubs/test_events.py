from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from dorf.clubs import services
from dorf.clubs.api import EventSerializer
from dorf.clubs.models import ClubEvent, OccurrenceOverride, RsvpResponse
from dorf.core.exceptions import ValidationFailed
from dorf.notifications.models import Notification
from tests.clubs.factories import ClubEventFactory, RsvpFactory, berlin
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _event_body(**overrides):
    body = {
        "title": "Sommerfest",
        "starts_at": "2030-07-04T15:00:00+02:00",
        "ends_at": "2030-07-04T22:00:00+02:00",
        "place": "Festwiese",
        "latitude": 50.79,
        "longitude": 7.87,
        "capacity": 100,
    }
    body.update(overrides)
    return body


def test_the_board_creates_an_event_with_place_and_capacity(club, board, client_for) -> None:
    url = reverse("clubs:event-list", kwargs={"club_id": club.pk})
    response = client_for(board.user).post(url, _event_body())
    assert response.status_code == 201, response.content
    event = ClubEvent.objects.get()
    assert event.starts_at == datetime(2030, 7, 4, 13, 0, tzinfo=UTC)
    assert (event.latitude, event.longitude, event.capacity) == (50.79, 7.87, 100)


def test_an_event_that_ends_before_it_starts_is_rejected(club, board, client_for) -> None:
    url = reverse("clubs:event-list", kwargs={"club_id": club.pk})
    response = client_for(board.user).post(url, _event_body(ends_at="2030-07-04T14:00:00+02:00"))
    assert response.status_code == 400
    assert "ends_at" in response.json()["error"]["fields"]
    assert not ClubEvent.objects.exists()


def test_members_who_are_not_on_the_board_cannot_create_events(club, member, client_for) -> None:
    url = reverse("clubs:event-list", kwargs={"club_id": club.pk})
    assert client_for(member.user).post(url, _event_body()).status_code == 403
    assert not ClubEvent.objects.exists()


@pytest.mark.parametrize(
    "rule", ["FREQ=SECONDLY", "FREQ=WEEKLY;BYDAY=XX", "DTSTART:20300101T000000", "nonsense"]
)
def test_invalid_or_too_frequent_rules_are_rejected(rule, club, board, client_for) -> None:
    url = reverse("clubs:event-list", kwargs={"club_id": club.pk})
    response = client_for(board.user).post(url, _event_body(rrule=rule))
    assert response.status_code == 400
    assert "rrule" in response.json()["error"]["fields"]
    assert not ClubEvent.objects.exists()


def test_a_rule_that_repeats_every_second_is_refused_in_german_and_nothing_is_written(
    club, board, client_for
) -> None:
    # given: the rule of issue 13 (tens of millions of dates)
    hostile = (
        "FREQ=DAILY;BYHOUR="
        + ",".join(map(str, range(24)))
        + ";BYMINUTE="
        + ",".join(map(str, range(60)))
        + ";BYSECOND="
        + ",".join(map(str, range(60)))
    )
    url = reverse("clubs:event-list", kwargs={"club_id": club.pk})
    # when
    response = client_for(board.user).post(url, _event_body(rrule=hostile[:500]))
    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_rrule"
    assert "höchstens einmal pro Stunde" in error["fields"]["rrule"][0]
    assert not ClubEvent.objects.exists()


def test_changing_a_rule_to_a_hostile_one_is_refused(club, board, client_for) -> None:
    event = ClubEventFactory(club=club, rrule="FREQ=WEEKLY")
    url = reverse("clubs:event-detail", kwargs={"event_id": event.pk})
    response = client_for(board.user).patch(
        url, {"rrule": "FREQ=DAILY;BYMINUTE=0,10,20,30,40,50"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "at most one minute" in response.json()["error"]["fields"]["rrule"][0]
    event.refresh_from_db()
    assert event.rrule == "FREQ=WEEKLY"


def test_lowering_the_capacity_below_the_going_count_is_rejected(club, board, village) -> None:
    # given: three people going
    event = ClubEventFactory(club=club, capacity=5)
    RsvpFactory.create_batch(3, event=event)
    # when / then
    with pytest.raises(ValidationFailed) as caught:
        services.event_update(user=board.user, event_id=event.pk, capacity=2)
    assert caught.value.code == "capacity_below_going"
    event.refresh_from_db()
    assert event.capacity == 5


def test_raising_the_capacity_moves_people_up_from_the_waitlist(club, board) -> None:
    from django.utils import timezone

    event = ClubEventFactory(club=club, capacity=1)
    RsvpFactory(event=event)
    first = RsvpFactory(event=event, response="waitlisted", waitlisted_at=timezone.now())
    second = RsvpFactory(
        event=event, response="waitlisted", waitlisted_at=timezone.now() + timedelta(seconds=1)
    )
    services.event_update(user=board.user, event_id=event.pk, capacity=2)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.response, second.response) == (RsvpResponse.GOING, RsvpResponse.WAITLISTED)


def test_an_event_spanning_the_autumn_dst_night_keeps_its_real_duration(
    club, board, client_for
) -> None:
    # given: 25 Oct 2026 01:00 → 04:00 local is 4 real hours (the clock goes back at 03:00)
    url = reverse("clubs:event-list", kwargs={"club_id": club.pk})
    response = client_for(board.user).post(
        url,
        _event_body(
            title="Nachtwanderung",
            starts_at="2026-10-25T01:00:00+02:00",
            ends_at="2026-10-25T04:00:00+01:00",
        ),
    )
    assert response.status_code == 201
    event = ClubEvent.objects.get()
    assert event.ends_at - event.starts_at == timedelta(hours=4)


def test_a_cancelled_and_a_moved_occurrence_are_keyed_by_their_original_start(
    club, board, village, client_for
) -> None:
    # given: a weekly rehearsal with one person going to the second occurrence
    event = ClubEventFactory(
        club=club,
        starts_at=berlin(2030, 1, 8, 19, 30),
        ends_at=berlin(2030, 1, 8, 21, 30),
        rrule="FREQ=WEEKLY;COUNT=5",
    )
    singer = MembershipFactory(village=village).user
    RsvpFactory(event=event, user=singer, occurrence_start=berlin(2030, 1, 15, 19, 30))
    url = reverse("clubs:event-occurrences", kwargs={"event_id": event.pk})
    client = client_for(board.user)
    # when: the second is cancelled, the third moved to Thursday
    cancel = client.post(url, {"original_start": "2030-01-15T19:30:00+01:00", "cancelled": True})
    move = client.post(
        url,
        {
            "original_start": "2030-01-22T18:30:00Z",
            "starts_at": "2030-01-24T19:00:00+01:00",
            "ends_at": "2030-01-24T21:00:00+01:00",
        },
    )
    wrong = client.post(url, {"original_start": "2030-01-16T19:30:00+01:00", "cancelled": True})
    # then
    assert cancel.status_code == move.status_code == 201
    assert wrong.status_code == 400
    assert OccurrenceOverride.objects.count() == 2
    listing = client.get(url, {"start": "2030-01-01T00:00:00Z", "end": "2030-03-01T00:00:00Z"})
    starts = [o["starts_at"] for o in listing.json()]
    assert starts == [
        "2030-01-08T19:30:00+01:00",
        "2030-01-24T19:00:00+01:00",
        "2030-01-29T19:30:00+01:00",
        "2030-02-05T19:30:00+01:00",
    ]
    assert Notification.objects.filter(user=singer, category="rsvp").count() == 1


def test_village_calendar_lists_occurrences_with_a_constant_number_of_queries(
    village, club, member, client_for, django_assert_num_queries
) -> None:
    client = client_for(member.user)
    url = reverse("clubs:village-events", kwargs={"slug": village.slug})
    params = {"start": "2030-01-01T00:00:00Z", "end": "2030-02-01T00:00:00Z"}
    ClubEventFactory(club=club, starts_at=berlin(2030, 1, 2, 10), ends_at=berlin(2030, 1, 2, 12))
    client.get(url, params)
    with django_assert_num_queries(5):
        assert len(client.get(url, params).json()) == 1
    weekly = ClubEventFactory(
        club=club,
        starts_at=berlin(2030, 1, 3, 19),
        ends_at=berlin(2030, 1, 3, 21),
        rrule="FREQ=WEEKLY",
    )
    RsvpFactory(event=weekly, user=member.user, occurrence_start=weekly.starts_at)
    OccurrenceOverride.objects.create(
        event=weekly, original_start=berlin(2030, 1, 10, 19), cancelled=True
    )
    with django_assert_num_queries(5):
        rows = client.get(url, params).json()
    assert len(rows) == 1 + 4  # 3, 17, 24, 31 January (the 10th is cancelled)
    assert next(r["my_response"] for r in rows if r["event_id"] == weekly.pk) == "going"


def test_a_window_longer_than_400_days_is_refused(village, member, client_for) -> None:
    url = reverse("clubs:village-events", kwargs={"slug": village.slug})
    response = client_for(member.user).get(
        url, {"start": "2030-01-01T00:00:00Z", "end": "2032-01-01T00:00:00Z"}
    )
    assert response.status_code == 400


def test_club_event_list_runs_a_constant_number_of_queries(
    club, member, client_for, django_assert_num_queries
) -> None:
    client = client_for(member.user)
    url = reverse("clubs:event-list", kwargs={"club_id": club.pk})
    ClubEventFactory(club=club)
    client.get(url)
    # token, club (of my villages), events; their overrides only for a page with some
    with django_assert_num_queries(3):
        assert len(client.get(url).json()["results"]) == 1
    for event in ClubEventFactory.create_batch(4, club=club, rrule="FREQ=WEEKLY"):
        OccurrenceOverride.objects.create(
            event=event, original_start=event.starts_at + timedelta(days=7), cancelled=True
        )
    with django_assert_num_queries(4):
        rows = client.get(url).json()["results"]
    assert len(rows) == 5
    assert sum(len(r["overrides"]) for r in rows) == 4


def test_a_rule_stored_before_the_limits_lists_and_publishes_its_first_date_only(
    village, club, member, client_for
) -> None:
    # given: an event whose rule repeats every second, written before rules were limited
    hostile = "FREQ=DAILY;BYHOUR=0;BYMINUTE=0;BYSECOND=" + ",".join(map(str, range(60)))
    ClubEventFactory(
        club=club, starts_at=berlin(2030, 1, 2, 10), ends_at=berlin(2030, 1, 2, 12), rrule=hostile
    )
    client = client_for(member.user)
    # when
    listing = client.get(
        reverse("clubs:village-events", kwargs={"slug": village.slug}),
        {"start": "2030-01-01T00:00:00Z", "end": "2031-01-01T00:00:00Z"},
    )
    feed = client.get(reverse("clubs:club-feed", kwargs={"club_id": club.pk}))
    # then: one date, in the list and in the feed, and no rule handed to calendar apps
    assert listing.status_code == 200
    assert [row["starts_at"] for row in listing.json()] == ["2030-01-02T10:00:00+01:00"]
    assert feed.status_code == 200
    assert b"RRULE:FREQ=DAILY" not in feed.content


def test_a_rule_at_the_limit_fills_a_long_window_with_the_capped_number_of_rows(
    village, club, member, client_for
) -> None:
    # given: 24 dates a day, asked about 400 days (9,600 dates)
    ClubEventFactory(
        club=club,
        starts_at=berlin(2030, 1, 1),
        ends_at=berlin(2030, 1, 1, 0, 30),
        rrule="FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))),
    )
    response = client_for(member.user).get(
        reverse("clubs:village-events", kwargs={"slug": village.slug}),
        {"start": "2030-01-01T00:00:00Z", "end": "2031-02-04T00:00:00Z"},
    )
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 500
    assert rows[0]["starts_at"] == "2030-01-01T01:00:00+01:00"
    assert rows[-1]["starts_at"] < "2030-01-23"


def test_a_club_event_list_row_is_the_event_as_its_serializer_shows_it(
    club, member, client_for
) -> None:
    # given: a recurring event with a cancelled and a moved occurrence, and a plain one
    weekly = ClubEventFactory(club=club, rrule="FREQ=WEEKLY", capacity=12, latitude=50.79)
    OccurrenceOverride.objects.create(
        event=weekly, original_start=weekly.starts_at + timedelta(days=7), cancelled=True
    )
    OccurrenceOverride.objects.create(
        event=weekly,
        original_start=weekly.starts_at + timedelta(days=14),
        starts_at=weekly.starts_at + timedelta(days=14, hours=1),
        ends_at=weekly.ends_at + timedelta(days=14, hours=1),
        note="Eine Stunde später",
    )
    once = ClubEventFactory(club=club)
    # when
    url = reverse("clubs:event-list", kwargs={"club_id": club.pk})
    rows = client_for(member.user).get(url).json()["results"]
    # then: field for field (and in the same order) what EventSerializer answers
    expected = {e.pk: EventSerializer(ClubEvent.objects.get(pk=e.pk)).data for e in (weekly, once)}
    assert {row["id"]: row for row in rows} == expected
    assert [list(row) for row in rows] == [list(expected[row["id"]]) for row in rows]
