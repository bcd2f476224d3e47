"""The staff admin: the queue in German, and status actions that go through the service."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from dorf.notifications.models import Notification
from dorf.reports.models import Report
from dorf.users.models import User
from dorf.villages.models import MembershipState, Role
from tests.factories import MembershipFactory
from tests.reports.factories import ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_hall(client: Any, village: Any) -> Any:
    """A staff member of the village who may use the admin."""
    user = User.objects.create_superuser("rathaus@example.org", "pw", first_name="R", last_name="H")
    MembershipFactory(user=user, village=village, role=Role.STAFF, state=MembershipState.VERIFIED)
    client.force_login(user)
    return client


def test_the_queue_is_shown_in_german(town_hall, village, pothole) -> None:
    ReportFactory(village=village, category=pothole)
    response = town_hall.get(reverse("admin:reports_report_changelist"))
    assert response.status_code == 200
    assert "Mängelmeldungen" in response.content.decode()
    assert "Status setzen: Bestätigt" in response.content.decode()


def test_an_admin_action_moves_reports_through_the_service(
    town_hall, village, other_village, member, pothole
) -> None:
    # given: a report of the village, and one of a village where the user is not staff
    mine = ReportFactory(village=village, category=pothole, reporter=member.user)
    foreign = ReportFactory(village=other_village)
    # when
    response = town_hall.post(
        reverse("admin:reports_report_changelist"),
        {"action": "set_confirmed", "_selected_action": [mine.pk, foreign.pk]},
        follow=True,
    )
    # then
    assert response.status_code == 200
    assert Report.objects.get(pk=mine.pk).status == "confirmed"
    assert Report.objects.get(pk=foreign.pk).status == "received"
    assert Notification.objects.filter(user=member.user, link_id=mine.pk).exists()
    # and: reports cannot be edited in a form
    change = town_hall.post(
        reverse("admin:reports_report_change", args=[mine.pk]), {"status": "closed"}
    )
    assert change.status_code == 403
