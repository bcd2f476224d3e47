"""The data migration that moves the marketplace's reply threads into chat rooms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BEFORE = [("marketplace", "0002_conversation_room")]
AFTER = [("marketplace", "0003_reply_messages_to_chat")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_reply_threads_become_chat_rooms_and_back() -> None:
    # given: the schema before the move, with one thread of three messages
    apps = _migrate(BEFORE).loader.project_state(BEFORE).apps
    User = apps.get_model("users", "User")
    Village = apps.get_model("villages", "Village")
    Posting = apps.get_model("marketplace", "Posting")
    Conversation = apps.get_model("marketplace", "Conversation")
    ReplyMessage = apps.get_model("marketplace", "ReplyMessage")
    village = Village.objects.create(
        name="Altdorf", slug="altdorf", centre_lat=50.79, centre_lon=7.87, invite_code="alt"
    )
    author = User.objects.create(email="autor@example.org", first_name="Anna")
    replier = User.objects.create(email="helfer@example.org", first_name="Hans")
    posting = Posting.objects.create(
        village=village,
        author=author,
        kind="request",
        category="help",
        title="Hecke schneiden",
        expires_at=timezone.now() + timedelta(days=30),
    )
    conversation = Conversation.objects.create(posting=posting, replier=replier)
    written = timezone.now() - timedelta(days=3)
    for sender, text in [(replier, "Ich helfe"), (author, "Super, Samstag?"), (replier, "Gern")]:
        reply = ReplyMessage.objects.create(conversation=conversation, sender=sender, text=text)
        ReplyMessage.objects.filter(pk=reply.pk).update(created_at=written)

    try:
        # when: migrating forward
        apps = _migrate(AFTER).loader.project_state(AFTER).apps
        Conversation = apps.get_model("marketplace", "Conversation")
        Message = apps.get_model("chat", "Message")
        RoomMember = apps.get_model("chat", "RoomMember")
        # then: one private room of the two, the messages in order with their times
        moved = Conversation.objects.select_related("room").get(pk=conversation.pk)
        room = moved.room
        assert (room.kind, room.subject_type, room.subject_id, room.title) == (
            "posting",
            "posting_reply",
            conversation.pk,
            "Hecke schneiden",
        )
        members = RoomMember.objects.filter(room=room)
        assert sorted(members.values_list("user_id", flat=True)) == sorted([author.pk, replier.pk])
        messages = list(Message.objects.filter(room=room).order_by("pk"))
        assert [(m.sender_id, m.text) for m in messages] == [
            (replier.pk, "Ich helfe"),
            (author.pk, "Super, Samstag?"),
            (replier.pk, "Gern"),
        ]
        assert all(m.created_at == written for m in messages)
        assert room.last_message_id == messages[-1].pk
        assert set(members.values_list("last_read_id", flat=True)) == {messages[-1].pk}
        assert not apps.get_model("marketplace", "ReplyMessage").objects.exists()

        # when: migrating back
        apps = _migrate(BEFORE).loader.project_state(BEFORE).apps
        ReplyMessage = apps.get_model("marketplace", "ReplyMessage")
        Conversation = apps.get_model("marketplace", "Conversation")
        # then: the thread is back and the room is gone
        back = ReplyMessage.objects.filter(conversation_id=conversation.pk).order_by("pk")
        assert list(back.values_list("text", flat=True)) == ["Ich helfe", "Super, Samstag?", "Gern"]
        restored = Conversation.objects.get(pk=conversation.pk)
        assert restored.room_id is None
        assert restored.last_message_at == written
        assert not apps.get_model("chat", "Room").objects.filter(pk=room.pk).exists()
    finally:
        _migrate_to_latest()
