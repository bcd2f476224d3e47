from __future__ import annotations

from typing import Any

from django.utils import timezone

from dorf.chat.models import Message, Reaction, Report, RoomMember
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "messages": [
            {
                "id": m.pk,
                "room_id": m.room_id,
                "text": m.text,
                "created_at": m.created_at.isoformat(),
                "edited_at": m.edited_at.isoformat() if m.edited_at else None,
                "deleted": m.deleted_at is not None,
            }
            for m in Message.objects.filter(sender=user).order_by("id")
        ],
        "reactions": [
            {"message_id": r.message_id, "emoji": r.emoji, "created_at": r.created_at.isoformat()}
            for r in Reaction.objects.filter(user=user).order_by("id")
        ],
        "reports": [
            {
                "id": r.pk,
                "message_id": r.message_id,
                "reported_user_id": r.reported_user_id,
                "reason": r.reason,
                "state": r.state,
                "created_at": r.created_at.isoformat(),
            }
            for r in Report.objects.filter(reporter=user).order_by("id")
        ],
        "room_memberships": [
            {
                "room_id": m.room_id,
                "kind": m.room.kind,
                "title": m.room.title,
                "role": m.role,
                "state": m.state,
                "joined_at": m.joined_at.isoformat(),
            }
            for m in RoomMember.objects.filter(user=user).select_related("room").order_by("id")
        ],
    }


def erase_personal_data(user: User) -> None:
    """Every message becomes a tombstone (ids stay, so threads and replays keep their shape)."""
    now = timezone.now()
    Message.objects.filter(sender=user, deleted_at=None).update(text="", deleted_at=now)
    Message.objects.filter(sender=user).update(text="")
    Reaction.objects.filter(user=user).delete()
    Report.objects.filter(reporter=user).update(reason="")
    RoomMember.objects.filter(user=user).delete()
