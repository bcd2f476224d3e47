from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig


class VillagesConfig(DorfAppConfig):
    name = "dorf.villages"
    label = "villages"
    verbose_name = _("Villages")
    personal_data = "dorf.villages.privacy"
    # seed_demo itself (in this app) builds the village and the DemoContext.
    demo_seeder = None
    demo_order = 0
    periodic_tasks = ()
