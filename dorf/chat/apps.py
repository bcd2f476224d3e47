from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "dorf.chat"
    label = "chat"

    def ready(self) -> None:
        from dorf.villages.signals import membership_banned, membership_verified

        membership_verified.connect(_on_verified, dispatch_uid="chat.square_join")
        membership_banned.connect(_on_banned, dispatch_uid="chat.rooms_leave")


def _on_verified(sender: object, membership: Any, **kwargs: Any) -> None:
    from dorf.chat.services import village_member_verified

    village_member_verified(membership=membership)


def _on_banned(sender: object, membership: Any, **kwargs: Any) -> None:
    from dorf.chat.services import village_member_banned

    village_member_banned(membership=membership)
