"""The rooms list and the history, read with hand-written SQL as rows, answer byte for
byte what the ORM's model instances and ``message_payload`` give."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db.models import F

from dorf.chat import selectors, services
from dorf.chat.models import MemberState, Message, Reaction, Room, RoomMember
from dorf.chat.realtime import MESSAGE_ROW_FIELDS, message_payload, message_row_payload
from dorf.users.models import User
from dorf.users.selectors import blocked_user_ids
from dorf.villages.models import Membership
from dorf.villages.scoping import member_village_ids
from tests.chat.read_scenario import read_scenario

pytestmark = pytest.mark.django_db


def _json(data: Any) -> bytes:
    # DRF's JSONRenderer as configured: compact, UTF-8 (the scenario has no U+2028/9).
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _rooms_by_orm(user: User) -> list[dict[str, Any]]:
    members = (
        RoomMember.objects.filter(
            user=user, state=MemberState.ACTIVE, room__village_id__in=member_village_ids(user)
        )
        .select_related("room__last_message__sender")
        .order_by(F("room__last_message_id").desc(), "-room_id")
    )
    hidden = blocked_user_ids(user)
    rooms = []
    for member in members:
        room, last = member.room, member.room.last_message
        unread = (
            Message.objects.filter(room=room, pk__gt=member.last_read_id, deleted_at=None)
            .exclude(sender=user)
            .exclude(sender_id__in=hidden)
            .count()
        )
        rooms.append(
            {
                "id": room.pk,
                "kind": room.kind,
                "title": room.title,
                "village_id": room.village_id,
                "subject_type": room.subject_type,
                "subject_id": room.subject_id,
                "role": member.role,
                "last_read_id": member.last_read_id,
                "unread_count": unread,
                "muted_until": member.muted_until.isoformat() if member.muted_until else None,
                "last_message": message_payload(last) if last is not None else None,
            }
        )
    return rooms


def _page_by_orm(user: User, room_id: int, query: dict[str, int]) -> dict[str, Any] | None:
    if not RoomMember.objects.filter(
        user=user,
        room_id=room_id,
        state=MemberState.ACTIVE,
        room__village_id__in=member_village_ids(user),
    ).exists():
        return None
    visible = list(
        Message.objects.filter(room_id=room_id)
        .exclude(sender_id__in=blocked_user_ids(user))
        .select_related("sender")
        .order_by("pk")
    )
    limit = min(query.get("limit") or 50, 200)
    if "after" in query:
        page = [m for m in visible if m.pk > query["after"]][:limit]
    else:
        page = [m for m in visible if "before" not in query or m.pk < query["before"]][-limit:]
    results = []
    for message in page:
        data = message_payload(message)
        counts: dict[str, dict[str, Any]] = {}
        for reaction in Reaction.objects.filter(message=message).order_by("pk"):
            entry = counts.setdefault(reaction.emoji, {"emoji": reaction.emoji, "count": 0})
            entry["count"] += 1
            entry["mine"] = entry.get("mine", False) or reaction.user_id == user.pk
        data["reactions"] = list(counts.values())
        results.append(data)
    return {
        "results": results,
        "oldest_id": page[0].pk if page else None,
        "newest_id": page[-1].pk if page else None,
        "has_more": len(page) == limit,
    }


def test_rooms_list_and_history_answer_what_the_orm_reads(client_for, village, outsider):
    # given: replies, edits, tombstones, reactions, blocks, a mute, empty and pending rooms
    scenario = read_scenario(village)
    for viewer in [*scenario.viewers, outsider]:
        client = client_for(viewer.user)
        for url in scenario.urls():
            # when
            response = client.get(url)
            # then
            path, _sep, query_string = url.partition("?")
            if path == "/api/v1/chat/rooms/":
                assert response.content == _json(_rooms_by_orm(viewer.user)), url
                continue
            room_id = int(path.split("/")[-3])
            query = dict(item.split("=") for item in query_string.split("&") if item)
            expected = _page_by_orm(viewer.user, room_id, {k: int(v) for k, v in query.items()})
            if expected is None:
                assert response.status_code == 404, url
            else:
                assert response.content == _json(expected), url


def _send(member: Membership, room: Room, text: str, **extra: Any) -> Message:
    message, _created = services.message_send(
        user=member.user, room_id=room.pk, text=text, client_msg_id=text, **extra
    )
    return message


def test_a_row_gives_the_same_payload_as_the_message(alice, bob, square):
    # given: a reply that was edited, then deleted
    first = _send(alice, square, "Erste")
    reply = _send(bob, square, "Antwort", reply_to_id=first.pk)
    services.message_edit(user=bob.user, message_id=reply.pk, text="Antwort, neu")
    services.message_delete(user=bob.user, message_id=reply.pk)
    # when
    message = Message.objects.select_related("sender").get(pk=reply.pk)
    row = list(Message.objects.filter(pk=reply.pk).values_list(*MESSAGE_ROW_FIELDS).get())
    # then
    assert message_row_payload(row, bob.user.display_name) == message_payload(message)
    assert message_payload(message)["text"] == ""
    assert message_payload(message)["reply_to_id"] == first.pk


def test_a_history_page_carries_each_messages_reactions_oldest_first(alice, bob, square):
    # given
    message = _send(alice, square, "Hallo")
    services.reaction_add(user=bob.user, message_id=message.pk, emoji="👍")
    services.reaction_add(user=alice.user, message_id=message.pk, emoji="🎉")
    # when
    (history,) = selectors.message_history(user=alice.user, room_id=square.pk)
    # then
    assert history.payload["id"] == message.pk
    assert history.reactions == [("👍", bob.user.pk), ("🎉", alice.user.pk)]
