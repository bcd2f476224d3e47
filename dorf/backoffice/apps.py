from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig


class BackofficeConfig(DorfAppConfig):
    name = "dorf.backoffice"
    label = "backoffice"
    verbose_name = _("Rathaus backoffice")
    # The audit log names staff members and the people their actions were about.
    personal_data = "dorf.backoffice.privacy"
    demo_seeder = None
    demo_order = 0
    periodic_tasks = ()
