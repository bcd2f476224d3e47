from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class ReportsConfig(DorfAppConfig):
    name = "dorf.reports"
    label = "reports"
    verbose_name = _("Problem reports")
    personal_data = "dorf.reports.privacy"
    media_access = "dorf.reports.media.can_view_media"
    demo_seeder = "dorf.reports.demo.seed"
    demo_order = 75
    periodic_tasks = (
        # 03:30 local time exists on both clock-change nights (02:00-03:00 is skipped in
        # March and repeated in October), so the run happens exactly once each night.
        PeriodicTask(
            name="reports-anonymise-closed",
            task="reports.anonymise_closed",
            schedule=crontab(hour=3, minute=30),
        ),
    )
