"""The one WebSocket per client: every room of the user plus their personal events.

Thin by design: authenticate, authorise through selectors, join groups, validate each
inbound frame with a serializer, call the same services as the REST API (in a worker
thread), forward group events. The frame protocol and close codes: docs/realtime.md.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from dorf.chat import selectors, services
from dorf.chat.frames import FRAME_SERIALIZERS
from dorf.chat.realtime import message_payload, room_group
from dorf.chat.tickets import PROTOCOL, handshake_ticket, ticket_consume, token_user
from dorf.core.errors import flatten_detail
from dorf.core.exceptions import DomainError
from dorf.core.parsers import HostileJSON, loads_strict
from dorf.core.realtime import user_group
from dorf.users.models import User
from dorf.users.selectors import blocked_user_ids

logger = logging.getLogger(__name__)

# Close codes (docs/realtime.md).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FLOODING = 4429
CLOSE_RESYNC = 4409
CLOSE_TOO_BIG = 1009
# Something failed on the server side (e.g. the channel layer lost Redis while joining a
# room): the socket's groups are left and the client reconnects and syncs.
CLOSE_SERVER_ERROR = 1011

MAX_FRAME_CHARS = settings.DORF_WS_MAX_FRAME_CHARS
# Token bucket per socket: a burst of RATE_BURST frames (a phone flushing its outbox after
# a reconnect), refilled at RATE_PER_S.
RATE_BURST = settings.DORF_WS_RATE_BURST
RATE_PER_S = settings.DORF_WS_RATE_PER_S
# After this many refused frames in a row the client is flooding: close.
MAX_STRIKES = 20
# Live messages held until the client's first "sync" frame.
MAX_BUFFER = 2000
# Ids remembered per room to drop a message that was both replayed and broadcast.
DEDUP_WINDOW = 4000

# Inbound frames; an unexpected error handling one answers an error frame, an unexpected
# error anywhere else closes the socket with CLOSE_SERVER_ERROR.
CLIENT_EVENTS = frozenset({"websocket.receive"})

Action = Callable[[User, dict[str, Any]], dict[str, Any]]


def _send(user: User, data: dict[str, Any]) -> dict[str, Any]:
    message, created = services.message_send(
        user=user,
        room_id=data["room_id"],
        text=data["text"],
        client_msg_id=data["client_msg_id"],
        reply_to_id=data.get("reply_to_id"),
        mention_ids=data["mention_ids"],
    )
    return {"type": "message.ack", "created": created, "message": message_payload(message)}


def _edit(user: User, data: dict[str, Any]) -> dict[str, Any]:
    message = services.message_edit(user=user, message_id=data["message_id"], text=data["text"])
    return {"type": "message.ack", "created": False, "message": message_payload(message)}


def _delete(user: User, data: dict[str, Any]) -> dict[str, Any]:
    message = services.message_delete(user=user, message_id=data["message_id"])
    return {"type": "message.ack", "created": False, "message": message_payload(message)}


def _react(user: User, data: dict[str, Any]) -> dict[str, Any]:
    services.reaction_add(user=user, message_id=data["message_id"], emoji=data["emoji"])
    return {"type": "ok"}


def _unreact(user: User, data: dict[str, Any]) -> dict[str, Any]:
    services.reaction_remove(user=user, message_id=data["message_id"], emoji=data["emoji"])
    return {"type": "ok"}


def _read(user: User, data: dict[str, Any]) -> dict[str, Any]:
    marker = services.read_marker_set(
        user=user, room_id=data["room_id"], message_id=data["message_id"]
    )
    return {"type": "read.ack", "room_id": data["room_id"], "last_read_id": marker}


ACTIONS: dict[str, Action] = {
    "message.send": _send,
    "message.edit": _edit,
    "message.delete": _delete,
    "reaction.add": _react,
    "reaction.remove": _unreact,
    "read": _read,
}


class ChatConsumer(AsyncWebsocketConsumer):
    user: User
    room_ids: set[int]
    hidden_user_ids: set[int]

    async def connect(self) -> None:
        self.user_id: int | None = None
        offered: list[str] = list(self.scope.get("subprotocols") or [])
        subprotocol = PROTOCOL if PROTOCOL in offered else None
        ticket = handshake_ticket(self.scope.get("query_string", b""))
        if ticket is not None:
            # A ticket lives in the cache (Redis), not in the database: consumed in a
            # worker thread of its own rather than queued in the one database thread that
            # every socket of the process shares. Its user is read with the rooms below.
            user_id = await sync_to_async(ticket_consume, thread_sensitive=False)(ticket)
        else:
            token_holder = await database_sync_to_async(token_user)(subprotocols=offered)
            user_id = token_holder.pk if token_holder is not None else None
        if user_id is not None:
            # The personal group first: a room granted or revoked while the rooms are
            # being read arrives as rooms.join/rooms.leave right after connect (both
            # idempotent); so does a block made or lifted (blocks.changed).
            await self._join_group(user_group(user_id))
            loaded = await database_sync_to_async(selectors.socket_state)(user_id=user_id)
        else:
            loaded = None
        if loaded is None:
            await self._leave_groups()
            # Accept, then close with a code the client can tell apart from a network error.
            await self.accept(subprotocol=subprotocol)
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        user, self.room_ids, self.hidden_user_ids = loaded
        self.user = user
        self.user_id = user.pk
        self.synced = False
        # room.message events held until the first sync
        self.buffer: list[dict[str, Any]] = []
        # Rooms joined before the first sync: replayed with it, from these ids.
        self.joined_after: dict[int, int] = {}
        self.delivered: dict[int, tuple[set[int], deque[int]]] = {}
        # Per room, the id of the newest message this socket has accounted for (sent,
        # skipped as hidden, or known to the client): a live message whose ``prev_id`` is
        # not this one reveals a gap (a broadcast lost while Redis was away), which is
        # then filled from the database before the message is sent.
        self.tips: dict[int, int] = {}
        self.tokens = float(RATE_BURST)
        self.refilled_at = time.monotonic()
        self.strikes = 0
        # Subscribe before any message is read from the database: a message committed in
        # between arrives live and is then de-duplicated against the replay.
        for room_id in sorted(self.room_ids):
            await self._join_group(room_group(room_id))
        await self.accept(subprotocol=subprotocol)
        await self._frame({"type": "hello", "user_id": user.pk, "room_ids": sorted(self.room_ids)})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the socket ended (a crash included), it leaves every group: a group
            # left subscribed would keep a dead channel in Redis for good.
            await self._leave_groups()

    async def dispatch(self, message: dict[str, Any]) -> None:
        try:
            await self._dispatch(message)
        except StopConsumer:
            raise
        except Exception:
            logger.exception("socket of user %s: %s failed", self.user_id, message.get("type"))
            if message["type"] in CLIENT_EVENTS and getattr(self, "synced", None) is not None:
                await self._error("server_error", _("Something went wrong on our side."))
                return
            await self._leave_groups()
            # No StopConsumer here: raised while handling a channel-layer event it would
            # leave this socket's own channel subscribed. The server answers the close
            # with websocket.disconnect, which ends the consumer the ordinary way.
            await self.close(code=CLOSE_SERVER_ERROR)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        # Not Channels' dispatch: it runs close_old_connections() in the single database
        # thread before every handler, a hop that every socket of the process queues for
        # (each connect, frame and broadcast; with hundreds of sockets in a room, every
        # broadcast behind every other). This consumer reaches the database only through
        # database_sync_to_async, which runs close_old_connections() around each call.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _join_group(self, group: str) -> None:
        if not hasattr(self, "groups_joined"):
            self.groups_joined: set[str] = set()
        self.groups_joined.add(group)
        await self.channel_layer.group_add(group, self.channel_name)

    async def _leave_group(self, group: str) -> None:
        joined: set[str] = getattr(self, "groups_joined", set())
        joined.discard(group)
        await self.channel_layer.group_discard(group, self.channel_name)

    async def _leave_groups(self) -> None:
        joined: set[str] = getattr(self, "groups_joined", set())
        for group in sorted(joined):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # Redis away: the local subscription is dropped regardless
                logger.warning("socket of user %s: could not leave %s", self.user_id, group)
        joined.clear()

    async def disconnect(self, code: int) -> None:
        await self._leave_groups()

    # --- inbound ------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.user_id is None:
            return
        if text_data is None:
            await self._error("unsupported", _("Only text frames are accepted."))
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.close(code=CLOSE_TOO_BIG)
            return
        if not self._take_token():
            self.strikes += 1
            if self.strikes > MAX_STRIKES:
                await self.close(code=CLOSE_FLOODING)
            else:
                await self._error("rate_limited", _("Too many frames; slow down."))
            return
        self.strikes = 0
        try:
            frame = loads_strict(text_data)
        except HostileJSON as exc:
            await self._error("malformed", str(exc.detail))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._error("malformed", _("A frame must be a JSON object with a type."))
            return
        frame_type: str = frame.pop("type")
        ref = frame.pop("ref", None)
        ref = ref if isinstance(ref, str | int) else None
        serializer_class = FRAME_SERIALIZERS.get(frame_type)
        if serializer_class is None:
            await self._error("unknown_type", _("Unknown frame type."), ref=ref)
            return
        serializer = serializer_class(data=frame)
        if not serializer.is_valid():
            await self._error(
                "invalid", _("Invalid input."), ref=ref, fields=flatten_detail(serializer.errors)
            )
            return
        data: dict[str, Any] = dict(serializer.validated_data)
        if frame_type == "ping":
            await self._frame({"type": "pong"}, ref=ref)
        elif frame_type == "sync":
            await self._replay(data["rooms"], ref)
        elif frame_type == "typing":
            await self._typing(data["room_id"], ref)
        else:
            await self._act(ACTIONS[frame_type], data, ref)

    def _take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(RATE_BURST, self.tokens + (now - self.refilled_at) * RATE_PER_S)
        self.refilled_at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def _act(self, action: Action, data: dict[str, Any], ref: str | int | None) -> None:
        try:
            reply = await database_sync_to_async(action)(self.user, data)
        except DomainError as exc:
            fields = flatten_detail(exc.fields) if exc.fields else None
            await self._error(exc.code, str(exc.message), ref=ref, fields=fields)
            return
        except ValidationError as exc:
            await self._error("invalid", _("Invalid input."), ref=ref, fields=exc.detail)
            return
        message = reply.get("message")
        if reply["type"] == "message.ack" and message and reply.get("created"):
            # The broadcast of our own message would repeat what the ack already says.
            self._remember(message["room_id"], message["id"])
        await self._frame(reply, ref=ref)

    async def _replay(self, last_seen: dict[int, int], ref: str | int | None) -> None:
        # Rooms joined since connecting are not known to the client: replay them from
        # where the membership began.
        last_seen = {**self.joined_after, **last_seen}
        self.joined_after = {}
        # One hop: the rooms' newest ids are read before the replay (everything up to
        # them is either replayed or was already known to the client), then what the
        # client missed. The block list needs no new read: it was loaded after joining the
        # user's group, which carries every change since (blocks.changed).
        self.tips, missed = await database_sync_to_async(selectors.socket_resume)(
            user=self.user, room_ids=set(self.room_ids), last_seen=last_seen
        )
        await self._deliver_payloads(missed)
        buffered, self.buffer, self.synced = self.buffer, [], True
        for event in buffered:
            await self._on_live_message(event)
        await self._frame({"type": "sync.done", "replayed": len(missed)}, ref=ref)

    async def _deliver_payloads(self, payloads: list[dict[str, Any]]) -> None:
        for payload in payloads:
            room_id = payload["room_id"]
            frame = json.dumps({"type": "message.new", "message": payload}, ensure_ascii=False)
            await self._deliver(room_id, payload["id"], payload["sender"]["id"], frame)
            if room_id in self.tips:
                self.tips[room_id] = max(self.tips[room_id], payload["id"])

    async def _fill_gaps(self, room_ids: list[int]) -> None:
        """Send what the database has after each room's tip (lost broadcasts)."""
        since = {room_id: self.tips[room_id] for room_id in room_ids if room_id in self.tips}
        if not since:
            return
        missed = await database_sync_to_async(selectors.messages_missed)(
            user=self.user, last_seen=since
        )
        per_room: dict[int, int] = {}
        for payload in missed:
            per_room[payload["room_id"]] = per_room.get(payload["room_id"], 0) + 1
        await self._deliver_payloads(missed)
        if any(count >= selectors.REPLAY_LIMIT for count in per_room.values()):
            # More was lost than a replay carries: the client reconnects and syncs.
            await self.close(code=CLOSE_RESYNC)

    async def _typing(self, room_id: int, ref: str | int | None) -> None:
        if room_id not in self.room_ids:
            await self._error("not_found", _("Not found."), ref=ref)
            return
        await self.channel_layer.group_send(
            room_group(room_id),
            {
                "type": "room.event",
                "room_id": room_id,
                "actor_id": self.user.pk,
                "event": {
                    "type": "typing",
                    "room_id": room_id,
                    "user": {"id": self.user.pk, "display_name": self.user.display_name},
                },
            },
        )

    # --- channel-layer events -------------------------------------------------------------

    async def forward(self, event: dict[str, Any]) -> None:
        await self._frame(event["event"])

    async def room_message(self, event: dict[str, Any]) -> None:
        if event["room_id"] not in self.room_ids:
            return
        if not self.synced:
            if len(self.buffer) >= MAX_BUFFER:
                await self.close(code=CLOSE_RESYNC)
                return
            self.buffer.append(event)
            return
        await self._on_live_message(event)

    async def _on_live_message(self, event: dict[str, Any]) -> None:
        room_id: int = event["room_id"]
        message_id: int = event["id"]
        tip = self.tips.get(room_id)
        prev_id = event.get("prev_id")
        if tip is not None and message_id > tip and prev_id is not None and prev_id != tip:
            # The message before this one never arrived: fetch everything after the tip
            # (this message included) from the database, in id order.
            await self._fill_gaps([room_id])
        await self._deliver(room_id, message_id, event["sender_id"], event["frame"])
        self.tips[room_id] = max(self.tips.get(room_id, message_id), message_id)

    async def layer_resync(self, event: dict[str, Any]) -> None:
        """The channel layer reconnected to Redis: broadcasts may have been lost."""
        if not self.synced:
            return  # the coming sync reads the database anyway
        await self._fill_gaps(sorted(self.tips))

    async def room_event(self, event: dict[str, Any]) -> None:
        inner: dict[str, Any] = event["event"]
        if event["room_id"] not in self.room_ids:
            return
        if inner["type"] == "typing" and event["actor_id"] == self.user.pk:
            return
        author = (inner.get("message") or {}).get("sender", {}).get("id", event["actor_id"])
        if author in self.hidden_user_ids or event["actor_id"] in self.hidden_user_ids:
            return
        await self._frame(inner)

    async def blocks_changed(self, event: dict[str, Any]) -> None:
        self.hidden_user_ids = await database_sync_to_async(blocked_user_ids)(self.user)

    async def rooms_join(self, event: dict[str, Any]) -> None:
        room_ids: list[int] = event["room_ids"]
        # Without after_ids (an event of an older process) nothing is replayed.
        after_ids: list[int | None] = event.get("after_ids") or [None] * len(room_ids)
        joined: dict[int, int] = {}
        for room_id, after_id in zip(room_ids, after_ids, strict=True):
            if room_id not in self.room_ids:
                self.room_ids.add(room_id)
                await self._join_group(room_group(room_id))
                await self._frame({"type": "room.joined", "room_id": room_id})
                if after_id is not None:
                    joined[room_id] = after_id
                    if self.synced:
                        self.tips[room_id] = after_id
        if not joined:
            return
        if not self.synced:
            self.joined_after.update(joined)
            return
        # A message committed before the group_add above reached no socket of ours: fetch
        # it now; one that also arrives live is dropped by id.
        missed = await database_sync_to_async(selectors.messages_missed)(
            user=self.user, last_seen=joined
        )
        await self._deliver_payloads(missed)

    async def rooms_leave(self, event: dict[str, Any]) -> None:
        for room_id in event["room_ids"]:
            if room_id in self.room_ids:
                self.room_ids.discard(room_id)
                await self._leave_group(room_group(room_id))
                self.delivered.pop(room_id, None)
                self.tips.pop(room_id, None)
                await self._frame({"type": "room.left", "room_id": room_id})

    # --- outbound ---------------------------------------------------------------------------

    def _remember(self, room_id: int, message_id: int) -> bool:
        """Record a delivered id; False when it was delivered before."""
        seen, order = self.delivered.setdefault(room_id, (set(), deque()))
        if message_id in seen:
            return False
        seen.add(message_id)
        order.append(message_id)
        if len(order) > DEDUP_WINDOW:
            seen.discard(order.popleft())
        return True

    async def _deliver(self, room_id: int, message_id: int, sender_id: int, frame: str) -> None:
        """Send a message.new frame unless hidden (blocked sender, a room left since it was
        held back) or already sent."""
        if sender_id in self.hidden_user_ids or room_id not in self.room_ids:
            return
        if self._remember(room_id, message_id):
            await self.send(text_data=frame)

    async def _frame(self, frame: dict[str, Any], ref: str | int | None = None) -> None:
        if ref is not None:
            frame = {**frame, "ref": ref}
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    async def _error(
        self,
        code: str,
        message: str,
        *,
        ref: str | int | None = None,
        fields: Any = None,
    ) -> None:
        error: dict[str, Any] = {"code": code, "message": message}
        if fields:
            error["fields"] = fields
        await self._frame({"type": "error", "error": error}, ref=ref)
