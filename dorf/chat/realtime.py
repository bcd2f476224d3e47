"""Group names and broadcast helpers of the chat.

Channel-layer message types the consumer handles (see docs/realtime.md):

- ``room.message`` to ``room.<id>``: a new message (de-duplicated by id on each socket);
- ``room.event`` to ``room.<id>``: an edit, tombstone, reaction or typing indicator;
- ``rooms.join`` / ``rooms.leave`` to ``user.<id>``: the socket joins or leaves room groups
  at once (membership granted or revoked while connected); a join replays the messages
  after ``after_ids`` (sent before the socket subscribed);
- ``blocks.changed`` to ``user.<id>``: reload the block list (a block made or lifted);
- ``forward`` to ``user.<id>``: any app's personal event (dorf.core.realtime).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction

from dorf.chat.models import Message
from dorf.core.realtime import group_send_safely, user_group


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


# A message's columns as a payload is built from them, in this order (``message_row_payload``).
MESSAGE_ROW_FIELDS = (
    "id", "room_id", "sender_id", "text", "reply_to_id", "client_msg_id", "created_at",
    "edited_at", "deleted_at", "hidden_at",
)  # fmt: skip


def message_payload(message: Message) -> dict[str, Any]:
    """What clients see of a message; a tombstone keeps its id but loses its text."""
    return message_row_payload(
        [getattr(message, name) for name in MESSAGE_ROW_FIELDS], message.sender.display_name
    )


def message_row_payload(row: Sequence[Any], display_name: str) -> dict[str, Any]:
    """``message_payload`` of a message read as a row: its ``MESSAGE_ROW_FIELDS`` values
    (datetimes aware, as the ORM gives them) and its sender's display name. The history
    and the rooms list build their JSON from rows, without a model instance each."""
    (
        message_id, room_id, sender_id, text, reply_to_id, client_msg_id, created_at,
        edited_at, deleted_at, hidden_at,
    ) = row  # fmt: skip
    return {
        "id": message_id,
        "room_id": room_id,
        "sender": {"id": sender_id, "display_name": display_name},
        "text": "" if deleted_at is not None or hidden_at is not None else text,
        "reply_to_id": reply_to_id,
        "client_msg_id": client_msg_id,
        "created_at": created_at.isoformat(),
        "edited_at": edited_at.isoformat() if edited_at else None,
        "deleted": deleted_at is not None,
        "hidden": hidden_at is not None,
    }


def _send(group: str, message: dict[str, Any]) -> None:
    group_send_safely([(group, message)])


def announce_message_on_commit(message: Message, *, prev_id: int) -> None:
    """Broadcast a new message after commit. ``prev_id`` is the room's message before it
    (read under the room lock): a socket that did not get ``prev_id`` knows it missed
    something and fetches it from the database first."""
    payload = message_payload(message)
    # The frame is rendered once here, not once per receiving socket (a room may have
    # hundreds); the event carries only what a socket needs to filter and de-duplicate.
    event = {
        "type": "room.message",
        "room_id": message.room_id,
        "id": message.pk,
        "prev_id": prev_id,
        "sender_id": message.sender_id,
        "frame": json.dumps({"type": "message.new", "message": payload}, ensure_ascii=False),
    }
    transaction.on_commit(lambda: _send(room_group(message.room_id), event))


def announce_room_event_on_commit(room_id: int, actor_id: int, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_room_event_now(room_id, actor_id, event))


def send_room_event_now(room_id: int, actor_id: int, event: dict[str, Any]) -> None:
    _send(
        room_group(room_id),
        {"type": "room.event", "room_id": room_id, "actor_id": actor_id, "event": event},
    )


def rooms_join_on_commit(user_id: int, after_ids: Mapping[int, int]) -> None:
    """The user's sockets join these rooms and replay what each room received after the
    given message id (its last message when the membership was granted): a message sent
    between the commit and the socket's subscription, such as the first message of a room
    created together with it, is not lost."""
    ids = sorted(after_ids)
    if ids:
        event = {
            "type": "rooms.join",
            "room_ids": ids,
            # Parallel to room_ids: msgpack (channels-redis) wants string keys in maps.
            "after_ids": [after_ids[room_id] for room_id in ids],
        }
        transaction.on_commit(lambda: _send(user_group(user_id), event))


def rooms_leave_on_commit(user_id: int, room_ids: Iterable[int]) -> None:
    ids = sorted(room_ids)
    if ids:
        transaction.on_commit(
            lambda: _send(user_group(user_id), {"type": "rooms.leave", "room_ids": ids})
        )


def blocks_changed_on_commit(user_ids: Iterable[int]) -> None:
    groups = [user_group(user_id) for user_id in sorted(set(user_ids))]

    def send() -> None:
        for group in groups:
            _send(group, {"type": "blocks.changed"})

    transaction.on_commit(send)
