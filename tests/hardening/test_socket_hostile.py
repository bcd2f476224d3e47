"""The WebSocket under hostile frames, crashes and lost broadcasts (issue 13, items 3 and 6)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections

from config.asgi import application
from dorf.chat import consumers, realtime, services
from dorf.chat.consumers import ChatConsumer
from dorf.chat.tickets import ticket_issue
from dorf.core import realtime as core_realtime
from dorf.core.realtime import group_send_now, user_group
from dorf.users.models import User

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture(autouse=True)
async def close_layer() -> AsyncIterator[None]:
    yield
    await get_channel_layer().flush()
    await database_sync_to_async(connections.close_all)()


async def connect(user: User) -> WebsocketCommunicator:
    ticket = await database_sync_to_async(ticket_issue)(user=user)
    communicator = WebsocketCommunicator(application, f"/ws/?ticket={ticket}", headers=[ORIGIN])
    connected, _protocol = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    await communicator.send_json_to({"type": "sync"})
    assert (await communicator.receive_json_from())["type"] == "sync.done"
    return communicator


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    for _ in range(20):
        frame: dict[str, Any] = await communicator.receive_json_from(timeout=3)
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def _channel_count() -> int:
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    try:
        return len(client.pubsub_channels(f"{prefix}*"))
    finally:
        client.close()


@pytest.mark.parametrize(
    "frame",
    [
        "[" * 5000 + "]" * 5000,
        '{"type": "ping", "x": ' + '{"a":' * 40 + "1" + "}" * 40 + "}",
        '{"type": "ping", "x": "\\u0000"}',
        '{"type": "ping", "x": 1e999}',
        '{"type": "ping", "x": "\\ud800"}',
    ],
    ids=["5000-brackets", "40-objects", "nul", "infinity", "surrogate"],
)
async def test_a_hostile_frame_gets_an_error_frame_and_the_socket_stays_usable(
    alice, square, frame: str
) -> None:
    socket = await connect(alice.user)
    # when
    await socket.send_to(text_data=frame)
    # then
    error = await socket.receive_json_from(timeout=3)
    assert error["type"] == "error"
    assert error["error"]["code"] == "malformed"
    await socket.send_json_to({"type": "ping", "ref": 1})
    assert await socket.receive_json_from(timeout=3) == {"type": "pong", "ref": 1}
    await socket.disconnect()


async def test_an_unexpected_error_on_a_frame_answers_server_error_and_keeps_the_socket(
    alice, square, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(user: User, data: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("bug")

    monkeypatch.setitem(consumers.ACTIONS, "read", boom)
    socket = await connect(alice.user)
    await socket.send_json_to({"type": "read", "room_id": square.pk, "message_id": 1, "ref": "r"})
    error = await socket.receive_json_from(timeout=3)
    assert error["type"] == "error"
    assert error["error"]["code"] == "server_error"
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=3))["type"] == "pong"
    await socket.disconnect()


async def test_a_crashed_socket_is_closed_with_1011_and_leaves_no_group_subscribed(
    alice, square, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a connected socket (its user group and the square's group subscribed)
    before = await database_sync_to_async(_channel_count)()

    async def crash(self: ChatConsumer, event: dict[str, Any]) -> None:
        raise RecursionError("deep")

    monkeypatch.setattr(ChatConsumer, "blocks_changed", crash)
    socket = await connect(alice.user)
    assert await database_sync_to_async(_channel_count)() > before
    # when: handling a group event fails
    await get_channel_layer().group_send(user_group(alice.user.pk), {"type": "blocks.changed"})
    # then
    output = await socket.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": 1011}
    await socket.disconnect(code=1011)
    # (UNSUBSCRIBE is sent without waiting for its reply: give Redis a moment)
    for _ in range(40):
        if await database_sync_to_async(_channel_count)() == before:
            break
        await asyncio.sleep(0.05)
    assert await database_sync_to_async(_channel_count)() == before


async def test_a_lost_broadcast_is_filled_from_the_database_before_the_next_message(
    alice, bob, square, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: bob online; the broadcast of alice's first message is lost (Redis away)
    socket = await connect(bob.user)
    real_send = core_realtime.group_send_safely
    dropped: list[Any] = []

    def lossy(messages: Any) -> None:
        if not dropped:
            dropped.append(messages)
            return
        real_send(messages)

    monkeypatch.setattr(realtime, "group_send_safely", lossy)
    send = database_sync_to_async(services.message_send)
    first, _ = await send(user=alice.user, room_id=square.pk, text="eins", client_msg_id="1")
    assert dropped
    assert await socket.receive_nothing(timeout=0.3)
    # when: the next message arrives live
    second, _ = await send(user=alice.user, room_id=square.pk, text="zwei", client_msg_id="2")
    # then: bob gets both, in order, once
    got = [
        (await next_of(socket, "message.new"))["message"]["id"],
        (await next_of(socket, "message.new"))["message"]["id"],
    ]
    assert got == [first.pk, second.pk]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_layer_reconnect_makes_the_socket_fetch_what_it_missed(
    alice, bob, square, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: bob online, and alice's last message lost with no message after it
    socket = await connect(bob.user)
    monkeypatch.setattr(realtime, "group_send_safely", lambda messages: None)
    send = database_sync_to_async(services.message_send)
    lost, _ = await send(user=alice.user, room_id=square.pk, text="weg", client_msg_id="1")
    monkeypatch.undo()
    assert await socket.receive_nothing(timeout=0.3)
    # when: the channel layer says its Redis connection came back
    await get_channel_layer().group_send(user_group(bob.user.pk), {"type": "layer.resync"})
    # then
    frame = await next_of(socket, "message.new")
    assert frame["message"]["id"] == lost.pk
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_personal_events_still_flow_after_a_resync(alice, square) -> None:
    socket = await connect(alice.user)
    await get_channel_layer().group_send(user_group(alice.user.pk), {"type": "layer.resync"})
    await database_sync_to_async(group_send_now)(
        user_group(alice.user.pk), "balance.changed", {"balance_minutes": 5}
    )
    frame = await next_of(socket, "balance.changed")
    assert json.dumps(frame)
    await socket.disconnect()
