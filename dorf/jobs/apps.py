from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class JobsConfig(DorfAppConfig):
    name = "dorf.jobs"
    label = "jobs"
    verbose_name = _("Job offers")
    personal_data = "dorf.jobs.privacy"
    demo_seeder = "dorf.jobs.demo.seed"
    demo_order = 96
    periodic_tasks = (
        # valid_through is a day in the village's time zone; hourly catches every
        # village's midnight, and a missed run is made up by the next one.
        PeriodicTask(
            name="jobs-archive-expired",
            task="jobs.archive_expired",
            schedule=crontab(minute=5),
        ),
    )
