"""The WebSocket consumer on the real Redis channel layer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections

from config.asgi import application
from dorf.chat import services
from dorf.chat.models import Message
from dorf.chat.tickets import ticket_issue
from dorf.core.realtime import group_send_now, user_group
from dorf.users.models import User
from dorf.villages.services import block_create, membership_ban

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture(autouse=True)
async def close_layer() -> AsyncIterator[None]:
    yield
    await get_channel_layer().flush()
    # The consumer's worker thread holds a connection; the test database must be droppable.
    await database_sync_to_async(connections.close_all)()


async def connect(user: User, *, sync: bool = True) -> WebsocketCommunicator:
    ticket = await database_sync_to_async(ticket_issue)(user=user)
    communicator = WebsocketCommunicator(application, f"/ws/?ticket={ticket}", headers=[ORIGIN])
    connected, _protocol = await communicator.connect()
    assert connected
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    if sync:
        await communicator.send_json_to({"type": "sync"})
        assert (await communicator.receive_json_from())["type"] == "sync.done"
    return communicator


async def send_frame(communicator: WebsocketCommunicator, **frame: Any) -> dict[str, Any]:
    await communicator.send_json_to(frame)
    reply: dict[str, Any] = await communicator.receive_json_from(timeout=3)
    return reply


async def receive_type(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    for _ in range(20):
        frame: dict[str, Any] = await communicator.receive_json_from(timeout=3)
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


async def test_two_residents_exchange_messages_without_duplicates(alice, bob, square):
    # given
    a = await connect(alice.user)
    b = await connect(bob.user)
    # when
    ack = await send_frame(
        a,
        type="message.send",
        room_id=square.pk,
        text="Moin @Bob!",
        client_msg_id="m1",
        mention_ids=[bob.user.pk],
        ref="r1",
    )
    # then
    assert ack["type"] == "message.ack"
    assert ack["ref"] == "r1"
    received = await receive_type(b, "message.new")
    assert received["message"]["id"] == ack["message"]["id"]
    assert received["message"]["text"] == "Moin @Bob!"
    notification = await receive_type(b, "notification")  # the mention, live
    assert notification["category"] == "mention"
    assert await a.receive_nothing(timeout=0.3)  # the sender gets no duplicate broadcast
    await a.disconnect()
    await b.disconnect()


async def test_an_anonymous_socket_is_closed_with_4401():
    communicator = WebsocketCommunicator(application, "/ws/?ticket=nope", headers=[ORIGIN])
    connected, _ = await communicator.connect()
    assert connected
    output = await communicator.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": 4401}


async def test_a_ticket_works_only_once(alice):
    ticket = await database_sync_to_async(ticket_issue)(user=alice.user)
    first = WebsocketCommunicator(application, f"/ws/?ticket={ticket}", headers=[ORIGIN])
    assert (await first.connect())[0]
    second = WebsocketCommunicator(application, f"/ws/?ticket={ticket}", headers=[ORIGIN])
    await second.connect()
    assert (await second.receive_output(timeout=3))["code"] == 4401
    await first.disconnect()


async def test_a_bearer_token_in_the_subprotocol_authenticates(alice):
    from dorf.users.services import token_issue

    _token, raw = await database_sync_to_async(token_issue)(user=alice.user)
    communicator = WebsocketCommunicator(
        application, "/ws/", headers=[ORIGIN], subprotocols=["dorf.v1", f"bearer.{raw}"]
    )
    connected, protocol = await communicator.connect()
    assert connected
    assert protocol == "dorf.v1"
    assert (await communicator.receive_json_from())["type"] == "hello"
    await communicator.disconnect()


async def test_a_foreign_origin_is_refused(alice):
    ticket = await database_sync_to_async(ticket_issue)(user=alice.user)
    communicator = WebsocketCommunicator(
        application, f"/ws/?ticket={ticket}", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_reconnecting_with_the_last_id_replays_exactly_what_was_missed(alice, bob, square):
    # given: bob saw one message, then went offline while alice sent three
    seen, _ = await database_sync_to_async(services.message_send)(
        user=alice.user, room_id=square.pk, text="vorher", client_msg_id="0"
    )
    missed = []
    for i in range(3):
        message, _ = await database_sync_to_async(services.message_send)(
            user=alice.user, room_id=square.pk, text=f"verpasst {i}", client_msg_id=str(i + 1)
        )
        missed.append(message.pk)
    # when
    b = await connect(bob.user, sync=False)
    await b.send_json_to({"type": "sync", "rooms": {str(square.pk): seen.pk}})
    frames = [await b.receive_json_from(timeout=3) for _ in range(4)]
    # then
    assert [f["message"]["id"] for f in frames[:3]] == missed
    assert frames[3] == {"type": "sync.done", "replayed": 3}
    await b.disconnect()


async def test_live_messages_before_the_sync_are_held_and_deduplicated(alice, bob, square):
    # given: bob is connected but has not synced yet
    b = await connect(bob.user, sync=False)
    message, _ = await database_sync_to_async(services.message_send)(
        user=alice.user, room_id=square.pk, text="live", client_msg_id="x"
    )
    assert await b.receive_nothing(timeout=0.3)
    # when: the replay contains the same message the broadcast carried
    await b.send_json_to({"type": "sync", "rooms": {str(square.pk): 0}})
    # then: exactly once
    first = await b.receive_json_from(timeout=3)
    done = await b.receive_json_from(timeout=3)
    assert first["message"]["id"] == message.pk
    assert done["type"] == "sync.done"
    assert await b.receive_nothing(timeout=0.3)
    await b.disconnect()


async def test_bad_frames_get_an_error_and_leave_the_socket_usable(alice):
    a = await connect(alice.user)
    for frame, code in [
        ("not json", "malformed"),
        ("[1, 2]", "malformed"),
        ('{"type": "launch.rocket"}', "unknown_type"),
        ('{"type": "message.send", "room_id": 1}', "invalid"),
        ('{"type": "ping", "extra": 1}', "invalid"),
    ]:
        await a.send_to(text_data=frame)
        reply = await a.receive_json_from(timeout=3)
        assert reply["type"] == "error", frame
        assert reply["error"]["code"] == code, frame
    assert (await send_frame(a, type="ping"))["type"] == "pong"
    await a.disconnect()


async def test_oversized_text_non_member_room_and_other_village_are_refused(
    alice, bob, square, outsider
):
    # given
    group = await database_sync_to_async(services.group_create)(
        membership=bob, title="Privat", is_open=False
    )
    a = await connect(alice.user)
    # when / then
    too_long = await send_frame(
        a, type="message.send", room_id=square.pk, text="x" * 4001, client_msg_id="1"
    )
    assert too_long["error"]["code"] == "invalid"
    not_member = await send_frame(
        a, type="message.send", room_id=group.pk, text="hi", client_msg_id="2"
    )
    assert not_member["error"]["code"] == "not_found"
    o = await connect(outsider.user)
    foreign = await send_frame(
        o, type="message.send", room_id=square.pk, text="hi", client_msg_id="3"
    )
    assert foreign["error"]["code"] == "not_found"
    assert await database_sync_to_async(Message.objects.count)() == 0
    await a.disconnect()
    await o.disconnect()


async def test_a_frame_above_the_size_cap_closes_with_1009(alice):
    a = await connect(alice.user)
    await a.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 20000}))
    assert (await a.receive_output(timeout=3)) == {"type": "websocket.close", "code": 1009}


async def test_flooding_is_answered_with_rate_limited_errors_then_closed(alice):
    a = await connect(alice.user)
    for _ in range(100):
        await a.send_json_to({"type": "ping"})
    outputs = []
    while True:
        output = await a.receive_output(timeout=3)
        outputs.append(output)
        if output["type"] == "websocket.close":
            break
    errors = [json.loads(o["text"]) for o in outputs if o["type"] == "websocket.send"]
    assert sum(1 for e in errors if e["type"] == "pong") >= 45
    assert any(e.get("error", {}).get("code") == "rate_limited" for e in errors)
    assert outputs[-1]["code"] == 4429


async def test_a_muted_member_gets_an_error_frame(alice, mod, square):
    await database_sync_to_async(services.member_mute)(
        actor=mod, room_id=square.pk, user_id=alice.user.pk, minutes=5
    )
    a = await connect(alice.user)
    reply = await send_frame(
        a, type="message.send", room_id=square.pk, text="hi", client_msg_id="1"
    )
    assert reply["error"]["code"] == "muted"
    await a.disconnect()


async def test_a_ban_while_connected_stops_the_room_at_once(alice, bob, mod, square):
    # given
    b = await connect(bob.user)
    # when
    await database_sync_to_async(membership_ban)(actor=mod, membership_id=bob.pk, reason="Spam")
    # then
    left = await receive_type(b, "room.left")
    assert left["room_id"] == square.pk
    await database_sync_to_async(services.message_send)(
        user=alice.user, room_id=square.pk, text="nach dem Bann", client_msg_id="1"
    )
    assert await b.receive_nothing(timeout=0.3)
    await b.disconnect()


async def test_joining_a_group_while_connected_delivers_it_at_once(alice, bob):
    b = await connect(bob.user)
    group = await database_sync_to_async(services.group_create)(
        membership=alice, title="Neu", is_open=True
    )
    await database_sync_to_async(services.group_join)(user=bob.user, room_id=group.pk)
    assert (await receive_type(b, "room.joined"))["room_id"] == group.pk
    await database_sync_to_async(services.message_send)(
        user=alice.user, room_id=group.pk, text="Willkommen", client_msg_id="1"
    )
    assert (await receive_type(b, "message.new"))["message"]["text"] == "Willkommen"
    await b.disconnect()


async def test_personal_events_of_other_apps_are_forwarded_unchanged(alice):
    a = await connect(alice.user)
    await database_sync_to_async(group_send_now)(
        user_group(alice.user.pk), "balance.changed", {"balance_minutes": 90}
    )
    assert await a.receive_json_from(timeout=3) == {
        "type": "balance.changed",
        "balance_minutes": 90,
    }
    await a.disconnect()


async def test_blocked_users_live_messages_and_typing_are_hidden(alice, bob, square):
    await database_sync_to_async(block_create)(blocker=bob.user, blocked_id=alice.user.pk)
    b = await connect(bob.user)
    a = await connect(alice.user)
    await a.send_json_to({"type": "typing", "room_id": square.pk})
    await send_frame(a, type="message.send", room_id=square.pk, text="hallo", client_msg_id="1")
    assert await b.receive_nothing(timeout=0.5)
    await a.disconnect()
    await b.disconnect()


async def test_a_block_made_while_connected_hides_live_messages_at_once(alice, bob, square):
    # given: both online, nothing blocked
    a = await connect(alice.user)
    b = await connect(bob.user)
    # when
    await database_sync_to_async(block_create)(blocker=bob.user, blocked_id=alice.user.pk)
    await asyncio.sleep(0.3)  # the blocks.changed event reaches bob's socket
    await send_frame(a, type="message.send", room_id=square.pk, text="hallo", client_msg_id="1")
    # then
    assert await b.receive_nothing(timeout=0.5)
    await a.disconnect()
    await b.disconnect()


async def test_typing_reaches_others_but_is_never_stored(alice, bob, square):
    a = await connect(alice.user)
    b = await connect(bob.user)
    await a.send_json_to({"type": "typing", "room_id": square.pk})
    typing = await b.receive_json_from(timeout=3)
    assert typing["type"] == "typing"
    assert typing["user"]["id"] == alice.user.pk
    assert await a.receive_nothing(timeout=0.3)
    assert await database_sync_to_async(Message.objects.count)() == 0
    await a.disconnect()
    await b.disconnect()


async def test_edits_reactions_and_read_markers_over_the_socket(alice, bob, square):
    a = await connect(alice.user)
    b = await connect(bob.user)
    ack = await send_frame(
        a, type="message.send", room_id=square.pk, text="Tipfeler", client_msg_id="1"
    )
    message_id = ack["message"]["id"]
    await receive_type(b, "message.new")
    edit = await send_frame(a, type="message.edit", message_id=message_id, text="Tippfehler")
    assert edit["message"]["edited_at"]
    assert (await receive_type(b, "message.updated"))["message"]["text"] == "Tippfehler"
    assert (await send_frame(b, type="reaction.add", message_id=message_id, emoji="👍"))[
        "type"
    ] == "ok"
    assert (await receive_type(a, "reaction.added"))["emoji"] == "👍"
    await b.send_json_to({"type": "read", "room_id": square.pk, "message_id": message_id})
    read = await receive_type(b, "read.ack")
    assert read == {"type": "read.ack", "room_id": square.pk, "last_read_id": message_id}
    await send_frame(a, type="message.delete", message_id=message_id)
    tomb = await receive_type(b, "message.updated")
    assert tomb["message"]["deleted"] is True
    assert tomb["message"]["text"] == ""
    await a.disconnect()
    await b.disconnect()
