"""Archiving expired offers across both clock changes of Europe/Berlin: the beat schedule
as Celery evaluates it (CELERY_TIMEZONE), the last day in the village's time zone, the
archive time stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.utils import timezone

from config.celery import app
from dorf.core.registry import beat_schedule
from dorf.jobs import services
from dorf.jobs.models import JobOffer, JobState
from tests.factories import VillageFactory
from tests.jobs.factories import job_in

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# 2026: summer time starts on Sunday 29 March (02:00 CET -> 03:00 CEST) and ends on
# Sunday 25 October (03:00 CEST -> 02:00 CET).
SPRING = date(2026, 3, 29)
AUTUMN = date(2026, 10, 25)


def _local_midnight_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=BERLIN)


def _beat_runs(start: datetime, end: datetime) -> list[datetime]:
    """When Celery beat runs the archiving task between start and end: the registered
    crontab, evaluated by Celery in the app's time zone, polled as beat polls it."""
    entry = beat_schedule()["jobs-archive-expired"]["schedule"]
    clock = [start]
    schedule = crontab(
        minute=entry._orig_minute,
        hour=entry._orig_hour,
        day_of_week=entry._orig_day_of_week,
        day_of_month=entry._orig_day_of_month,
        month_of_year=entry._orig_month_of_year,
        nowfun=lambda: clock[0],
        app=app,
    )
    assert str(app.conf.timezone) == "Europe/Berlin"
    runs: list[datetime] = []
    last_run = start
    while clock[0] < end:
        due, next_check_s = schedule.is_due(last_run)
        if due:
            runs.append(clock[0])
            last_run = clock[0]
        clock[0] += timedelta(seconds=min(next_check_s, 300))  # beat's max_interval
    return runs


@pytest.mark.parametrize("change", [SPRING, AUTUMN], ids=["march", "october"])
def test_offers_are_archived_within_the_hour_after_their_last_local_day_across_dst(
    monkeypatch, change
) -> None:
    # given: offers whose last day is the day before, of, and after the clock change
    village = VillageFactory(timezone="Europe/Berlin")
    days = [change - timedelta(days=1), change, change + timedelta(days=1)]
    posted = datetime.combine(change - timedelta(days=20), time(9), tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: posted)
    jobs = {day: job_in(village, valid_through=day) for day in days}
    # when: beat runs the task from noon before the first last day to noon after the last
    start = datetime.combine(days[0], time(12), tzinfo=BERLIN).astimezone(UTC)
    end = datetime.combine(days[-1] + timedelta(days=1), time(12), tzinfo=BERLIN).astimezone(UTC)
    runs = _beat_runs(start, end)
    for run in runs:
        monkeypatch.setattr(timezone, "now", lambda run=run: run)
        services.jobs_archive_expired()
        for day, job in jobs.items():
            job.refresh_from_db()
            # never before the village's midnight after the last day
            if run < _local_midnight_after(day):
                assert job.state == JobState.PUBLISHED, (day, run)
    # then: each offer archived at the first run after its local midnight, within an
    # hour, the time stored in UTC
    for day, job in jobs.items():
        job.refresh_from_db()
        midnight = _local_midnight_after(day)
        first_run = min(run for run in runs if run >= midnight)
        assert job.state == JobState.ARCHIVED
        assert job.archived_at == first_run
        assert job.archived_at.utcoffset() == timedelta(0)
        assert timedelta(0) <= job.archived_at - midnight <= timedelta(minutes=65)


@pytest.mark.parametrize(
    ("last_day", "midnight_utc"),
    [
        # the night into the change: still winter (UTC+1) / still summer (UTC+2)
        (SPRING - timedelta(days=1), datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),
        (AUTUMN - timedelta(days=1), datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),
        # the night after it: summer (UTC+2) / winter (UTC+1)
        (SPRING, datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
        (AUTUMN, datetime(2026, 10, 25, 23, 0, tzinfo=UTC)),
    ],
)
def test_the_last_day_ends_at_the_villages_midnight_on_both_sides_of_the_change(
    monkeypatch, last_day, midnight_utc
) -> None:
    village = VillageFactory(timezone="Europe/Berlin")
    monkeypatch.setattr(timezone, "now", lambda: midnight_utc - timedelta(days=2))
    job = job_in(village, valid_through=last_day)
    # a minute before the village's midnight the offer still runs ...
    monkeypatch.setattr(timezone, "now", lambda: midnight_utc - timedelta(minutes=1))
    assert services.jobs_archive_expired() == 0
    # ... at midnight it is archived, with that instant stored
    monkeypatch.setattr(timezone, "now", lambda: midnight_utc)
    assert services.jobs_archive_expired() == 1
    stored = JobOffer.objects.get(pk=job.pk)
    assert (stored.state, stored.archived_at) == (JobState.ARCHIVED, midnight_utc)
