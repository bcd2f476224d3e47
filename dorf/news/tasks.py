"""Periodic news work (Celery beat, declared in ``dorf.news.apps``). Thin: services decide."""

from __future__ import annotations

from celery import shared_task

from dorf.news import importing, services


@shared_task(name="news.publish_due_posts")
def publish_due_posts() -> int:
    return services.posts_publish_due()


@shared_task(name="news.publish_post_at")
def publish_post_at(post_id: int) -> bool:
    """Sent with ``eta=publish_at``; a retry or duplicate finds the post published already."""
    return services.post_publish_if_due(post_id=post_id)


@shared_task(name="news.archive_expired_posts")
def archive_expired_posts() -> int:
    return services.posts_archive_expired()


@shared_task(name="news.import_feeds")
def import_feeds() -> int:
    return importing.feed_sources_import_all()
