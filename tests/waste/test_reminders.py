"""Reminders fire at the chosen local wall-clock time, within the minute, exactly once
per (reminder, collection), in the weeks of both clock changes; shifts after planning are
announced once and re-planned; quiet hours are passed over only for a time chosen inside
them."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from dorf.notifications.delivery import deliveries_plan
from dorf.notifications.models import Delivery, Notification, QuietHours
from dorf.waste import services, tasks
from dorf.waste.models import ReminderSent, ReminderSetting
from tests.factories import MembershipFactory
from tests.waste.factories import Plan, import_csv, plan_in, resident_at

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN).astimezone(UTC)


def _remind(member, *, now: datetime, **kwargs) -> ReminderSetting:
    return services.reminder_setting_set(
        user=member.user, village_id=member.village_id, now=now, **kwargs
    )


def _notices(member) -> list[Notification]:
    return list(Notification.objects.filter(user=member.user, category="waste").order_by("id"))


def _simulate(start: datetime, end: datetime) -> dict[int, datetime]:
    """Run the minute task over [start, end): every minute from 18:00 to 20:00 and from
    01:00 to 04:00 local time, every 30 minutes otherwise (a tick lands on every full and
    half hour). Returns the simulated time at which each waste notification appeared."""
    seen: dict[int, datetime] = {}
    now = start
    while now < end:
        if services.reminders_send_due(now=now):
            for pk in Notification.objects.filter(category="waste").values_list("pk", flat=True):
                seen.setdefault(pk, now)
        hour = now.astimezone(BERLIN).hour
        now += timedelta(minutes=1 if 18 <= hour < 20 or 1 <= hour < 4 else 30)
    return seen


@pytest.mark.parametrize(
    ("day", "days_before", "at", "expected"),
    [
        # 19:00 the day before: CET (UTC+1) before the spring change, CEST (UTC+2) after
        (date(2027, 3, 23), 1, time(19), utc(2027, 3, 22, 18)),
        (date(2027, 3, 29), 1, time(19), utc(2027, 3, 28, 17)),  # the evening of the change
        (date(2027, 11, 1), 1, time(19), utc(2027, 10, 31, 18)),  # the evening of the change
        (date(2027, 10, 28), 1, time(19), utc(2027, 10, 27, 17)),
        # 02:30 does not exist on 28 March 2027: 03:30 CEST, as RFC 5545 reads it
        (date(2027, 3, 28), 0, time(2, 30), utc(2027, 3, 28, 1, 30)),
        # 02:30 happens twice on 31 October 2027: the first (CEST) one
        (date(2027, 10, 31), 0, time(2, 30), utc(2027, 10, 31, 0, 30)),
        (date(2027, 4, 1), 3, time(6, 30), utc(2027, 3, 29, 4, 30)),
    ],
)
def test_the_fire_time_is_the_local_wall_clock_time(day, days_before, at, expected) -> None:
    fired = services.fire_time(day=day, days_before=days_before, at=at, tz=BERLIN)
    assert fired == expected


@pytest.mark.parametrize(
    ("days", "start", "end"),
    [
        # the week around the spring change (Sunday 28 March 2027)
        (
            [date(2027, 3, d) for d in (23, 26, 28, 29, 31)],
            local(2027, 3, 21, 12),
            local(2027, 4, 1, 12),
        ),
        # the week around the autumn change (Sunday 31 October 2027)
        (
            [date(2027, 10, 27), date(2027, 10, 31), date(2027, 11, 1), date(2027, 11, 3)],
            local(2027, 10, 25, 12),
            local(2027, 11, 4, 12),
        ),
    ],
)
def test_reminders_fire_at_19_local_exactly_once_in_both_clock_change_weeks(
    plan: Plan, days: list[date], start: datetime, end: datetime
) -> None:
    # given: Rest A on each day, Papier on one of them too; a reminder for all types
    import_csv(plan, *[f"Rest A;rest;{d};;" for d in days], f"Papier;papier;{days[2]};;")
    member = resident_at(plan.village)
    neighbour = resident_at(plan.village, "Kirchstraße", "2")  # Rest B: nothing these days
    _remind(member, now=start)
    _remind(neighbour, now=start)
    # when: the minute task runs through the week on a fake clock
    appeared = _simulate(start, end)
    # then: one notice per collection day, at 19:00 local the day before, to the minute
    notices = _notices(member)
    assert [appeared[n.pk] for n in notices] == [
        local(
            (d - timedelta(days=1)).year,
            (d - timedelta(days=1)).month,
            (d - timedelta(days=1)).day,
            19,
        )
        for d in days
    ]
    assert [appeared[n.pk].astimezone(BERLIN).time() for n in notices] == [time(19)] * len(days)
    assert "Papier" in notices[2].title
    assert "Restmüll" in notices[2].title
    assert notices[0].title == "Morgen: Restmüll"
    assert ReminderSent.objects.filter(setting__membership=member).count() == len(days) + 1
    assert _notices(neighbour) == []
    # and running the same minutes again sends nothing twice
    _simulate(start, end)
    assert len(_notices(member)) == len(days)


def test_a_reminder_in_the_spring_gap_fires_once_at_0330_and_in_autumn_at_the_first_0230(
    plan: Plan,
) -> None:
    import_csv(plan, "Rest A;rest;2027-03-28;;", "Rest A;rest;2027-10-31;;")
    member = resident_at(plan.village)
    _remind(member, now=local(2027, 3, 20, 12), days_before=0, time_local=time(2, 30))
    spring = _simulate(local(2027, 3, 27, 12), local(2027, 3, 28, 12))
    assert list(spring.values()) == [utc(2027, 3, 28, 1, 30)]
    autumn = _simulate(local(2027, 10, 30, 12), local(2027, 10, 31, 12))
    new = [t for pk, t in autumn.items() if pk not in spring]
    assert new == [utc(2027, 10, 31, 0, 30)]
    # 02:30 is inside the default quiet hours (22-07): the member chose it, so it goes out
    assert all(n.ignore_quiet_hours for n in _notices(member))


def test_quiet_hours_are_passed_over_only_for_a_time_chosen_inside_them(plan: Plan) -> None:
    import_csv(plan, "Rest A;rest;2027-05-12;;")
    evening, early, night_owl, no_quiet = (resident_at(plan.village) for _ in range(4))
    QuietHours.objects.create(user=night_owl.user, enabled=True, starts=time(18), ends=time(20))
    QuietHours.objects.create(user=no_quiet.user, enabled=False, starts=time(22), ends=time(7))
    now = local(2027, 5, 1, 12)
    _remind(evening, now=now)  # 19:00, outside 22-07
    _remind(early, now=now, days_before=0, time_local=time(6, 30), email=True)  # inside 22-07
    _remind(night_owl, now=now)  # 19:00 inside their own 18-20
    _remind(no_quiet, now=now, days_before=0, time_local=time(6, 30))
    services.reminders_send_due(now=local(2027, 5, 11, 19))
    services.reminders_send_due(now=local(2027, 5, 12, 6, 30))
    flags = {
        m: [n.ignore_quiet_hours for n in _notices(m)]
        for m in (evening, early, night_owl, no_quiet)
    }
    assert flags == {evening: [False], early: [True], night_owl: [True], no_quiet: [False]}
    # the notification layer sends the 06:30 mail at once, not at 07:00
    (notice,) = _notices(early)
    early.user.email_confirmed_at = local(2027, 1, 1)
    early.user.save()
    deliveries_plan(notification_ids=[notice.pk], now=local(2027, 5, 12, 6, 30, 5))
    (mail,) = Delivery.objects.filter(notification=notice, channel="email")
    assert mail.due_at == local(2027, 5, 12, 6, 30, 5)


def test_a_shift_after_planning_is_announced_once_and_reminded_on_the_new_date_only(
    plan: Plan,
) -> None:
    # given: reminders planned for Rest A on Tuesday 23 March
    import_csv(plan, "Rest A;rest;2027-03-23;;", "Rest A;rest;2027-04-06;;")
    member = resident_at(plan.village)
    paper_only = resident_at(plan.village, "Lindenweg", "7")
    elsewhere = resident_at(plan.village, "Kirchstraße", "9")
    now = local(2027, 3, 15, 12)
    _remind(member, now=now)
    _remind(paper_only, now=now, type_codes=["papier"])
    _remind(elsewhere, now=now)
    assert ReminderSetting.objects.get(membership=member).next_date == date(2027, 3, 23)
    # when: the company moves it to Wednesday
    report = import_csv(
        plan, "Rest A;rest;2027-03-24;2027-03-23;Streik", "Rest A;rest;2027-04-06;;"
    )
    services.shifts_announce(now=now)
    services.shifts_announce(now=now)
    # then: one notice to the affected member only, the reminder moves to the new date
    assert report.shifted == 1
    (notice,) = _notices(member)
    assert notice.title == "Termin verschoben"
    assert "24.03.2027" in notice.body
    assert "23.03.2027" in notice.body
    assert _notices(paper_only) == []
    assert _notices(elsewhere) == []
    setting = ReminderSetting.objects.get(membership=member)
    assert (setting.next_date, setting.next_fire_at) == (date(2027, 3, 24), local(2027, 3, 23, 19))
    assert services.reminders_send_due(now=local(2027, 3, 22, 19)) == 0
    assert services.reminders_send_due(now=local(2027, 3, 23, 19)) == 1
    assert [n.title for n in _notices(member)] == ["Termin verschoben", "Morgen: Restmüll"]


def test_a_collection_moved_after_its_reminder_went_out_is_reminded_again(plan: Plan) -> None:
    import_csv(plan, "Rest A;rest;2027-03-23;;")
    member = resident_at(plan.village)
    _remind(member, now=local(2027, 3, 15, 12))
    assert services.reminders_send_due(now=local(2027, 3, 22, 19)) == 1
    # the evening after the reminder, the collection moves from Tuesday to Thursday
    import_csv(plan, "Rest A;rest;2027-03-25;2027-03-23;Fahrzeugschaden")
    services.shifts_announce(now=local(2027, 3, 22, 20))
    assert services.reminders_send_due(now=local(2027, 3, 24, 19)) == 1
    assert services.reminders_send_due(now=local(2027, 3, 24, 19, 1)) == 0
    assert [n.title for n in _notices(member)] == [
        "Morgen: Restmüll",
        "Termin verschoben",
        "Morgen: Restmüll",
    ]


def test_an_import_announces_the_shift_through_the_after_import_task(
    plan: Plan, django_capture_on_commit_callbacks
) -> None:
    soon = timezone.localdate() + timedelta(days=10)
    import_csv(plan, f"Rest A;rest;{soon};;")
    member = resident_at(plan.village)
    services.reminder_setting_set(user=member.user, village_id=plan.village.pk)
    with django_capture_on_commit_callbacks(execute=True):
        import_csv(plan, f"Rest A;rest;{soon + timedelta(days=1)};{soon};Feiertag")
    assert [n.title for n in _notices(member)] == ["Termin verschoben"]
    assert ReminderSetting.objects.get(membership=member).next_date == soon + timedelta(days=1)


def test_a_reminder_is_not_sent_to_a_member_who_left_or_hours_too_late(plan: Plan) -> None:
    import_csv(plan, "Rest A;rest;2027-03-23;;", "Rest A;rest;2027-03-30;;")
    gone, late = resident_at(plan.village), resident_at(plan.village)
    now = local(2027, 3, 15, 12)
    _remind(gone, now=now)
    _remind(late, now=now)
    gone.state = "banned"
    gone.save()
    # the worker was down from 19:00 until 02:00: seven hours late, more than six
    assert services.reminders_send_due(now=local(2027, 3, 23, 2)) == 0
    assert _notices(gone) == []
    assert _notices(late) == []
    setting = ReminderSetting.objects.get(membership=late)
    assert setting.next_date == date(2027, 3, 30)
    assert ReminderSetting.objects.get(membership=gone).next_fire_at is None


def test_the_minute_task_hands_each_batch_of_due_reminders_to_a_task_of_its_own(
    plan: Plan, monkeypatch
) -> None:
    # given: five reminders due at 19:00
    import_csv(plan, "Rest A;rest;2027-03-23;;")
    members = [resident_at(plan.village) for _ in range(5)]
    for member in members:
        _remind(member, now=local(2027, 3, 15, 12))
    due = local(2027, 3, 22, 19)
    queued: list[str | None] = []
    monkeypatch.setattr(tasks.send_reminder_batch, "delay", queued.append)
    # when: the minute task runs
    result = tasks.send_due_reminders(now=due.isoformat())
    # then: it sends nothing itself, it hands out one batch task per claim
    assert result == {"reminder_batches": 1, "shift_notices": 0}
    assert queued == [due.isoformat()]
    assert services.reminders_due_batches(now=due, batch=2) == 3
    assert services.reminders_due_batches(now=due - timedelta(minutes=1), batch=2) == 0
    assert _notices(members[0]) == []
    # and a batch task delivered twice (a worker lost after its commit) sends once
    assert tasks.send_reminder_batch(due.isoformat()) == 5
    assert tasks.send_reminder_batch(due.isoformat()) == 0
    assert [len(_notices(m)) for m in members] == [1] * 5
    assert ReminderSent.objects.count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("postgres-thread-races")
def test_two_workers_claiming_the_same_minute_send_each_reminder_once(village) -> None:
    # given: 40 households with a reminder due at the same minute
    plan = plan_in(village)
    import_csv(plan, "Rest A;rest;2027-03-23;;")
    members = [MembershipFactory(village=village) for _ in range(40)]
    for index, member in enumerate(members):
        member.household = resident_at(village, "Lindenweg", str(1 + index % 20)).household
        member.save()
        _remind(member, now=local(2027, 3, 15, 12))
    due = local(2027, 3, 22, 19)
    barrier = threading.Barrier(4)
    counts: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(services.reminders_send_due(now=due, batch=7))
        finally:
            connection.close()

    # when: four workers run the minute task at once
    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sum(counts) == 40
    assert ReminderSent.objects.count() == 40
    assert Notification.objects.filter(category="waste").count() == 40
    assert not ReminderSetting.objects.filter(next_fire_at__lte=due).exists()
