from __future__ import annotations

from django.db.models import QuerySet

from dorf.users.models import Block, User


def blocked_user_ids(user: User) -> set[int]:
    """Ids of users hidden from ``user``: those they blocked and those who blocked them."""
    pairs = (
        Block.objects.filter(blocker=user)
        .values_list("blocked_id", flat=True)
        .union(Block.objects.filter(blocked=user).values_list("blocker_id", flat=True))
    )
    return set(pairs)


def block_list(*, user: User) -> QuerySet[Block]:
    return Block.objects.filter(blocker=user).select_related("blocked")
