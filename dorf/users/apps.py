from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig


class UsersConfig(DorfAppConfig):
    name = "dorf.users"
    label = "users"
    verbose_name = _("Users")
    personal_data = "dorf.users.privacy"
    demo_seeder = None
    demo_order = 0
    periodic_tasks = ()
