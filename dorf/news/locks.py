"""The one place that locks news rows (a post before anything hanging on it)."""

from __future__ import annotations

from dorf.news.models import FeedSource, Post


def lock_post(post_id: int) -> Post | None:
    return Post.objects.select_for_update().filter(pk=post_id).first()


def lock_feed_source(source_id: int) -> FeedSource | None:
    return FeedSource.objects.select_for_update().filter(pk=source_id).first()
