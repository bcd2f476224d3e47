"""Serializers of the inbound WebSocket frames (the envelope's ``type``/``ref`` removed)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dorf.chat.models import MAX_MESSAGE_CHARS
from dorf.core.serializers import InputSerializer


class EmptyFrame(InputSerializer):
    pass


class SyncFrame(InputSerializer):
    # {"<room id>": <last message id seen>}; rooms left out are not replayed.
    rooms = serializers.DictField(
        child=serializers.IntegerField(min_value=0), required=False, default=dict
    )

    def validate_rooms(self, value: dict[str, int]) -> dict[int, int]:
        try:
            rooms = {int(key): last for key, last in value.items()}
        except ValueError as exc:
            raise serializers.ValidationError(_("Room ids must be numbers.")) from exc
        if len(rooms) > 500:
            raise serializers.ValidationError(_("Too many rooms."))
        return rooms


class SendFrame(InputSerializer):
    room_id = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=MAX_MESSAGE_CHARS, trim_whitespace=False)
    client_msg_id = serializers.CharField(max_length=64)
    reply_to_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    mention_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=50
    )


class EditFrame(InputSerializer):
    message_id = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=MAX_MESSAGE_CHARS, trim_whitespace=False)


class MessageRefFrame(InputSerializer):
    message_id = serializers.IntegerField(min_value=1)


class ReactionFrame(InputSerializer):
    message_id = serializers.IntegerField(min_value=1)
    emoji = serializers.CharField(max_length=16)


class ReadFrame(InputSerializer):
    room_id = serializers.IntegerField(min_value=1)
    message_id = serializers.IntegerField(min_value=0)


class RoomFrame(InputSerializer):
    room_id = serializers.IntegerField(min_value=1)


FRAME_SERIALIZERS: dict[str, type[serializers.Serializer[Any]]] = {
    "ping": EmptyFrame,
    "sync": SyncFrame,
    "message.send": SendFrame,
    "message.edit": EditFrame,
    "message.delete": MessageRefFrame,
    "reaction.add": ReactionFrame,
    "reaction.remove": ReactionFrame,
    "read": ReadFrame,
    "typing": RoomFrame,
}
