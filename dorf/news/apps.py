from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class NewsConfig(DorfAppConfig):
    name = "dorf.news"
    label = "news"
    verbose_name = _("News")
    personal_data = "dorf.news.privacy"
    media_access = "dorf.news.media.can_view_media"
    demo_seeder = "dorf.news.demo.seed"
    demo_order = 70
    periodic_tasks = (
        # Every 30 s: a scheduled post is out within 60 s of its time even when the
        # per-post eta task was lost (the eta task usually publishes it at once).
        PeriodicTask(name="news-publish-due", task="news.publish_due_posts", schedule=30.0),
        PeriodicTask(
            name="news-archive-expired",
            task="news.archive_expired_posts",
            schedule=crontab(minute=5),
        ),
        PeriodicTask(
            name="news-import-feeds", task="news.import_feeds", schedule=crontab(minute="*/15")
        ),
    )

    def ready(self) -> None:
        from dorf.news import digest  # noqa: F401 - registers the news section of the digest
        from dorf.news.directory import NewsPublisherDirectory
        from dorf.villages.publishers import register_directory

        register_directory(NewsPublisherDirectory())
