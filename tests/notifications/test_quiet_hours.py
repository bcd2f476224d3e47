"""Quiet hours in the village's time zone, across both clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dorf.notifications import delivery, tasks
from dorf.notifications.models import Category, Delivery, Notification, Urgency
from dorf.notifications.quiet_hours import quiet_until
from tests.factories import MembershipFactory, UserFactory, VillageFactory

BERLIN = ZoneInfo("Europe/Berlin")


def _night(now: datetime) -> datetime | None:
    """The default 22:00-07:00 in Berlin."""
    return quiet_until(now=now, starts=time(22, 0), ends=time(7, 0), tz=BERLIN)


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        # an ordinary winter night: 23:00 CET -> 07:00 CET
        (_utc(2027, 1, 12, 22, 0), _utc(2027, 1, 13, 6, 0)),
        # after midnight, before the end
        (_utc(2027, 1, 13, 3, 0), _utc(2027, 1, 13, 6, 0)),
        # the day: not quiet
        (_utc(2027, 1, 13, 6, 0), None),
        (_utc(2027, 1, 13, 20, 59), None),
        # spring: the night of 27/28 March 2027 loses an hour; 07:00 is CEST (05:00 UTC)
        (_utc(2027, 3, 27, 22, 0), _utc(2027, 3, 28, 5, 0)),
        (_utc(2027, 3, 28, 1, 30), _utc(2027, 3, 28, 5, 0)),  # 03:30 CEST, after the jump
        # autumn: the night of 30/31 October 2027 gains an hour; 07:00 is CET (06:00 UTC)
        (_utc(2027, 10, 30, 21, 0), _utc(2027, 10, 31, 6, 0)),  # 23:00 CEST
        (_utc(2027, 10, 31, 0, 30), _utc(2027, 10, 31, 6, 0)),  # 02:30 CEST, first time
        (_utc(2027, 10, 31, 1, 30), _utc(2027, 10, 31, 6, 0)),  # 02:30 CET, second time
    ],
)
def test_quiet_hours_end_at_seven_local_time_on_every_night(
    now: datetime, until: datetime | None
) -> None:
    assert _night(now) == until


def test_the_clock_change_nights_are_an_hour_shorter_and_longer() -> None:
    spring_start = datetime(2027, 3, 27, 22, 0, tzinfo=BERLIN)
    autumn_start = datetime(2027, 10, 30, 22, 0, tzinfo=BERLIN)
    spring = _night(spring_start)
    autumn = _night(autumn_start)
    assert spring is not None
    assert autumn is not None
    assert spring - spring_start == timedelta(hours=8)
    assert autumn - autumn_start == timedelta(hours=10)


def test_an_end_inside_the_spring_gap_is_moved_forward_never_back() -> None:
    # 01:00-02:30: 02:30 does not exist on 28 March 2027 in Berlin
    now = datetime(2027, 3, 28, 1, 30, tzinfo=BERLIN)
    until = quiet_until(now=now, starts=time(1, 0), ends=time(2, 30), tz=BERLIN)
    assert until is not None
    assert until > now
    assert until.astimezone(BERLIN).time() == time(3, 30)


def test_a_daytime_period_and_equal_times() -> None:
    noon = datetime(2027, 6, 1, 12, 0, tzinfo=BERLIN)
    assert quiet_until(now=noon, starts=time(12, 0), ends=time(14, 0), tz=BERLIN) == datetime(
        2027, 6, 1, 14, 0, tzinfo=BERLIN
    )
    assert quiet_until(now=noon, starts=time(8, 0), ends=time(8, 0), tz=BERLIN) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "due"),
    [
        (_utc(2027, 3, 27, 22, 30), _utc(2027, 3, 28, 5, 0)),  # spring night
        (_utc(2027, 10, 30, 22, 30), _utc(2027, 10, 31, 6, 0)),  # autumn night
    ],
)
def test_push_and_email_wait_for_the_end_of_the_villages_quiet_hours_but_warnings_do_not(
    push_service, subscribe, now: datetime, due: datetime, mailoutbox
) -> None:
    # given: a resident of a village in Berlin time with a subscribed phone
    village = VillageFactory(timezone="Europe/Berlin")
    user = MembershipFactory(village=village).user
    subscribe(user, quiet_hours_off=False)
    common = {"user": user, "village": village, "title": "x"}
    moderation = Notification.objects.create(category=Category.MODERATION, **common)
    warning = Notification.objects.create(category=Category.VILLAGE, urgency=Urgency.HIGH, **common)
    # when: planned in the night
    due_now = delivery.deliveries_plan(notification_ids=[moderation.pk, warning.pk], now=now)
    # then: the severe warning goes at once, push and mail of the rest at 07:00 local
    urgent = set(Delivery.objects.filter(notification=warning).values_list("pk", "channel"))
    assert set(due_now) == urgent
    waiting = Delivery.objects.filter(notification=moderation)
    assert set(waiting.values_list("channel", flat=True)) == {"push", "email"}
    assert set(waiting.values_list("due_at", flat=True)) == {due}
    # and: the sweeper takes them at that moment, not before
    assert set(delivery.deliveries_due(now=due - timedelta(minutes=1))) == urgent
    assert set(delivery.deliveries_due(now=due)) - urgent == set(
        waiting.values_list("pk", "channel")
    )


@pytest.mark.django_db
def test_the_sweeper_sends_what_waited_when_its_time_has_come(
    push_service, subscribe, django_capture_on_commit_callbacks
) -> None:
    # given: a push that waited for the end of the quiet hours
    user = UserFactory()
    device = subscribe(user)
    notification = Notification.objects.create(user=user, category=Category.REPLY, title="Moin")
    delivery.deliveries_plan(notification_ids=[notification.pk])
    Delivery.objects.update(due_at=timezone.now() - timedelta(seconds=1))
    # when
    assert tasks.send_due() == 1
    # then
    assert [p["title"] for p in push_service.payloads(device)] == ["Moin"]
    assert tasks.send_due() == 0
