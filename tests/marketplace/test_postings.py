from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dorf.marketplace import services
from dorf.marketplace.models import Posting, PostingStatus, snap_to_grid
from dorf.notifications.models import Notification
from tests.factories import MembershipFactory
from tests.marketplace.factories import PostingFactory, PostingReportFactory

pytestmark = pytest.mark.django_db


def test_snap_to_grid_hides_the_exact_address_within_a_few_hundred_metres() -> None:
    # given: two houses next to each other and the snapped point
    from geopy.distance import geodesic

    a = (50.79012, 7.87233)
    b = (50.79020, 7.87240)
    snapped_a, snapped_b = snap_to_grid(*a), snap_to_grid(*b)
    # then: neighbours share one cell, and the cell centre is never more than ~200 m away
    assert snapped_a == snapped_b
    assert snapped_a != a
    assert geodesic(a, snapped_a).meters < 200


def test_creating_a_posting_stores_the_grid_cell_not_the_household(
    village, resident_at, client_for
) -> None:
    # given
    member = resident_at(village, 50.79012, 7.87233)
    # when
    response = client_for(member.user).post(
        reverse("marketplace:posting-list", kwargs={"slug": village.slug}),
        {
            "kind": "offer",
            "category": "lend",
            "title": "Leiter zu verleihen",
            "estimated_minutes": 15,
        },
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["approx_lat"], body["approx_lon"]) == snap_to_grid(50.79012, 7.87233)
    assert body["status"] == "open"
    posting = Posting.objects.get(pk=body["id"])
    assert timedelta(days=29) < posting.expires_at - timezone.now() <= timedelta(days=30)


def test_creating_a_posting_rejects_unknown_fields_and_writes_nothing(
    village, member, client_for
) -> None:
    response = client_for(member.user).post(
        reverse("marketplace:posting-list", kwargs={"slug": village.slug}),
        {"kind": "offer", "category": "lend", "title": "x", "status": "done"},
    )
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]
    assert not Posting.objects.exists()


def test_a_posting_with_more_minutes_than_a_transfer_allows_is_rejected(
    village, member, client_for
) -> None:
    response = client_for(member.user).post(
        reverse("marketplace:posting-list", kwargs={"slug": village.slug}),
        {"kind": "request", "category": "help", "title": "x", "estimated_minutes": 99999},
    )
    assert response.status_code == 400
    assert not Posting.objects.exists()


def test_only_the_author_can_withdraw_a_posting(village, member, client_for) -> None:
    # given
    posting = PostingFactory(village=village, author=member.user)
    other = MembershipFactory(village=village)
    url = reverse("marketplace:posting-withdraw", kwargs={"posting_id": posting.pk})
    # when / then
    assert client_for(other.user).post(url).status_code == 403
    assert client_for(member.user).post(url).json()["status"] == "withdrawn"
    posting.refresh_from_db()
    assert posting.status == PostingStatus.WITHDRAWN


def test_renewing_an_expired_posting_opens_it_for_another_30_days(village, member) -> None:
    # given
    posting = PostingFactory(
        village=village,
        author=member.user,
        status=PostingStatus.EXPIRED,
        expires_at=timezone.now() - timedelta(days=1),
        expiry_reminder_sent_at=timezone.now() - timedelta(days=4),
    )
    # when
    services.posting_renew(user=member.user, posting_id=posting.pk)
    # then
    posting.refresh_from_db()
    assert posting.status == PostingStatus.OPEN
    assert posting.expires_at > timezone.now() + timedelta(days=29)
    assert posting.expiry_reminder_sent_at is None


def test_expiry_reminder_is_sent_once_three_days_before_and_expiry_closes_the_posting(
    village, member
) -> None:
    # given: one posting expiring in 2 days, one in 10 days, one already past
    soon = PostingFactory(
        village=village, author=member.user, expires_at=timezone.now() + timedelta(days=2)
    )
    later = PostingFactory(
        village=village, author=member.user, expires_at=timezone.now() + timedelta(days=10)
    )
    past = PostingFactory(
        village=village, author=member.user, expires_at=timezone.now() - timedelta(minutes=1)
    )
    # when: the beat tasks run twice
    from dorf.marketplace import tasks

    assert tasks.send_posting_expiry_reminders.delay().get() == 1
    assert tasks.send_posting_expiry_reminders.delay().get() == 0
    assert tasks.expire_postings.delay().get() == 1
    # then
    notes = Notification.objects.filter(user=member.user, link_type="posting")
    assert list(notes.values_list("link_id", flat=True)) == [soon.pk]
    statuses = dict(Posting.objects.values_list("pk", "status"))
    assert statuses == {soon.pk: "open", later.pk: "open", past.pk: "expired"}


def test_a_member_can_report_a_posting_once(village, member, client_for) -> None:
    posting = PostingFactory(village=village)
    url = reverse("marketplace:posting-report", kwargs={"posting_id": posting.pk})
    client = client_for(member.user)
    assert client.post(url, {"reason": "Werbung"}).status_code == 201
    assert client.post(url, {"reason": "Werbung"}).status_code == 409
    assert posting.reports.count() == 1


def test_a_moderator_hides_a_reported_posting_and_residents_no_longer_see_it(
    village, member, moderator, client_for
) -> None:
    # given
    author = MembershipFactory(village=village).user
    posting = PostingFactory(village=village, author=author)
    PostingReportFactory(posting=posting, reporter=member.user)
    hide_url = reverse("marketplace:posting-hide", kwargs={"posting_id": posting.pk})
    # when: a resident tries, then a moderator
    assert client_for(member.user).post(hide_url).status_code == 403
    response = client_for(moderator.user).post(hide_url)
    # then
    assert response.status_code == 200
    assert response.json()["hidden"] is True
    detail = reverse("marketplace:posting-detail", kwargs={"posting_id": posting.pk})
    assert client_for(member.user).get(detail).status_code == 404
    # the author still sees it (marked hidden) so they know what happened
    assert client_for(author).get(detail).json()["hidden"] is True
    assert posting.reports.get().resolved_at is not None
    assert Notification.objects.filter(user=posting.author, category="moderation").exists()


def test_moderators_list_open_reports_with_a_constant_number_of_queries(
    village, moderator, client_for, django_assert_num_queries
) -> None:
    client = client_for(moderator.user)
    url = reverse("marketplace:report-list", kwargs={"slug": village.slug})
    PostingReportFactory(posting__village=village)
    client.get(url)  # warm up the token and membership lookups
    with django_assert_num_queries(3):
        assert len(client.get(url).json()["results"]) == 1
    PostingReportFactory.create_batch(5, posting__village=village)
    with django_assert_num_queries(3):
        assert len(client.get(url).json()["results"]) == 6


def test_residents_cannot_list_reports(village, member, client_for) -> None:
    url = reverse("marketplace:report-list", kwargs={"slug": village.slug})
    assert client_for(member.user).get(url).status_code == 403
