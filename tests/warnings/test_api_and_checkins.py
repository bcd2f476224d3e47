from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from dorf.marketplace.models import Posting
from dorf.notifications.models import Category, Notification
from dorf.users.services import user_erase
from dorf.villages.models import Role
from dorf.warnings import services
from dorf.warnings.cap import parse_nina
from dorf.warnings.models import CheckIn, OfficialWarning, WarningArea
from tests.factories import TEST_PASSWORD, MembershipFactory
from tests.warnings.conftest import recorded

pytestmark = pytest.mark.django_db


@pytest.fixture
def storm(warned_village) -> OfficialWarning:
    """The recorded storm Alert, made current (its expiry lies ahead of the real clock)."""
    message = parse_nina(recorded("nina_alert.json"), recorded("geojson_near.json"))
    services.message_ingest(message=message)
    OfficialWarning.objects.update(expires=timezone.now() + timedelta(hours=6))
    return OfficialWarning.objects.get()


def _resident(village):
    return village.memberships.filter(role=Role.RESIDENT, household__isnull=False).first()


def test_list_active_warnings_with_a_fixed_query_count(
    warned_village, storm, client_for, django_assert_num_queries
) -> None:
    # given: an ended warning besides the active storm
    services.message_ingest(
        message=parse_nina(recorded("nina_minor.json"), recorded("geojson_near.json"))
    )
    OfficialWarning.objects.exclude(pk=storm.pk).update(ended_at=timezone.now())
    client = client_for(_resident(warned_village).user)
    url = reverse("warnings:list", kwargs={"slug": warned_village.slug})
    client.get(url)
    # when
    with django_assert_num_queries(3):
        active = client.get(url + "?active=1")
    # then
    assert [w["id"] for w in active.json()["results"]] == [storm.pk]
    assert active.json()["results"][0]["checked_in"] is False
    assert len(client.get(url).json()["results"]) == 2


def test_detail_of_another_villages_warning_is_404(storm, outsider, client_for) -> None:
    url = reverse("warnings:detail", kwargs={"warning_id": storm.pk})
    assert client_for(outsider.user).get(url).status_code == 404


def test_need_help_opens_a_help_request_and_tells_the_moderators_with_live_counts(
    warned_village, storm, client_for, django_capture_on_commit_callbacks
) -> None:
    # given
    resident = _resident(warned_village)
    neighbour = (
        warned_village.memberships.filter(role=Role.RESIDENT).exclude(pk=resident.pk).first()
    )
    moderator = warned_village.memberships.get(role=Role.MODERATOR)
    url = reverse("warnings:checkin", kwargs={"warning_id": storm.pk})
    # when: one neighbour is safe, the resident needs help
    assert (
        client_for(neighbour.user).post(url, {"answer": "safe"}, format="json").status_code == 200
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(resident.user).post(
            url, {"answer": "need_help", "note": "Baum auf dem Dach"}, format="json"
        )
    # then: a help request with the approximate location only
    assert response.status_code == 200
    posting = Posting.objects.get(pk=response.json()["help_posting_id"])
    assert posting.author == resident.user
    assert posting.kind == "request"
    assert posting.category == "help"
    assert "Baum auf dem Dach" in posting.text
    assert (posting.approx_lat, posting.approx_lon) != (
        resident.household.latitude,
        resident.household.longitude,
    )
    assert posting.approx_lat is not None
    # the moderators are told, and see the counts
    assert Notification.objects.filter(
        user=moderator.user, link_id=storm.pk, category=Category.REPORT
    ).exists()
    assert callbacks  # the live count frame is sent after commit
    summary = client_for(moderator.user).get(
        reverse("warnings:checkin-summary", kwargs={"warning_id": storm.pk})
    )
    assert summary.json()["counts"] == {"safe": 1, "need_help": 1}
    assert summary.json()["need_help"][0]["note"] == "Baum auf dem Dach"
    # residents do not see the summary
    assert (
        client_for(neighbour.user)
        .get(reverse("warnings:checkin-summary", kwargs={"warning_id": storm.pk}))
        .status_code
        == 403
    )
    # answering again changes the answer and opens no second request
    client_for(resident.user).post(url, {"answer": "need_help"}, format="json")
    assert Posting.objects.filter(author=resident.user).count() == 1
    assert CheckIn.objects.count() == 2


def test_no_checkin_after_the_warning_ended(warned_village, storm, client_for) -> None:
    OfficialWarning.objects.update(ended_at=timezone.now())
    response = client_for(_resident(warned_village).user).post(
        reverse("warnings:checkin", kwargs={"warning_id": storm.pk}),
        {"answer": "safe"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "warning_ended"


def test_a_bad_answer_is_a_400(warned_village, storm, client_for) -> None:
    client = client_for(_resident(warned_village).user)
    url = reverse("warnings:checkin", kwargs={"warning_id": storm.pk})
    unknown = client.post(url, {"answer": "safe", "extra": 1}, format="json")
    assert unknown.status_code == 400
    assert set(unknown.json()["error"]["fields"]) == {"extra"}
    bad = client.post(url, {"answer": "maybe"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"answer"}
    assert not CheckIn.objects.exists()


def test_checkins_are_erased_with_the_user_and_dropped_30_days_after_the_end(
    warned_village, storm
) -> None:
    first, second = warned_village.memberships.filter(role=Role.RESIDENT)[:2]
    for membership in (first, second):
        services.checkin_answer(
            user=membership.user, village_id=warned_village.pk, warning_id=storm.pk, answer="safe"
        )
    user_erase(user=first.user, password=TEST_PASSWORD)
    assert list(CheckIn.objects.values_list("user_id", flat=True)) == [second.user_id]
    ended = datetime(2026, 12, 1, 12, tzinfo=UTC)
    OfficialWarning.objects.update(ended_at=ended)
    assert services.checkins_drop_old(now=ended + timedelta(days=29)) == 0
    assert services.checkins_drop_old(now=ended + timedelta(days=30, minutes=1)) == 1
    assert not CheckIn.objects.exists()


def test_the_atom_feed_of_active_warnings_round_trips(warned_village, storm, api_client) -> None:
    response = api_client.get(reverse("warnings:feed", kwargs={"slug": warned_village.slug}))
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert [entry.title for entry in parsed.entries] == [f"Severe: {storm.headline}"]


@pytest.mark.parametrize(
    ("ars", "ok"),
    [
        ("071325009045", True),
        ("07132500904", False),  # 11 digits
        ("07132500904x", False),
        ("171325009045", False),  # no 17th state
        ("070005009045", False),  # no district
    ],
)
def test_staff_set_the_village_keys_with_a_validated_ars(village, client_for, ars, ok) -> None:
    staff = MembershipFactory(village=village, role=Role.STAFF).user
    url = reverse("warnings:area", kwargs={"slug": village.slug})
    response = client_for(staff).put(url, {"ars": ars, "warn_cells": ["107132000"]}, format="json")
    assert response.status_code == (200 if ok else 400)
    assert WarningArea.objects.filter(village=village).exists() is ok


def test_the_area_must_be_a_valid_polygon_and_only_staff_set_it(
    village, member, client_for
) -> None:
    staff = MembershipFactory(village=village, role=Role.STAFF).user
    url = reverse("warnings:area", kwargs={"slug": village.slug})
    square = {
        "type": "Polygon",
        "coordinates": [[[7.8, 50.7], [7.9, 50.7], [7.9, 50.8], [7.8, 50.7]]],
    }
    assert (
        client_for(staff)
        .put(url, {"ars": "071325009045", "area": square}, format="json")
        .status_code
        == 200
    )
    point = {"type": "Point", "coordinates": [7.8, 50.7]}
    assert (
        client_for(staff)
        .put(url, {"ars": "071325009045", "area": point}, format="json")
        .status_code
        == 400
    )
    assert (
        client_for(member.user).put(url, {"ars": "071325009045"}, format="json").status_code == 403
    )
