from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig


class NotificationsConfig(DorfAppConfig):
    name = "dorf.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    personal_data = "dorf.notifications.privacy"
    demo_seeder = "dorf.notifications.demo.seed"
    demo_order = 30
    periodic_tasks = ()
