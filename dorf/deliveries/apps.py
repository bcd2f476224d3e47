from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig


class DeliveriesConfig(DorfAppConfig):
    name = "dorf.deliveries"
    label = "deliveries"
    verbose_name = _("Deliveries")
    personal_data = "dorf.deliveries.privacy"
    demo_seeder = "dorf.deliveries.demo.seed"
    demo_order = 60
    periodic_tasks = ()

    def ready(self) -> None:
        super().ready()
        # Registers the planning task in every process: the services enqueue it by
        # name, and without a broker (the demo) the web process runs it inline.
        from dorf.deliveries import tasks  # noqa: F401
