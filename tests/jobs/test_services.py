"""The periodic archiving of expired offers, in each village's time zone, and erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from dorf.jobs import privacy, services
from dorf.jobs.models import JobOffer, JobState
from tests.factories import MembershipFactory, VillageFactory
from tests.jobs.factories import job_in

pytestmark = pytest.mark.django_db


def test_offers_are_archived_after_their_last_day_in_the_villages_time_zone(monkeypatch):
    berlin = VillageFactory(timezone="Europe/Berlin")
    samoa = VillageFactory(timezone="Pacific/Apia")  # UTC+13: its day starts earlier
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    in_berlin = job_in(berlin, valid_through=date(2026, 3, 1))
    in_samoa = job_in(samoa, valid_through=date(2026, 3, 1))
    # when: 22:30 UTC on 1 March — still 1 March in Berlin, already 2 March in Apia
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 1, 22, 30, tzinfo=UTC))
    assert services.jobs_archive_expired() == 1
    # then
    in_berlin.refresh_from_db()
    in_samoa.refresh_from_db()
    assert (in_berlin.state, in_samoa.state) == (JobState.PUBLISHED, JobState.ARCHIVED)
    # and a second run archives nothing again; the next Berlin day archives the other
    assert services.jobs_archive_expired() == 0
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 1, 22, 59, tzinfo=UTC))
    assert services.jobs_archive_expired() == 0
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 1, 23, 0, tzinfo=UTC))
    assert services.jobs_archive_expired() == 1
    assert not JobOffer.objects.filter(state=JobState.PUBLISHED).exists()


def test_erasure_keeps_the_offer_without_the_person(village):
    poster = MembershipFactory(village=village)
    job = job_in(village, poster=poster)
    assert privacy.export_personal_data(poster.user)["posted_offers"][0]["id"] == job.pk
    privacy.erase_personal_data(poster.user)
    job.refresh_from_db()
    assert (job.posted_by_id, job.contact_id) == (None, None)
    assert privacy.export_personal_data(poster.user) == {
        "posted_offers": [],
        "publisher_memberships": [],
        "applications": [],
    }
