"""Write use-cases of the chat. The REST API and the WebSocket consumer call these alike."""

from dorf.chat.services.messages import (
    message_delete,
    message_edit,
    message_send,
    reaction_add,
    reaction_remove,
    read_marker_set,
)
from dorf.chat.services.moderation import (
    member_mute,
    message_hide,
    report_create,
    report_resolve,
)
from dorf.chat.services.rooms import (
    direct_open,
    group_approve,
    group_create,
    group_join,
    room_for_subject,
    room_leave,
    room_member_add,
    room_member_remove,
    rooms_retitle,
    square_for_village,
    village_member_banned,
    village_member_verified,
)

__all__ = [
    "direct_open",
    "group_approve",
    "group_create",
    "group_join",
    "member_mute",
    "message_delete",
    "message_edit",
    "message_hide",
    "message_send",
    "reaction_add",
    "reaction_remove",
    "read_marker_set",
    "report_create",
    "report_resolve",
    "room_for_subject",
    "room_leave",
    "room_member_add",
    "room_member_remove",
    "rooms_retitle",
    "square_for_village",
    "village_member_banned",
    "village_member_verified",
]
