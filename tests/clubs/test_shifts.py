from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from dorf.clubs import services
from dorf.clubs.models import Shift, ShiftSignup, SignupStatus
from dorf.ledger.models import Entry, Transfer, TransferKind
from dorf.ledger.services import club_grant
from tests.clubs.factories import ClubEventFactory, ShiftFactory, ShiftSignupFactory
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded_club(club, moderator):
    assert club.account is not None
    club_grant(
        actor=moderator,
        account_id=club.account.pk,
        minutes=1000,
        memo="Zuschuss",
        idempotency_key="t1",
    )
    return club


@pytest.fixture
def past_shift(funded_club):
    start = timezone.now() - timedelta(days=1)
    event = ClubEventFactory(club=funded_club, starts_at=start, ends_at=start + timedelta(hours=5))
    return ShiftFactory(event=event, helpers_needed=3, minutes=120)


def _local(*, days: int, hour: int) -> datetime:
    """``hour`` o'clock in the village's zone, ``days`` from today."""
    tz = ZoneInfo("Europe/Berlin")
    day = (timezone.now() + timedelta(days=days)).astimezone(tz).date()
    return datetime.combine(day, time(hour), tzinfo=tz)


def _helpers(village, shift, n):
    users = [MembershipFactory(village=village).user for _ in range(n)]
    for user in users:
        ShiftSignupFactory(shift=shift, user=user)
    return users


def test_signing_up_is_limited_to_the_helpers_needed(village, club, client_for) -> None:
    shift = ShiftFactory(event=ClubEventFactory(club=club), helpers_needed=2)
    people = [MembershipFactory(village=village).user for _ in range(3)]
    url = reverse("clubs:shift-signup", kwargs={"shift_id": shift.pk})
    codes = [client_for(p).post(url).status_code for p in people]
    assert codes == [201, 201, 409]
    assert client_for(people[0]).post(url).status_code == 409  # twice
    assert client_for(people[0]).delete(url).status_code == 204
    assert client_for(people[2]).post(url).status_code == 201
    assert set(ShiftSignup.objects.values_list("user_id", flat=True)) == {
        people[1].pk,
        people[2].pk,
    }


def test_the_board_confirms_who_came_and_the_club_pays_them_in_one_transfer(
    village, funded_club, board, past_shift, client_for
) -> None:
    # given: three signed up, two came
    came_a, came_b, absent = _helpers(village, past_shift, 3)
    url = reverse("clubs:shift-attendance", kwargs={"shift_id": past_shift.pk})
    # when
    response = client_for(board.user).post(url, {"attended_user_ids": [came_a.pk, came_b.pk]})
    # then
    assert response.status_code == 200, response.content
    transfer = Transfer.objects.get(kind=TransferKind.SHIFT)
    assert response.json()["transfer_id"] == transfer.pk
    assert (transfer.link_type, transfer.link_id) == ("shift", past_shift.pk)
    legs = {
        (e.account.kind, e.account.membership.user_id if e.account.membership else None): e.minutes
        for e in Entry.objects.filter(transfer=transfer).select_related("account__membership")
    }
    assert legs == {("club", None): -240, ("member", came_a.pk): 120, ("member", came_b.pk): 120}
    statuses = dict(ShiftSignup.objects.values_list("user_id", "status"))
    assert statuses[absent.pk] == SignupStatus.NO_SHOW
    funded_club.account.refresh_from_db()
    assert funded_club.account.balance_minutes == 1000 - 240


def test_confirming_twice_pays_once_and_a_different_list_is_a_conflict(
    village, funded_club, board, past_shift
) -> None:
    came, other = _helpers(village, past_shift, 2)
    services.shift_confirm_attendance(
        user=board.user, shift_id=past_shift.pk, attended_user_ids=[came.pk]
    )
    services.shift_confirm_attendance(
        user=board.user, shift_id=past_shift.pk, attended_user_ids=[came.pk]
    )
    from dorf.core.exceptions import Conflict

    with pytest.raises(Conflict):
        services.shift_confirm_attendance(
            user=board.user, shift_id=past_shift.pk, attended_user_ids=[came.pk, other.pk]
        )
    assert Transfer.objects.filter(kind=TransferKind.SHIFT).count() == 1


def test_attendance_cannot_be_confirmed_before_the_shift_is_over(
    village, funded_club, board
) -> None:
    from dorf.core.exceptions import Conflict

    shift = ShiftFactory(event=ClubEventFactory(club=funded_club))
    (helper,) = _helpers(village, shift, 1)
    with pytest.raises(Conflict):
        services.shift_confirm_attendance(
            user=board.user, shift_id=shift.pk, attended_user_ids=[helper.pk]
        )
    assert not Transfer.objects.filter(kind=TransferKind.SHIFT).exists()


def test_only_people_who_signed_up_can_be_paid(
    village, funded_club, board, past_shift, client_for
) -> None:
    _helpers(village, past_shift, 1)
    stranger = MembershipFactory(village=village).user
    url = reverse("clubs:shift-attendance", kwargs={"shift_id": past_shift.pk})
    response = client_for(board.user).post(url, {"attended_user_ids": [stranger.pk]})
    assert response.status_code == 400
    past_shift.refresh_from_db()
    assert past_shift.attendance_confirmed_at is None
    assert not Transfer.objects.filter(kind=TransferKind.SHIFT).exists()


def test_a_club_without_enough_minutes_pays_nothing_and_nothing_is_confirmed(
    village, club, board, client_for
) -> None:
    start = timezone.now() - timedelta(days=1)
    shift = ShiftFactory(
        event=ClubEventFactory(club=club, starts_at=start, ends_at=start + timedelta(hours=2)),
        minutes=60,
    )
    (helper,) = _helpers(village, shift, 1)
    url = reverse("clubs:shift-attendance", kwargs={"shift_id": shift.pk})
    response = client_for(board.user).post(url, {"attended_user_ids": [helper.pk]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "insufficient_funds"
    shift.refresh_from_db()
    assert shift.attendance_confirmed_at is None
    assert ShiftSignup.objects.get().status == SignupStatus.SIGNED_UP


def test_members_cannot_confirm_attendance(
    village, funded_club, member, past_shift, client_for
) -> None:
    (helper,) = _helpers(village, past_shift, 1)
    url = reverse("clubs:shift-attendance", kwargs={"shift_id": past_shift.pk})
    assert client_for(member.user).post(url, {"attended_user_ids": [helper.pk]}).status_code == 403
    assert not Transfer.objects.filter(kind=TransferKind.SHIFT).exists()


def test_the_board_creates_shifts_and_the_list_runs_a_constant_number_of_queries(
    village, club, board, member, client_for, django_assert_num_queries
) -> None:
    event = ClubEventFactory(club=club, starts_at=_local(days=7, hour=15))
    url = reverse("clubs:shift-list", kwargs={"event_id": event.pk})
    body = {
        "title": "Aufbau",
        "starts_at": (event.starts_at - timedelta(hours=2)).isoformat(),
        "ends_at": event.starts_at.isoformat(),
        "helpers_needed": 4,
        "minutes": 120,
    }
    assert client_for(member.user).post(url, body).status_code == 403
    assert client_for(board.user).post(url, body).status_code == 201
    client = client_for(member.user)
    client.get(url)
    # token, event (+ overrides), shifts with counts, my signups
    with django_assert_num_queries(5):
        assert len(client.get(url).json()) == 1
    for shift in ShiftFactory.create_batch(4, event=event):
        ShiftSignupFactory(shift=shift, user=member.user)
    with django_assert_num_queries(5):
        rows = client.get(url).json()
    assert len(rows) == 5
    assert sum(1 for r in rows if r["signed_up"]) == 4
    assert Shift.objects.count() == 5


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        # the evening before the festival: not the event's day
        (
            lambda e: e.starts_at - timedelta(hours=16),
            lambda e: e.starts_at - timedelta(hours=14),
            400,
        ),
        # clearing away past midnight: the next day
        (lambda e: e.ends_at, lambda e: e.ends_at + timedelta(hours=8), 400),
        # setting up in the morning and clearing away until midnight: within the day
        (lambda e: e.starts_at - timedelta(hours=4), lambda e: e.starts_at, 201),
        (lambda e: e.ends_at, lambda e: e.ends_at + timedelta(hours=3), 201),
    ],
)
def test_a_shift_lies_within_its_events_day(
    village, club, board, client_for, start, end, code
) -> None:
    # given a festival from 12:00 to 21:00 local time next week
    event = ClubEventFactory(
        club=club, starts_at=_local(days=7, hour=12), ends_at=_local(days=7, hour=21)
    )
    url = reverse("clubs:shift-list", kwargs={"event_id": event.pk})
    body = {
        "title": "Helfen",
        "starts_at": start(event).isoformat(),
        "ends_at": end(event).isoformat(),
        "helpers_needed": 2,
        "minutes": 60,
    }
    # when the board adds a shift
    response = client_for(board.user).post(url, body)
    # then
    assert response.status_code == code, response.content
    if code == 400:
        assert response.json()["error"]["code"] == "outside_event_day"


def test_a_shift_cannot_be_created_after_it_began_and_paid_minutes_later(
    village, funded_club, board, client_for
) -> None:
    # given an event that runs today, started an hour ago
    start = timezone.now() - timedelta(hours=1)
    event = ClubEventFactory(club=funded_club, starts_at=start, ends_at=start + timedelta(hours=2))
    url = reverse("clubs:shift-list", kwargs={"event_id": event.pk})
    body = {
        "title": "Schnell bezahlt",
        "starts_at": (timezone.now() - timedelta(minutes=50)).isoformat(),
        "ends_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "helpers_needed": 1,
        "minutes": 49,
    }
    # when the board enters a shift that already happened
    response = client_for(board.user).post(url, body)
    # then it is refused, so nothing can be confirmed and paid
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "past"
    assert not Shift.objects.filter(event=event).exists()
    assert not Transfer.objects.filter(kind=TransferKind.SHIFT).exists()
