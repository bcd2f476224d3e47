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

        from django.db.models.signals import post_delete, post_save

        from dorf.users.models import Block

        # A block made or lifted while both are connected applies to live frames at once.
        post_save.connect(_on_block_changed, sender=Block, dispatch_uid="chat.block_saved")
        post_delete.connect(_on_block_changed, sender=Block, dispatch_uid="chat.block_deleted")


def _on_verified(sender: object, membership: Any, **kwargs: Any) -> None:
    from dorf.chat.services import village_member_verified

    village_member_verified(membership=membership)


def _on_banned(sender: object, membership: Any, **kwargs: Any) -> None:
    from dorf.chat.services import village_member_banned

    village_member_banned(membership=membership)


def _on_block_changed(sender: object, instance: Any, **kwargs: Any) -> None:
    from dorf.chat.realtime import blocks_changed_on_commit

    blocks_changed_on_commit([instance.blocker_id, instance.blocked_id])
