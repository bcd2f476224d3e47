"""Signal receivers of the chat app, connected by ``ChatConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dorf.users.models import Block
from dorf.villages.signals import membership_banned, membership_verified


@receiver(membership_verified, dispatch_uid="chat.square_join")
def _on_verified(sender: object, membership: Any, **kwargs: Any) -> None:
    from dorf.chat.services import village_member_verified

    village_member_verified(membership=membership)


@receiver(membership_banned, dispatch_uid="chat.rooms_leave")
def _on_banned(sender: object, membership: Any, **kwargs: Any) -> None:
    from dorf.chat.services import village_member_banned

    village_member_banned(membership=membership)


# A block made or lifted while both are connected applies to live frames at once.
@receiver(post_save, sender=Block, dispatch_uid="chat.block_saved")
@receiver(post_delete, sender=Block, dispatch_uid="chat.block_deleted")
def _on_block_changed(sender: object, instance: Any, **kwargs: Any) -> None:
    from dorf.chat.realtime import blocks_changed_on_commit

    blocks_changed_on_commit([instance.blocker_id, instance.blocked_id])
