from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig


class ClubsConfig(DorfAppConfig):
    name = "dorf.clubs"
    label = "clubs"
    verbose_name = _("Clubs")
    personal_data = "dorf.clubs.privacy"
    demo_seeder = "dorf.clubs.demo.seed"
    demo_order = 50
    periodic_tasks = ()

    def ready(self) -> None:
        from dorf.calendar import sources
        from dorf.clubs.calendar_source import ClubEventSource

        sources.register(ClubEventSource())
