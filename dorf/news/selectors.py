"""Read use-cases of the news, scoped to what the viewer may see."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from dorf.core.exceptions import NotFound
from dorf.news.models import (
    CategoryMute,
    FeedSource,
    NewsCategory,
    Post,
    PostRead,
    PostState,
    Publisher,
    PublisherRole,
    visible_at,
)
from dorf.users.models import User
from dorf.villages.models import Village
from dorf.villages.scoping import member_village_ids, require_member, require_staff


def category_list(*, village: Village) -> QuerySet[NewsCategory]:
    return NewsCategory.objects.filter(village=village)


def publisher_list(*, village: Village) -> QuerySet[Publisher]:
    return Publisher.objects.filter(village=village).order_by("kind", "name")


def publisher_roles(*, publisher_id: int) -> QuerySet[PublisherRole]:
    return (
        PublisherRole.objects.filter(publisher_id=publisher_id)
        .select_related("user")
        .order_by("user_id")
    )


def _reader_queryset(user: User) -> QuerySet[Post]:
    return Post.objects.select_related("publisher", "category").annotate(
        is_read=Exists(PostRead.objects.filter(post=OuterRef("pk"), user_id=user.pk))
    )


def post_list(
    *,
    user: User,
    village: Village,
    category_slug: str | None = None,
    pinned_only: bool = False,
    official_only: bool = False,
    now: datetime | None = None,
) -> QuerySet[Post]:
    """Published, unexpired posts of the village (the paginator orders them)."""
    queryset = (
        _reader_queryset(user).filter(visible_at(now or timezone.now())).filter(village=village)
    )
    if category_slug:
        queryset = queryset.filter(category__slug=category_slug)
    if pinned_only:
        queryset = queryset.filter(pinned=True)
    if official_only:
        queryset = queryset.filter(official=True)
    return queryset


def post_detail(*, user: User, post_id: int) -> Post:
    """A published post for its village's members; any state for its publisher's writers."""
    post = (
        _reader_queryset(user).prefetch_related("images", "attachments").filter(pk=post_id).first()
    )
    if post is None:
        raise NotFound()
    require_member(user, post.village_id)
    now = timezone.now()
    readable = post.state == PostState.PUBLISHED and (
        post.expires_at is None or post.expires_at > now
    )
    if readable or PublisherRole.objects.filter(publisher_id=post.publisher_id, user=user).exists():
        return post
    raise NotFound()


def writer_post_list(*, user: User, village: Village, state: str | None = None) -> QuerySet[Post]:
    """Every post (any state) of the publishers the user writes for."""
    queryset = _reader_queryset(user).filter(
        village=village,
        publisher__in=PublisherRole.objects.filter(user=user).values("publisher_id"),
    )
    if state:
        queryset = queryset.filter(state=state)
    return queryset


def feed_posts(*, village: Village, category_slug: str | None, limit: int) -> list[Post]:
    queryset = (
        Post.objects.filter(visible_at(timezone.now()))
        .filter(village=village)
        .select_related("publisher", "category")
    )
    if category_slug:
        queryset = queryset.filter(category__slug=category_slug)
    return list(queryset.order_by("-published_at", "-pk")[:limit])


def feed_state(*, village: Village, category_slug: str | None) -> tuple[int, datetime | None]:
    """How many posts the feed has and when any of them last changed (for ETag and
    Last-Modified, without rendering the feed)."""
    queryset = Post.objects.filter(visible_at(timezone.now())).filter(village=village)
    if category_slug:
        queryset = queryset.filter(category__slug=category_slug)

    found = queryset.aggregate(count=Count("pk"), last=Max("updated_at"))
    return int(found["count"]), found["last"]


def muted_category_ids(*, user: User, village: Village) -> list[int]:
    return list(
        CategoryMute.objects.filter(user=user, category__village=village)
        .order_by("category_id")
        .values_list("category_id", flat=True)
    )


def feed_source_list(*, village: Village) -> QuerySet[FeedSource]:
    return FeedSource.objects.filter(village=village).order_by("pk")


def feed_source_for_staff(*, user: User, source_id: int) -> FeedSource:
    """One feed source for its village's staff: another village's is a 404, as if it did
    not exist; a member who is not staff gets 403."""
    source = FeedSource.objects.filter(pk=source_id, village__in=member_village_ids(user)).first()
    if source is None:
        raise NotFound()
    require_staff(require_member(user, source.village_id))
    return source


def published_in(*, village: Village, start: datetime, end: datetime) -> QuerySet[Post]:
    """Posts published in [start, end) and still visible at ``end`` (the printed digest)."""
    return (
        Post.objects.filter(
            village=village,
            state__in=(PostState.PUBLISHED, PostState.ARCHIVED),
            published_at__gte=start,
            published_at__lt=end,
        )
        .select_related("publisher", "category")
        .order_by("-official", "-pinned", "-published_at")
    )
