from __future__ import annotations

import pytest

from dorf.chat import privacy, services
from dorf.chat.models import Message, RoomMember

pytestmark = pytest.mark.django_db


def test_export_contains_my_messages_reports_and_rooms(alice, bob, square):
    message, _ = services.message_send(
        user=bob.user, room_id=square.pk, text="Hallo", client_msg_id="1"
    )
    services.message_send(user=alice.user, room_id=square.pk, text="Meins", client_msg_id="2")
    services.report_create(user=alice.user, message_id=message.pk, reason="unhöflich")
    data = privacy.export_personal_data(alice.user)
    assert [m["text"] for m in data["messages"]] == ["Meins"]
    assert data["reports"][0]["reason"] == "unhöflich"
    assert [r["room_id"] for r in data["room_memberships"]] == [square.pk]


def test_erasure_turns_my_messages_into_tombstones(alice, bob, square):
    mine, _ = services.message_send(
        user=alice.user, room_id=square.pk, text="Geheim", client_msg_id="1"
    )
    theirs, _ = services.message_send(
        user=bob.user, room_id=square.pk, text="Bleibt", client_msg_id="2"
    )
    privacy.erase_personal_data(alice.user)
    mine.refresh_from_db()
    assert mine.text == ""
    assert mine.is_tombstone
    assert Message.objects.get(pk=theirs.pk).text == "Bleibt"
    assert not RoomMember.objects.filter(user=alice.user).exists()
