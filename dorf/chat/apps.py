from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig


class ChatConfig(DorfAppConfig):
    name = "dorf.chat"
    label = "chat"
    verbose_name = _("Chat")
    personal_data = "dorf.chat.privacy"
    demo_seeder = "dorf.chat.demo.seed"
    demo_order = 20
    periodic_tasks = ()

    def ready(self) -> None:
        from dorf.chat import receivers  # noqa: F401 - connects the signal receivers
