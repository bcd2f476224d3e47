from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class WarningsConfig(DorfAppConfig):
    name = "dorf.warnings"
    label = "warnings"
    verbose_name = _("Official warnings")
    personal_data = "dorf.warnings.privacy"
    demo_seeder = "dorf.warnings.demo.seed"
    demo_order = 72
    periodic_tasks = (
        # NINA refreshes its data about every minute; one dashboard request per district.
        PeriodicTask(name="warnings-poll", task="warnings.poll_sources", schedule=60.0),
        PeriodicTask(name="warnings-end-expired", task="warnings.end_expired", schedule=60.0),
        PeriodicTask(
            name="warnings-drop-old-checkins",
            task="warnings.drop_old_checkins",
            schedule=crontab(hour=3, minute=40),
        ),
    )

    def ready(self) -> None:
        from dorf.warnings import digest  # noqa: F401 - registers the digest section
