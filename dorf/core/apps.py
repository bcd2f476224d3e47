from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig


class CoreConfig(DorfAppConfig):
    name = "dorf.core"
    label = "core"
    verbose_name = _("Kern")
    personal_data = None
    demo_seeder = None
    demo_order = 0
    periodic_tasks = ()
