from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class NotificationsConfig(DorfAppConfig):
    name = "dorf.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    personal_data = "dorf.notifications.privacy"
    demo_seeder = "dorf.notifications.demo.seed"
    demo_order = 30
    periodic_tasks = (
        # Push and e-mail whose quiet hours or back-off ended, and tasks a broker lost.
        PeriodicTask(name="notifications-send-due", task="notifications.send_due", schedule=60.0),
        # Subscriptions not refreshed for 90 days (silently expired), old deliveries.
        PeriodicTask(
            name="notifications-cleanup",
            task="notifications.cleanup",
            schedule=crontab(hour=4, minute=20),
        ),
    )

    def ready(self) -> None:
        super().ready()
        # Registers the delivery tasks in every process: the services enqueue them by
        # name, and without a broker (the demo) the web process runs them inline.
        from dorf.notifications import tasks  # noqa: F401
