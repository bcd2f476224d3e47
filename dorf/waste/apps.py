from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class WasteConfig(DorfAppConfig):
    name = "dorf.waste"
    label = "waste"
    verbose_name = _("Waste calendar")
    personal_data = "dorf.waste.privacy"
    demo_seeder = "dorf.waste.demo.seed"
    demo_order = 95
    periodic_tasks = (
        # Reminders must leave within 60 s of their local time: every minute, each run
        # claims what is due (SKIP LOCKED) and announces shifts not yet announced.
        PeriodicTask(name="waste-send-reminders", task="waste.send_due_reminders", schedule=60.0),
        # New collections further ahead, changed addresses: the horizon moves on daily.
        PeriodicTask(
            name="waste-replan-reminders",
            task="waste.replan_all",
            schedule=crontab(hour=3, minute=25),
        ),
    )

    def ready(self) -> None:
        # The digest section registers itself; the tasks must be known by name to the
        # import's on-commit hand-off (services cannot import tasks: tasks import them).
        from dorf.waste import digest, tasks  # noqa: F401
