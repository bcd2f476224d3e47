from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class BookingsConfig(DorfAppConfig):
    name = "dorf.bookings"
    label = "bookings"
    verbose_name = _("Rooms, desks and equipment")
    personal_data = "dorf.bookings.privacy"
    demo_seeder = "dorf.bookings.demo.seed"
    demo_order = 85
    periodic_tasks = (
        PeriodicTask(
            name="bookings-release-unchecked-desks",
            task="bookings.release_unchecked",
            schedule=60.0,
        ),
    )
