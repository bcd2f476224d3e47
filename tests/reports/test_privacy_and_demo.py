"""Personal data: export, erasure, anonymisation 90 days after closure; the demo."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dorf.core.registry import beat_schedule
from dorf.reports import demo, privacy, services
from dorf.reports.models import Report, ReportStatus, ReportSupporter, ReportUpdate
from dorf.villages.demo import seed_village
from tests.factories import MembershipFactory
from tests.reports.factories import ReportFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def test_export_and_erasure_of_a_reporter(village, member, pothole) -> None:
    # given
    report = ReportFactory(
        village=village, category=pothole, reporter=member.user, description="Loch vor meinem Haus"
    )
    supported = ReportFactory(village=village, category=pothole)
    ReportSupporter.objects.create(report=supported, user=member.user)
    # when
    exported = privacy.export_personal_data(member.user)
    privacy.erase_personal_data(member.user)
    # then
    assert [r["description"] for r in exported["reports"]] == ["Loch vor meinem Haus"]
    assert exported["supported_reports"] == [supported.pk]
    report.refresh_from_db()
    assert (report.reporter_id, report.description) == (None, "[gelöscht]")
    assert not ReportSupporter.objects.filter(user=member.user).exists()


@pytest.mark.parametrize(
    "closed_local",
    [
        datetime(
            2026, 12, 27, 12, 0, tzinfo=BERLIN
        ),  # 90 days later is 27 March: the spring clock change
        datetime(
            2027, 7, 27, 12, 0, tzinfo=BERLIN
        ),  # 90 days later is 25 October: the autumn clock change
    ],
)
def test_reports_are_anonymised_90_days_after_closure_across_clock_changes(
    village, member, pothole, closed_local
) -> None:
    # given: a closed report with a supporter and a reply, closed at noon Berlin time
    closed_at = closed_local
    report = ReportFactory(
        village=village,
        category=pothole,
        reporter=member.user,
        reporter_name="Anna",
        status=ReportStatus.CLOSED,
        closed_at=closed_at,
    )
    ReportSupporter.objects.create(report=report, user=MembershipFactory(village=village).user)
    ReportUpdate.objects.create(report=report, kind="reply", note="Ruf mich an: 0151", public=False)
    open_report = ReportFactory(village=village, category=pothole, reporter=member.user)
    due = closed_at + timedelta(days=90)  # 90 days of 24 h, whatever the wall clock did
    # when: one second early, then on time
    early = services.reports_anonymise_closed(now=due - timedelta(seconds=1))
    done = services.reports_anonymise_closed(now=due)
    # then
    assert (early, done) == (0, 1)
    report.refresh_from_db()
    assert (report.reporter_id, report.reporter_name, report.anonymised_at) == (None, "", due)
    assert not report.supporters.exists()
    assert report.updates.get().note == "[gelöscht]"
    assert Report.objects.get(pk=open_report.pk).reporter_id == member.user_id


def test_anonymisation_runs_nightly_at_0330_local_time() -> None:
    entry = beat_schedule()["reports-anonymise-closed"]
    assert entry["task"] == "reports.anonymise_closed"
    schedule = entry["schedule"]
    assert schedule.hour == {3}
    assert schedule.minute == {30}


def test_the_demo_has_every_state_a_duplicate_with_supporters_and_a_reopened_report() -> None:
    # given
    ctx = seed_village(residents=40, rng=random.Random(3), out=io.StringIO())
    # when
    demo.seed(ctx)
    demo.seed(ctx)  # idempotent
    # then
    assert set(Report.objects.values_list("status", flat=True)) == set(ReportStatus.values)
    duplicate = Report.objects.get(status="duplicate")
    assert duplicate.duplicate_of is not None
    assert duplicate.duplicate_of.supporters.count() == 2
    assert Report.objects.filter(reopened_count=1, status="confirmed").count() == 1
    assert Report.objects.count() == 11
