"""Move the marketplace's own reply threads into chat rooms.

Each Conversation gets its chat room (subject "posting_reply", its id as subject id; the
posting's author and the replier as the only members) and every ReplyMessage becomes a
chat Message in that room, in the same order and with its original time. Both members'
read markers start at the last moved message: the old threads had no read state, and a
flood of "unread" after the upgrade would be wrong.

Reverse: the chat messages of those rooms become ReplyMessages again (edits and
reactions made in the meantime are lost, tombstones are skipped) and the rooms go.
"""

from typing import Any

from django.db import migrations

SUBJECT_TYPE = "posting_reply"


def replies_to_chat(apps: Any, schema_editor: Any) -> None:
    Conversation = apps.get_model("marketplace", "Conversation")
    ReplyMessage = apps.get_model("marketplace", "ReplyMessage")
    Room = apps.get_model("chat", "Room")
    RoomMember = apps.get_model("chat", "RoomMember")
    Message = apps.get_model("chat", "Message")

    conversations = Conversation.objects.filter(room=None).select_related("posting")
    for conversation in conversations.order_by("pk").iterator(chunk_size=500):
        posting = conversation.posting
        room, _created = Room.objects.get_or_create(
            village_id=posting.village_id,
            subject_type=SUBJECT_TYPE,
            subject_id=conversation.pk,
            defaults={"kind": "posting", "title": posting.title[:120], "is_open": False},
        )
        for user_id in sorted({posting.author_id, conversation.replier_id}):
            RoomMember.objects.get_or_create(room=room, user_id=user_id)
        last = None
        for reply in ReplyMessage.objects.filter(conversation=conversation).order_by("pk"):
            last, _created = Message.objects.get_or_create(
                room=room,
                sender_id=reply.sender_id,
                client_msg_id=f"marketplace-reply-{reply.pk}",
                defaults={"text": reply.text},
            )
            # auto_now_add stamped "now"; the message keeps the time it was written.
            Message.objects.filter(pk=last.pk).update(created_at=reply.created_at)
        if last is not None:
            Room.objects.filter(pk=room.pk).update(last_message=last)
            RoomMember.objects.filter(room=room).update(last_read_id=last.pk)
        Conversation.objects.filter(pk=conversation.pk).update(room=room)
        # Moved, not copied: the next migration drops the table.
        ReplyMessage.objects.filter(conversation=conversation).delete()


def chat_to_replies(apps: Any, schema_editor: Any) -> None:
    Conversation = apps.get_model("marketplace", "Conversation")
    ReplyMessage = apps.get_model("marketplace", "ReplyMessage")
    Room = apps.get_model("chat", "Room")
    Message = apps.get_model("chat", "Message")

    conversations = Conversation.objects.exclude(room=None)
    for conversation in conversations.order_by("pk").iterator(chunk_size=500):
        room_id = conversation.room_id
        last_at = None
        messages = Message.objects.filter(room_id=room_id, deleted_at=None, hidden_at=None)
        for message in messages.order_by("pk"):
            reply = ReplyMessage.objects.create(
                conversation=conversation, sender_id=message.sender_id, text=message.text[:2000]
            )
            ReplyMessage.objects.filter(pk=reply.pk).update(created_at=message.created_at)
            last_at = message.created_at
        Conversation.objects.filter(pk=conversation.pk).update(room=None, last_message_at=last_at)
        Room.objects.filter(pk=room_id).update(last_message=None)
        Room.objects.filter(pk=room_id).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_chat"),
        ("marketplace", "0002_conversation_room"),
    ]

    operations = [
        migrations.RunPython(replies_to_chat, chat_to_replies),
    ]
