from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

from dorf.core.pagination import CompiledRows, page_slice
from dorf.core.sql import CompiledQuery, prepared_cursor
from dorf.notifications.models import Notification, PushSubscription
from dorf.users.models import User

NOTIFICATION_ROW_FIELDS = (
    "id",
    "category",
    "title",
    "body",
    "link_type",
    "link_id",
    "created_at",
    "read_at",
)


def _feed_page(
    *, user_id: int, unread_only: bool, **page: Any
) -> QuerySet[Notification, dict[str, Any]]:
    rows = Notification.objects.filter(user_id=user_id)
    if unread_only:
        rows = rows.filter(read_at=None)
    return page_slice(rows.values(*NOTIFICATION_ROW_FIELDS), **page)


# Compiled once per shape (dorf.core.sql): the feed is read on every app start.
_FEED_PAGE = CompiledQuery(_feed_page, params={"user_id": int, "before": int, "after": int})


def notification_rows(*, user: User, unread_only: bool = False) -> CompiledRows:
    """The user's own feed (``unread_only``: not read yet) as ``NOTIFICATION_ROW_FIELDS``
    rows, for the cursor paginator (newest first)."""
    return CompiledRows(_FEED_PAGE, Notification, user_id=user.pk, unread_only=unread_only)


def unread_count(*, user: User) -> int:
    """How many of the user's notifications are unread (the (user, read_at) index)."""
    # Hand-written: every feed request asks, and the ORM's count() compiled this fixed
    # query anew each time (a fifth of the request's CPU, docs/benchmarks.md).
    table = connection.ops.quote_name(Notification._meta.db_table)
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE user_id = %s AND read_at IS NULL",  # noqa: S608
            [user.pk],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def push_subscription_list(*, user: User) -> QuerySet[PushSubscription]:
    """The user's own devices."""
    return PushSubscription.objects.filter(user=user)
