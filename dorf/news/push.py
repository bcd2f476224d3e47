"""Who a published post reaches, and the one call that tells them.

Recipients: the verified members of the post's village, minus everyone who muted the
post's news category. The fan-out itself (feed entry, live socket, and the channels and
quiet hours of ``dorf.notifications``) belongs to the notifications app.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from dorf.news.models import Post, PushLevel
from dorf.notifications.models import Category, Urgency
from dorf.notifications.services import notify_many
from dorf.users.models import User
from dorf.villages.models import MembershipState

OFFICIAL_TITLE = gettext_lazy("Official notice: %(title)s")
NEWS_TITLE = gettext_lazy("News: %(title)s")


def post_recipients(post: Post) -> QuerySet[User]:
    return (
        User.objects.filter(
            memberships__village_id=post.village_id,
            memberships__state=MembershipState.VERIFIED,
        )
        .exclude(news_mutes__category_id=post.category_id)
        .order_by("pk")
    )


def push_urgency(post: Post) -> Urgency:
    """How the push travels. A normal push waits for each reader's quiet hours (the news
    category's low urgency); an urgent *official* notice, which two people approved,
    wakes the phone at once like a severe warning. ``urgent`` on any other post is a
    normal-urgency push that still respects quiet hours."""
    if post.push == PushLevel.URGENT:
        return Urgency.HIGH if post.official else Urgency.NORMAL
    return Urgency.LOW


def push_post(post: Post) -> int:
    """Notify the post's readers; returns how many were notified. Call it only from the
    transaction that flipped the post to ``published`` (that flip makes it happen once)."""
    if post.push == PushLevel.NONE:
        return 0
    title = OFFICIAL_TITLE if post.official else NEWS_TITLE
    notifications = notify_many(
        recipients=post_recipients(post),
        category=Category.NEWS,
        title=title,
        body=post.teaser,
        params={"title": post.title},
        village=post.village,
        link_type="news_post",
        link_id=post.pk,
        urgency=push_urgency(post),
        # A later push about the same post replaces one a phone has not fetched yet, and
        # a post that expires is not delivered after it.
        topic=f"news-{post.pk}",
        expires_at=post.expires_at,
    )
    return len(notifications)
