from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class EventsConfig(DorfAppConfig):
    """The village calendar's own events (municipality and other publishers) and the
    external calendars staff import by URL."""

    name = "dorf.events"
    label = "events"
    verbose_name = _("Village calendar")
    personal_data = "dorf.events.privacy"
    demo_seeder = "dorf.events.demo.seed"
    # After the news seeder (the municipality publisher) and the clubs.
    demo_order = 75
    periodic_tasks = (
        PeriodicTask(
            name="events-import-calendars",
            task="events.import_calendars",
            schedule=crontab(minute="*/30"),
        ),
    )

    def ready(self) -> None:
        from dorf.calendar import sources
        from dorf.events.calendar_source import VillageEventSource

        sources.register(VillageEventSource())
