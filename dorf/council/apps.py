from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class CouncilConfig(DorfAppConfig):
    name = "dorf.council"
    label = "council"
    verbose_name = _("Council information (OParl)")
    personal_data = "dorf.council.privacy"
    demo_seeder = "dorf.council.demo.seed"
    demo_order = 101
    periodic_tasks = (
        # Council systems change a few times a day; every three hours, incremental by
        # ``modified``, keeps the load on the municipality's server small.
        PeriodicTask(
            name="council-import-oparl",
            task="council.import_all",
            schedule=crontab(minute=23, hour="*/3"),
        ),
    )

    def ready(self) -> None:
        from dorf.calendar import sources
        from dorf.council.calendar_source import CouncilMeetingSource

        sources.register(CouncilMeetingSource())
