from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class MarketplaceConfig(DorfAppConfig):
    name = "dorf.marketplace"
    label = "marketplace"
    verbose_name = _("Marketplace")
    personal_data = "dorf.marketplace.privacy"
    media_access = "dorf.marketplace.media.can_view_media"
    demo_seeder = "dorf.marketplace.demo.seed"
    demo_order = 40
    periodic_tasks = (
        PeriodicTask(
            name="marketplace-reminders",
            task="marketplace.send_posting_expiry_reminders",
            schedule=crontab(minute=15),
        ),
        PeriodicTask(
            name="marketplace-expire",
            task="marketplace.expire_postings",
            schedule=crontab(minute=20),
        ),
    )

    def ready(self) -> None:
        from dorf.marketplace import receivers  # noqa: F401 - connects the signal receivers
