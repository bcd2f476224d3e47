from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from dorf.core.exceptions import Conflict, Forbidden, ValidationFailed
from dorf.news import services
from dorf.news.models import Post, PostState, PushLevel
from dorf.news.tasks import publish_due_posts, publish_post_at
from dorf.notifications.models import Category, Notification
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _draft(newsroom, *, author=None, **kwargs):
    fields = {
        "title": "Wasserabstellung",
        "teaser": "Dienstag 8-12 Uhr",
        "body": "Bitte Wasser vorher abfüllen.",
        "push": PushLevel.NORMAL,
        **kwargs,
    }
    return services.post_create(
        actor=author or newsroom.editor,
        village_id=newsroom.village.pk,
        publisher_id=newsroom.publisher.pk,
        category_id=fields.pop("category_id", newsroom.rathaus.pk),
        **fields,
    )


def _news_notifications(post):
    return Notification.objects.filter(category=Category.NEWS, link_id=post.pk)


def test_an_editor_writes_and_a_publisher_publishes_with_one_push_per_member(newsroom) -> None:
    # given: a draft by an editor, sent to review; the village has 4 verified members (staff, two publishers, an editor)
    post = _draft(newsroom)
    services.post_submit(actor=newsroom.editor, post_id=post.pk)
    members = newsroom.village.memberships.filter(state="verified").count()
    # when: a publisher publishes it
    published = services.post_publish(actor=newsroom.chief, post_id=post.pk)
    # then
    assert published.state == PostState.PUBLISHED
    assert published.published_at is not None
    assert _news_notifications(post).count() == members == 4
    assert published.pushed_count == 4


def test_an_editor_cannot_publish(newsroom) -> None:
    post = _draft(newsroom)
    with pytest.raises(Forbidden) as error:
        services.post_publish(actor=newsroom.editor, post_id=post.pk)
    assert error.value.code == "not_publisher"
    assert Post.objects.get(pk=post.pk).state == PostState.DRAFT
    assert not _news_notifications(post).exists()


def test_the_author_cannot_approve_their_own_official_notice(newsroom) -> None:
    # given: an official notice written by a publisher
    post = _draft(newsroom, author=newsroom.chief, official=True)
    # when / then: its author may not publish it, a second publisher may
    with pytest.raises(Forbidden) as error:
        services.post_publish(actor=newsroom.chief, post_id=post.pk)
    assert error.value.code == "four_eyes"
    published = services.post_publish(actor=newsroom.second, post_id=post.pk)
    assert published.state == PostState.PUBLISHED
    assert published.approved_by == newsroom.second


def test_a_member_without_a_role_cannot_write(newsroom) -> None:
    resident = MembershipFactory(village=newsroom.village).user
    with pytest.raises(Forbidden):
        _draft(newsroom, author=resident)


def test_a_post_without_title_is_refused_and_script_is_stored_sanitised(newsroom) -> None:
    with pytest.raises(ValidationFailed):
        _draft(newsroom, title="   ")
    post = _draft(
        newsroom,
        body="Hallo <script>alert(1)</script>\n\n![x](https://tracker.example/p.gif)",
    )
    assert "<script>" not in post.body_html
    assert "tracker.example" not in post.body_html
    assert post.body_markdown.startswith("Hallo <script>")  # the editor's text is kept


def test_publish_at_in_the_past_publishes_now(newsroom) -> None:
    post = _draft(newsroom)
    before = timezone.now()
    published = services.post_publish(
        actor=newsroom.chief, post_id=post.pk, publish_at=before - timedelta(days=3)
    )
    assert published.state == PostState.PUBLISHED
    assert published.published_at is not None
    assert published.published_at >= before


def test_a_scheduled_post_is_published_by_the_periodic_task_and_pushed_exactly_once(
    newsroom,
) -> None:
    # given: a post scheduled in an hour
    post = _draft(newsroom)
    when = timezone.now() + timedelta(hours=1)
    scheduled = services.post_publish(actor=newsroom.chief, post_id=post.pk, publish_at=when)
    assert scheduled.state == PostState.SCHEDULED
    # when: the task runs before the time, then after it, then is retried, and the eta
    # task arrives late as well
    assert services.posts_publish_due(now=when - timedelta(seconds=1)) == 0
    assert services.posts_publish_due(now=when + timedelta(seconds=20)) == 1
    assert services.posts_publish_due(now=when + timedelta(seconds=50)) == 0
    assert publish_post_at(post.pk) is False
    assert publish_due_posts() == 0
    # then: published once, one notification per member
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED
    assert post.published_at == when + timedelta(seconds=20)
    assert _news_notifications(post).count() == 4
    assert _news_notifications(post).values("user").distinct().count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_publishing_the_same_due_post_push_it_exactly_once(newsroom) -> None:
    # given: a due scheduled post
    post = _draft(newsroom)
    Post.objects.filter(pk=post.pk).update(
        state=PostState.SCHEDULED, publish_at=timezone.now() - timedelta(seconds=1)
    )
    barrier = threading.Barrier(4)
    results: list[int] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(services.posts_publish_due())
        finally:
            close_old_connections()
            connection.close()

    # when: four workers run the periodic task at the same moment
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: exactly one published it, and each member got exactly one notification
    assert sorted(results) == [0, 0, 0, 1]
    assert _news_notifications(post).count() == 4


def test_nobody_who_muted_the_category_is_notified(newsroom) -> None:
    # given: a resident who muted "Bauen & Verkehr"
    resident = MembershipFactory(village=newsroom.village).user
    services.mutes_set(
        user=resident, village_id=newsroom.village.pk, category_ids=[newsroom.bauen.pk]
    )
    building = _draft(newsroom, category_id=newsroom.bauen.pk)
    town_hall = _draft(newsroom)
    # when
    services.post_publish(actor=newsroom.chief, post_id=building.pk)
    services.post_publish(actor=newsroom.chief, post_id=town_hall.pk)
    # then
    assert not _news_notifications(building).filter(user=resident).exists()
    assert _news_notifications(building).count() == 4
    assert _news_notifications(town_hall).filter(user=resident).count() == 1


def test_a_post_without_push_is_published_silently(newsroom) -> None:
    post = _draft(newsroom, push=PushLevel.NONE)
    services.post_publish(actor=newsroom.chief, post_id=post.pk)
    assert not _news_notifications(post).exists()


def test_a_published_post_cannot_be_edited_but_can_be_unpinned_and_archived(newsroom) -> None:
    post = _draft(newsroom, pinned=True)
    services.post_publish(actor=newsroom.chief, post_id=post.pk)
    with pytest.raises(Conflict):
        services.post_update(actor=newsroom.chief, post_id=post.pk, title="Neu")
    services.post_update(actor=newsroom.chief, post_id=post.pk, pinned=False)
    archived = services.post_archive(actor=newsroom.chief, post_id=post.pk)
    assert archived.state == PostState.ARCHIVED
    assert not archived.pinned


def test_changing_a_scheduled_official_notice_needs_approval_again(newsroom) -> None:
    post = _draft(newsroom, official=True)
    services.post_publish(
        actor=newsroom.chief, post_id=post.pk, publish_at=timezone.now() + timedelta(days=1)
    )
    changed = services.post_update(actor=newsroom.second, post_id=post.pk, title="Korrigiert")
    assert changed.state == PostState.IN_REVIEW
    assert changed.approved_by is None


def test_expiry_must_follow_publication(newsroom) -> None:
    now = timezone.now()
    with pytest.raises(ValidationFailed):
        _draft(newsroom, publish_at=now + timedelta(days=2), expires_at=now + timedelta(days=1))


def test_expired_posts_are_archived(newsroom) -> None:
    post = _draft(newsroom, expires_at=timezone.now() + timedelta(days=1))
    services.post_publish(actor=newsroom.chief, post_id=post.pk)
    assert services.posts_archive_expired(now=timezone.now() + timedelta(days=2)) == 1
    assert Post.objects.get(pk=post.pk).state == PostState.ARCHIVED


@pytest.mark.parametrize(
    ("local_time", "utc_time"),
    [
        # last Sunday of March 2027: 02:00 CET becomes 03:00 CEST
        ((2027, 3, 28, 3, 30), datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
        # last Sunday of October 2027: 03:00 CEST becomes 02:00 CET
        ((2027, 10, 31, 9, 0), datetime(2027, 10, 31, 8, 0, tzinfo=UTC)),
    ],
)
def test_scheduled_publishing_across_the_clock_changes(newsroom, local_time, utc_time) -> None:
    # given: a post scheduled at a village-local wall time on the day the clocks change
    tz = ZoneInfo(newsroom.village.timezone)
    year, month, day, hour, minute = local_time
    publish_at = datetime(year, month, day, hour, minute, tzinfo=tz)
    assert publish_at.astimezone(UTC) == utc_time
    post = _draft(newsroom)
    Post.objects.filter(pk=post.pk).update(state=PostState.SCHEDULED, publish_at=publish_at)
    # when / then: not a second early, and within the 60 s after it
    assert services.posts_publish_due(now=utc_time - timedelta(seconds=1)) == 0
    assert services.posts_publish_due(now=utc_time + timedelta(seconds=30)) == 1
    assert _news_notifications(post).count() == 4


@pytest.mark.parametrize(
    ("push", "official", "urgency"),
    [
        (PushLevel.NORMAL, False, "low"),
        (PushLevel.URGENT, False, "normal"),
        (PushLevel.URGENT, True, "high"),
    ],
)
def test_only_an_urgent_official_notice_overrides_quiet_hours(newsroom, push, official, urgency):
    # given: a post with this push level, approved by a second publisher when official
    post = _draft(newsroom, push=push, official=official)
    services.post_submit(actor=newsroom.editor, post_id=post.pk)
    # when
    services.post_publish(actor=newsroom.chief, post_id=post.pk)
    # then: the notification layer gets the urgency (HIGH is the only one that ignores
    # quiet hours) and one topic per post
    sent = _news_notifications(post)
    assert sent.exists()
    assert set(sent.values_list("urgency", "topic")) == {(urgency, f"news-{post.pk}")}
