from __future__ import annotations

from typing import Any

from django.db import connection
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


def blocked_user_ids_sql(user_id: int) -> tuple[str, list[Any]]:
    """``blocked_user_ids`` as a subquery for hand-written SQL (dorf.core.sql): the SQL
    of the user ids and its parameters."""
    table = connection.ops.quote_name(Block._meta.db_table)
    sql = (
        f"SELECT blocked_id FROM {table} WHERE blocker_id = %s "  # noqa: S608
        f"UNION SELECT blocker_id FROM {table} WHERE blocked_id = %s"
    )
    return sql, [user_id, user_id]


def block_list(*, user: User) -> QuerySet[Block]:
    return Block.objects.filter(blocker=user).select_related("blocked")
