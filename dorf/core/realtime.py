"""Live events to a user's socket, sent only after the transaction that caused them commits.

Every app announces through here (persist before announce, invariant 3). The WebSocket
consumer (dorf.chat) joins ``user_group(user.id)`` and forwards each event as a frame:
``{"type": event_type, **payload}``. The demo seeder's history is stored, not announced
(``dorf.core.seeding``): nobody is connected as the residents it has just created, and a
client that connects later reads that history from the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from dorf.core.cache import REDIS_DOWN_ERRORS, log_outage
from dorf.core.seeding import is_seeding

logger = logging.getLogger(__name__)

REDIS_DOWN_OR_OSERROR: tuple[type[Exception], ...] = (*REDIS_DOWN_ERRORS, OSError)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def group_send_safely(messages: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Publish ``(group, message)`` pairs now, in one trip into the event loop.

    Callers are past the commit: what is announced is already stored. When Redis cannot
    be reached the announcement is logged and dropped instead of failing a request whose
    work is done; sockets recover lost chat messages from the database
    (docs/realtime.md, "Redis outages").
    """
    if not messages or is_seeding():
        return
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for group, message in messages:
            await layer.group_send(group, message)

    try:
        async_to_sync(send_all)()
    except REDIS_DOWN_OR_OSERROR as exc:
        log_outage("channel layer publish", exc)


def group_send_now(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """Send at once (callers make sure they are past the commit)."""
    # "forward" is the consumer handler that relays the event to the client unchanged.
    group_send_safely([(group, {"type": "forward", "event": {"type": event_type, **payload}})])


def send_to_users_on_commit(
    user_ids: Iterable[int], event_type: str, payload: dict[str, Any]
) -> None:
    """Announce ``event_type`` to each user's socket once the current transaction commits."""
    groups = [user_group(user_id) for user_id in user_ids]

    def send() -> None:
        for group in groups:
            group_send_now(group, event_type, payload)

    transaction.on_commit(send)


def send_each_on_commit(events: Sequence[tuple[int, str, dict[str, Any]]]) -> None:
    """Announce each ``(user_id, event_type, payload)`` once the transaction commits.

    One callback and one trip into the event loop for all of them: under WSGI every
    ``async_to_sync`` call starts a fresh loop (and, with Redis, a fresh connection).
    """
    if not events:
        return
    messages = [
        (user_group(user_id), {"type": "forward", "event": {"type": event_type, **payload}})
        for user_id, event_type, payload in events
    ]
    transaction.on_commit(lambda: group_send_safely(messages))


def send_to_group_on_commit(group: str, event_type: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: group_send_now(group, event_type, payload))
