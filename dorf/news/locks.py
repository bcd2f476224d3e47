"""The one place that locks news rows (a post before anything hanging on it)."""

from __future__ import annotations

from dorf.news.models import FeedSource, Post
from dorf.users.models import User
from dorf.villages.scoping import get_scoped_or_404, member_village_ids


def lock_post(post_id: int) -> Post | None:
    return Post.objects.select_for_update().filter(pk=post_id).first()


def feed_source_for(user: User, source_id: int) -> FeedSource:
    """The feed source, row-locked, if it belongs to one of ``user``'s villages (else 404,
    as if it did not exist)."""
    sources = FeedSource.objects.select_for_update().filter(village__in=member_village_ids(user))
    return get_scoped_or_404(sources, pk=source_id)
