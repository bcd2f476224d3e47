from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig


class CalendarConfig(DorfAppConfig):
    """Recurrence, iCalendar output and per-user feed tokens for every app with dates."""

    name = "dorf.calendar"
    label = "calendar"
    verbose_name = _("Calendar")
    personal_data = "dorf.calendar.privacy"
    demo_seeder = None
    demo_order = 5
    periodic_tasks = ()

    def ready(self) -> None:
        from dorf.calendar import digest  # noqa: F401 - registers the events of the digest
