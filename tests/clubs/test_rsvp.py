from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dorf.clubs import services
from dorf.clubs.models import Rsvp, RsvpResponse
from dorf.clubs.services import _common as services_common
from dorf.clubs.services import rsvps
from dorf.notifications.models import Notification
from tests.clubs.factories import ClubEventFactory, ClubMembershipFactory, RsvpFactory, berlin
from tests.factories import MembershipFactory


def _rsvp(client, event, response, **extra):
    url = reverse("clubs:event-rsvp", kwargs={"event_id": event.pk})
    return client.put(url, {"response": response, **extra})


@pytest.mark.django_db
def test_going_to_a_full_event_puts_me_on_the_waitlist(village, club, client_for) -> None:
    # given
    event = ClubEventFactory(club=club, capacity=2)
    people = [MembershipFactory(village=village).user for _ in range(3)]
    # when
    answers = [_rsvp(client_for(p), event, "going").json()["response"] for p in people]
    # then
    assert answers == ["going", "going", "waitlisted"]


@pytest.mark.django_db
def test_a_cancellation_promotes_the_first_on_the_waitlist_and_notifies_them(
    village, club, client_for
) -> None:
    # given: capacity 1, one going, two waiting
    event = ClubEventFactory(club=club, capacity=1)
    going = MembershipFactory(village=village).user
    first, second = (MembershipFactory(village=village).user for _ in range(2))
    services.rsvp_set(user=going, event_id=event.pk, response="going")
    services.rsvp_set(user=first, event_id=event.pk, response="going")
    services.rsvp_set(user=second, event_id=event.pk, response="going")
    # when
    response = _rsvp(client_for(going), event, "not_going")
    # then
    assert response.json()["response"] == "not_going"
    states = dict(Rsvp.objects.values_list("user_id", "response"))
    assert states == {going.pk: "not_going", first.pk: "going", second.pk: "waitlisted"}
    promoted = Notification.objects.filter(category="rsvp", link_id=event.pk)
    assert list(promoted.values_list("user_id", flat=True)) == [first.pk]


@pytest.mark.django_db
def test_saying_going_twice_keeps_my_place_in_the_queue(village, club) -> None:
    event = ClubEventFactory(club=club, capacity=1)
    RsvpFactory(event=event)
    me = MembershipFactory(village=village).user
    first = services.rsvp_set(user=me, event_id=event.pk, response="going")
    again = services.rsvp_set(user=me, event_id=event.pk, response="going")
    assert first.waitlisted_at == again.waitlisted_at
    assert again.response == RsvpResponse.WAITLISTED


@pytest.mark.django_db
def test_rsvp_to_a_members_only_event_of_a_club_i_am_not_in_is_403_and_writes_nothing(
    village, club, member, client_for
) -> None:
    event = ClubEventFactory(club=club, visibility="members")
    response = _rsvp(client_for(member.user), event, "going")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "members_only"
    assert not Rsvp.objects.exists()
    # once a member, it works
    ClubMembershipFactory(club=club, user=member.user)
    assert _rsvp(client_for(member.user), event, "going").status_code == 200


@pytest.mark.django_db
def test_a_recurring_event_needs_a_valid_occurrence_and_refuses_cancelled_ones(
    village, club, board, member, client_for
) -> None:
    event = ClubEventFactory(
        club=club,
        starts_at=berlin(2030, 1, 8, 19, 30),
        ends_at=berlin(2030, 1, 8, 21),
        rrule="FREQ=WEEKLY;COUNT=3",
    )
    services.occurrence_override_set(
        user=board.user,
        event_id=event.pk,
        original_start=berlin(2030, 1, 15, 19, 30),
        cancelled=True,
    )
    client = client_for(member.user)
    assert _rsvp(client, event, "going").status_code == 400  # which one?
    assert (
        _rsvp(client, event, "going", occurrence_start="2030-01-09T19:30:00+01:00").status_code
        == 400
    )
    assert (
        _rsvp(client, event, "going", occurrence_start="2030-01-15T19:30:00+01:00").status_code
        == 409
    )
    ok = _rsvp(client, event, "going", occurrence_start="2030-01-22T19:30:00+01:00")
    assert ok.status_code == 200
    assert Rsvp.objects.get().occurrence_start == berlin(2030, 1, 22, 19, 30)


@pytest.mark.django_db
def test_answers_to_a_past_event_are_refused(club, member) -> None:
    from dorf.core.exceptions import Conflict

    past = ClubEventFactory(
        club=club,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=1),
    )
    with pytest.raises(Conflict):
        services.rsvp_set(user=member.user, event_id=past.pk, response="going")
    assert not Rsvp.objects.exists()


@pytest.mark.django_db
def test_attendee_list_runs_a_constant_number_of_queries(
    club, member, client_for, django_assert_num_queries
) -> None:
    event = ClubEventFactory(club=club)
    RsvpFactory(event=event)
    client = client_for(member.user)
    url = reverse("clubs:event-rsvp", kwargs={"event_id": event.pk})
    client.get(url)
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 1
    RsvpFactory.create_batch(5, event=event)
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_rsvps_never_put_more_people_on_going_than_the_capacity(
    village, club, monkeypatch
) -> None:
    # given: capacity 3 and 10 neighbours pressing "going" at the same moment; the count
    # is slowed down so that without the row lock every thread would read "0 going"
    event = ClubEventFactory(club=club, capacity=3)
    real_count = services.going_count

    def slow_count(*args, **kwargs):
        result = real_count(*args, **kwargs)
        time.sleep(0.05)
        return result

    # (patched where the code looks it up: the capacity check in rsvp_set and the waitlist)
    monkeypatch.setattr(rsvps, "going_count", slow_count)
    monkeypatch.setattr(services_common, "going_count", slow_count)
    people = [MembershipFactory(village=village).user for _ in range(10)]
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def answer(user) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            services.rsvp_set(user=user, event_id=event.pk, response="going")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    counts = {
        r: Rsvp.objects.filter(event=event, response=r).count() for r in ("going", "waitlisted")
    }
    assert counts == {"going": 3, "waitlisted": 7}

    # and when the going ones cancel at once, exactly three move up, in queue order
    going = list(Rsvp.objects.filter(event=event, response="going").select_related("user"))
    queue = list(
        Rsvp.objects.filter(event=event, response="waitlisted")
        .order_by("waitlisted_at", "id")
        .values_list("user_id", flat=True)
    )
    barrier = threading.Barrier(len(going))

    def cancel(user) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            services.rsvp_set(user=user, event_id=event.pk, response="not_going")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(r.user,)) for r in going]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    now_going = set(
        Rsvp.objects.filter(event=event, response="going").values_list("user_id", flat=True)
    )
    assert now_going == set(queue[:3])
    assert Rsvp.objects.filter(event=event, response="waitlisted").count() == 4


@pytest.mark.django_db
def test_a_foreign_villages_event_is_404_and_nothing_is_written(
    other_village, member, client_for
) -> None:
    foreign = ClubEventFactory(club__village=other_village)
    assert _rsvp(client_for(member.user), foreign, "going").status_code == 404
    assert not Rsvp.objects.exists()
