from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class AppointmentsConfig(DorfAppConfig):
    name = "dorf.appointments"
    label = "appointments"
    verbose_name = _("Town-hall appointments")
    personal_data = "dorf.appointments.privacy"
    demo_seeder = "dorf.appointments.demo.seed"
    demo_order = 80
    periodic_tasks = (
        # A hold lives 10 minutes and a waitlist offer 15: a minute's delay is invisible.
        PeriodicTask(
            name="appointments-expire-holds", task="appointments.expire_holds", schedule=60.0
        ),
        PeriodicTask(
            name="appointments-send-reminders",
            task="appointments.send_reminders",
            schedule=300.0,
        ),
    )
