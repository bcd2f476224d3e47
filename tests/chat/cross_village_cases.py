from __future__ import annotations

from typing import Any

from dorf.chat import services
from dorf.chat.models import Room
from dorf.villages.models import Village
from tests.chat.factories import MessageFactory, RoomFactory, RoomMemberFactory
from tests.cross_village import Case, register
from tests.factories import MembershipFactory


def _group(village: Village) -> Room:
    room = RoomFactory(village=village, is_open=True)
    member = MembershipFactory(village=village)
    RoomMemberFactory(room=room, user=member.user, role="admin")
    return room


def _room(village: Village) -> dict[str, Any]:
    return {"room_id": _group(village).pk}


def _room_member(village: Village) -> dict[str, Any]:
    room = _group(village)
    pending = MembershipFactory(village=village)
    RoomMemberFactory(room=room, user=pending.user, state="pending")
    return {"room_id": room.pk, "user_id": pending.user_id}


def _message(village: Village) -> dict[str, Any]:
    room = _group(village)
    sender = room.members.get().user
    return {"message_id": MessageFactory(room=room, sender=sender).pk}


def _report(village: Village) -> dict[str, Any]:
    room = _group(village)
    sender = room.members.get().user
    message = MessageFactory(room=room, sender=sender)
    reporter = MembershipFactory(village=village)
    RoomMemberFactory(room=room, user=reporter.user)
    report = services.report_create(user=reporter.user, message_id=message.pk, reason="x")
    return {"slug": village.slug, "report_id": report.pk}


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


register(Case("chat:room-detail", _room))
register(Case("chat:room-join", _room, methods=("post",)))
register(Case("chat:room-leave", _room, methods=("post",)))
register(Case("chat:room-read", _room, methods=("post",), body={"message_id": 1}))
register(
    Case(
        "chat:message-list",
        _room,
        methods=("get", "post"),
        body={"text": "x", "client_msg_id": "1"},
    )
)
register(Case("chat:member-approve", _room_member, methods=("post",)))
register(Case("chat:member-mute", _room_member, methods=("post",), body={"minutes": 5}))
register(
    Case("chat:message-detail", _message, methods=("patch", "delete"), body={"text": "geändert"})
)
register(Case("chat:reactions", _message, methods=("post",), body={"emoji": "👍"}))
register(Case("chat:message-hide", _message, methods=("post",)))
register(Case("chat:group-create", _slug, methods=("post",), body={"title": "x"}))
register(Case("chat:direct-open", _slug, methods=("post",), body={"user_id": 1}))
register(Case("chat:report-queue", _slug))
register(Case("chat:report-resolve", _report, methods=("post",), body={"action": "dismiss"}))
