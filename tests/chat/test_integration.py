"""Chat with the marketplace and clubs, over the real Redis channel layer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.urls import reverse

from dorf.chat import services
from dorf.chat.models import Message, Room, RoomKind, RoomMember
from dorf.clubs import services as club_services
from dorf.clubs.models import ClubMembership
from dorf.core.realtime import user_group
from dorf.villages.models import Membership
from tests.chat.test_consumer import connect, receive_type
from tests.factories import MembershipFactory
from tests.marketplace.factories import PostingFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
async def close_layer() -> AsyncIterator[None]:
    yield
    await get_channel_layer().flush()
    await database_sync_to_async(connections.close_all)()


async def _collect(communicator: WebsocketCommunicator, kinds: set[str]) -> dict[str, Any]:
    """The first frame of each kind, whatever their order; fails on an error frame."""
    frames: dict[str, Any] = {}
    while not kinds <= set(frames):
        frame = await communicator.receive_json_from(timeout=3)
        assert frame["type"] != "error", frame
        frames.setdefault(frame["type"], frame)
    return frames


@pytest.fixture
def carol(village, square) -> Membership:
    membership = MembershipFactory(village=village, user__first_name="Carol")
    services.village_member_verified(membership=membership)
    return membership


async def test_a_reply_over_rest_reaches_the_author_live_and_no_one_else(
    alice, bob, carol, client_for
):
    # given: alice's posting, alice online, carol online
    posting = await database_sync_to_async(PostingFactory)(
        village=alice.village, author=alice.user, title="Hecke schneiden"
    )
    a = await connect(alice.user)
    c = await connect(carol.user)
    bob_client = await database_sync_to_async(client_for)(bob.user)
    carol_client = await database_sync_to_async(client_for)(carol.user)

    # when: bob replies over REST
    url = reverse("marketplace:conversation-list", kwargs={"posting_id": posting.pk})
    response = await database_sync_to_async(bob_client.post)(url, {"text": "Ich komme Samstag"})

    # then: alice's socket joins the new room and receives the reply (it was committed
    # together with the room, before her socket subscribed)
    assert response.status_code == 201
    room_id = response.json()["room_id"]
    frames = await _collect(a, {"room.joined", "message.new", "notification"})
    assert frames["room.joined"]["room_id"] == room_id
    message = frames["message.new"]["message"]
    assert (message["room_id"], message["text"]) == (room_id, "Ich komme Samstag")
    assert message["sender"]["id"] == bob.user.pk
    assert frames["notification"]["link_type"] == "chat_message"
    assert frames["notification"]["category"] == "marketplace"
    assert await a.receive_nothing(timeout=0.3)  # and no second copy of the message
    # and: carol is not in that room: nothing reached her, its history is a 404 for her
    assert await c.receive_nothing(timeout=0.3)
    history = reverse("chat:message-list", kwargs={"room_id": room_id})
    assert (await database_sync_to_async(carol_client.get)(history)).status_code == 404
    await a.disconnect()
    await c.disconnect()


async def test_a_member_removed_from_a_club_stops_receiving_its_room_at_once(alice, bob):
    # given: alice's club with bob in it, bob online in the club room
    club = await database_sync_to_async(club_services.club_create)(membership=alice, name="Chor")
    await database_sync_to_async(club_services.club_join)(user=bob.user, club_id=club.pk)
    room = await database_sync_to_async(club_services.club_room)(club)
    b = await connect(bob.user)
    await database_sync_to_async(services.message_send)(
        user=alice.user, room_id=room.pk, text="Probe um 19 Uhr", client_msg_id="1"
    )
    assert (await receive_type(b, "message.new"))["message"]["text"] == "Probe um 19 Uhr"
    # when: the board removes him
    target = await database_sync_to_async(ClubMembership.objects.get)(club=club, user=bob.user)
    await database_sync_to_async(club_services.club_member_remove)(
        actor=alice.user, club_membership_id=target.pk
    )
    # then
    assert (await receive_type(b, "room.left"))["room_id"] == room.pk
    await database_sync_to_async(services.message_send)(
        user=alice.user, room_id=room.pk, text="Nur für Mitglieder", client_msg_id="2"
    )
    assert await b.receive_nothing(timeout=0.3)
    await b.disconnect()


async def test_joining_a_club_while_connected_delivers_its_room(alice, bob):
    club = await database_sync_to_async(club_services.club_create)(membership=alice, name="Chor")
    b = await connect(bob.user)
    await database_sync_to_async(club_services.club_join)(user=bob.user, club_id=club.pk)
    room = await database_sync_to_async(club_services.club_room)(club)
    assert (await receive_type(b, "room.joined"))["room_id"] == room.pk
    await database_sync_to_async(services.message_send)(
        user=alice.user, room_id=room.pk, text="Willkommen!", client_msg_id="1"
    )
    assert (await receive_type(b, "message.new"))["message"]["text"] == "Willkommen!"
    await b.disconnect()


def _room_with_a_message_nobody_heard(village_id: int, sender_id: int, member_id: int) -> int:
    # Stored without any broadcast: as if published before the member's socket subscribed.
    room = Room.objects.create(village_id=village_id, kind=RoomKind.GROUP, title="Neu")
    RoomMember.objects.create(room=room, user_id=sender_id)
    RoomMember.objects.create(room=room, user_id=member_id)
    Message.objects.create(room=room, sender_id=sender_id, text="Schon da", client_msg_id="x")
    return room.pk


@pytest.mark.parametrize("synced", [True, False])
async def test_a_socket_that_joins_a_room_late_gets_what_it_missed_once(alice, bob, synced):
    # given: bob online; a message in a room he was just added to went out before his
    # socket subscribed
    b = await connect(bob.user, sync=synced)
    room_id = await database_sync_to_async(_room_with_a_message_nobody_heard)(
        alice.village_id, alice.user.pk, bob.user.pk
    )
    # when: the join event arrives (after_ids: the room's last message when he joined)
    await get_channel_layer().group_send(
        user_group(bob.user.pk), {"type": "rooms.join", "room_ids": [room_id], "after_ids": [0]}
    )
    assert (await receive_type(b, "room.joined"))["room_id"] == room_id
    if not synced:
        await b.send_json_to({"type": "sync"})
    # then: the missed message arrives exactly once
    assert (await receive_type(b, "message.new"))["message"]["text"] == "Schon da"
    if not synced:
        assert (await receive_type(b, "sync.done"))["replayed"] == 1
    assert await b.receive_nothing(timeout=0.3)
    await b.disconnect()
