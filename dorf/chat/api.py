from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.chat import selectors, services
from dorf.chat.models import MAX_MESSAGE_CHARS, Message, Report, ReportAction, Room
from dorf.chat.realtime import message_payload
from dorf.chat.tickets import TICKET_TTL_S, ticket_issue
from dorf.core.exceptions import ValidationFailed
from dorf.core.pagination import IdCursorPagination, OldestFirstCursorPagination, paginate
from dorf.core.schema import error_responses
from dorf.core.serializers import InputSerializer
from dorf.users.requests import AuthedRequest
from dorf.villages.scoping import require_member_by_slug

# --- output -------------------------------------------------------------------------------


class SenderSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class _MessageFields(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    room_id = serializers.IntegerField()
    sender = SenderSerializer()
    text = serializers.CharField(allow_blank=True)
    reply_to_id = serializers.IntegerField(allow_null=True)
    client_msg_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    hidden = serializers.BooleanField()


class MessagePayloadSerializer(_MessageFields):
    """A message exactly as the socket's ``message.new`` frame carries it
    (``dorf.chat.realtime.message_payload``); a tombstone keeps its id, its text is ""."""

    def to_representation(self, message: Message) -> dict[str, Any]:
        return message_payload(message)


class ReactionCountSerializer(serializers.Serializer[Any]):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    mine = serializers.BooleanField(help_text="Whether I reacted with this emoji.")


class MessageSerializer(_MessageFields):
    """A message as in the socket's frames, plus reaction counts for the viewer."""

    reactions = ReactionCountSerializer(many=True)

    def to_representation(self, message: selectors.HistoryMessage) -> dict[str, Any]:
        return history_message(message, viewer_id=self.context.get("viewer_id"))


def history_message(message: selectors.HistoryMessage, *, viewer_id: int | None) -> dict[str, Any]:
    """``MessageSerializer``'s output, without a serializer per page: the history view
    calls it for each message (DRF's context lookup per message cost more than this)."""
    data = message.payload
    counts: dict[str, dict[str, Any]] = {}
    for emoji, user_id in message.reactions:
        entry = counts.setdefault(emoji, {"emoji": emoji, "count": 0})
        entry["count"] += 1
        entry["mine"] = entry.get("mine", False) or user_id == viewer_id
    data["reactions"] = list(counts.values())
    return data


class RoomSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    is_open = serializers.BooleanField()
    subject_type = serializers.CharField()
    subject_id = serializers.IntegerField(allow_null=True)
    village = serializers.SlugField(source="village.slug")


class GroupSerializer(RoomSerializer):
    """A group in the village's list of open groups."""

    member_count = serializers.IntegerField(help_text="Active members.")
    is_member = serializers.BooleanField(help_text="Whether you are already in it.")
    created_at = serializers.DateTimeField()


class MyRoomSerializer(serializers.Serializer[Any]):
    """One of my rooms with my read marker, unread count and its last message."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    village_id = serializers.IntegerField(allow_null=True)
    subject_type = serializers.CharField(allow_blank=True)
    subject_id = serializers.IntegerField(allow_null=True)
    role = serializers.CharField()
    last_read_id = serializers.IntegerField(allow_null=True)
    unread_count = serializers.IntegerField()
    muted_until = serializers.DateTimeField(allow_null=True)
    last_message = MessagePayloadSerializer(allow_null=True)

    def to_representation(self, room: dict[str, Any]) -> dict[str, Any]:
        muted_until = room["muted_until"]
        return {
            "id": room["id"],
            "kind": room["kind"],
            "title": room["title"],
            "village_id": room["village_id"],
            "subject_type": room["subject_type"],
            "subject_id": room["subject_id"],
            "role": room["role"],
            "last_read_id": room["last_read_id"],
            "unread_count": room["unread_count"],
            "muted_until": muted_until.isoformat() if muted_until else None,
            "last_message": room["last_message"],  # its message_payload already
        }


class RoomMemberSerializer(serializers.Serializer[Any]):
    room_id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    role = serializers.CharField()
    state = serializers.CharField()


class ReportSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reporter_id = serializers.IntegerField()
    reported_user_id = serializers.IntegerField()
    message_id = serializers.IntegerField(allow_null=True)
    message_text = serializers.SerializerMethodField()
    reason = serializers.CharField()
    state = serializers.CharField()
    action = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_message_text(self, report: Report) -> str | None:
        # Moderators see what was reported, even when it has been hidden since.
        return report.message.text if report.message is not None else None


class TicketSerializer(serializers.Serializer[Any]):
    ticket = serializers.CharField(help_text="Single use: `/ws/?ticket=…` within `expires_in`.")
    expires_in = serializers.IntegerField(help_text="Seconds.")


class MessagePageSerializer(serializers.Serializer[Any]):
    results = MessageSerializer(many=True)
    oldest_id = serializers.IntegerField(allow_null=True)
    newest_id = serializers.IntegerField(allow_null=True)
    has_more = serializers.BooleanField()


class MessageSearchSerializer(serializers.Serializer[Any]):
    results = MessagePayloadSerializer(many=True)


class ReadMarkerSerializer(serializers.Serializer[Any]):
    room_id = serializers.IntegerField()
    last_read_id = serializers.IntegerField(allow_null=True)


class ReportCreatedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    state = serializers.CharField()


# --- input --------------------------------------------------------------------------------


class GroupCreateSerializer(InputSerializer):
    title = serializers.CharField(max_length=120)
    is_open = serializers.BooleanField(default=True)


class DirectOpenSerializer(InputSerializer):
    user_id = serializers.IntegerField(min_value=1)


class MessageSendSerializer(InputSerializer):
    text = serializers.CharField(max_length=MAX_MESSAGE_CHARS, trim_whitespace=False)
    client_msg_id = serializers.CharField(max_length=64)
    reply_to_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    mention_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=50
    )


class EditSerializer(InputSerializer):
    text = serializers.CharField(max_length=MAX_MESSAGE_CHARS, trim_whitespace=False)


class ReactionSerializer(InputSerializer):
    emoji = serializers.CharField(max_length=16)


class ReadSerializer(InputSerializer):
    message_id = serializers.IntegerField(min_value=0)


class ReportCreateSerializer(InputSerializer):
    reason = serializers.CharField(max_length=1000)
    message_id = serializers.IntegerField(min_value=1, required=False)
    village = serializers.SlugField(required=False)
    user_id = serializers.IntegerField(min_value=1, required=False)


class ReportResolveSerializer(InputSerializer):
    action = serializers.ChoiceField(choices=ReportAction.choices)
    minutes = serializers.IntegerField(min_value=1, required=False)


class MuteSerializer(InputSerializer):
    minutes = serializers.IntegerField(min_value=1)


def _int_param(request: AuthedRequest, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationFailed(fields={name: [_("A whole number is required.")]}) from exc
    if value < 0:
        raise ValidationFailed(fields={name: [_("Must not be negative.")]})
    return value


# --- views --------------------------------------------------------------------------------


class TicketView(APIView):
    @extend_schema(
        request=None,
        responses={201: TicketSerializer, **error_responses(503)},
        tags=["chat"],
    )
    def post(self, request: AuthedRequest) -> Response:
        ticket = ticket_issue(user=request.user)
        return Response(
            {"ticket": ticket, "expires_in": TICKET_TTL_S}, status=status.HTTP_201_CREATED
        )


class MyRoomListView(APIView):
    @extend_schema(responses=MyRoomSerializer(many=True), tags=["chat"])
    def get(self, request: AuthedRequest) -> Response:
        rooms = selectors.my_rooms(user=request.user)
        return Response(MyRoomSerializer(rooms, many=True).data)


class GroupCreateView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        summary="The open groups of the village",
        description="Residents' groups anyone in the village may join at once, newest first, "
        "with their member counts.",
        responses=GroupSerializer(many=True),
        tags=["chat"],
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        groups = selectors.open_group_list(user=request.user, village_id=membership.village_id)
        return paginate(self, request, groups, GroupSerializer)

    @extend_schema(request=GroupCreateSerializer, responses={201: RoomSerializer}, tags=["chat"])
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = GroupCreateSerializer.parse(request.data)
        room = services.group_create(membership=membership, **data)
        return Response(RoomSerializer(room).data, status=status.HTTP_201_CREATED)


class DirectOpenView(APIView):
    @extend_schema(request=DirectOpenSerializer, responses={200: RoomSerializer}, tags=["chat"])
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = DirectOpenSerializer.parse(request.data)
        room = services.direct_open(membership=membership, other_user_id=data["user_id"])
        return Response(RoomSerializer(room).data)


class RoomDetailView(APIView):
    @extend_schema(responses=RoomSerializer, tags=["chat"])
    def get(self, request: AuthedRequest, room_id: int) -> Response:
        room: Room = selectors.room_visible(user=request.user, room_id=room_id)
        return Response(RoomSerializer(room).data)


class RoomJoinView(APIView):
    @extend_schema(request=None, responses=RoomMemberSerializer, tags=["chat"])
    def post(self, request: AuthedRequest, room_id: int) -> Response:
        member = services.group_join(user=request.user, room_id=room_id)
        return Response(RoomMemberSerializer(member).data)


class RoomLeaveView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["chat"])
    def post(self, request: AuthedRequest, room_id: int) -> Response:
        services.room_leave(user=request.user, room_id=room_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberApproveView(APIView):
    @extend_schema(request=None, responses=RoomMemberSerializer, tags=["chat"])
    def post(self, request: AuthedRequest, room_id: int, user_id: int) -> Response:
        member = services.group_approve(actor=request.user, room_id=room_id, user_id=user_id)
        return Response(RoomMemberSerializer(member).data)


class MemberMuteView(APIView):
    @extend_schema(request=MuteSerializer, responses=RoomMemberSerializer, tags=["chat"])
    def post(self, request: AuthedRequest, room_id: int, user_id: int) -> Response:
        room = selectors.room_visible(user=request.user, room_id=room_id)
        membership = require_member_by_slug(request.user, room.village.slug)
        data = MuteSerializer.parse(request.data)
        member = services.member_mute(actor=membership, room_id=room_id, user_id=user_id, **data)
        return Response(RoomMemberSerializer(member).data)


class MessageListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("before", int, required=False),
            OpenApiParameter("after", int, required=False),
            OpenApiParameter("limit", int, required=False),
        ],
        responses=MessagePageSerializer,
        tags=["chat"],
        description="Oldest first. `before`/`after` an id page back or forward.",
    )
    def get(self, request: AuthedRequest, room_id: int) -> Response:
        limit = min(_int_param(request, "limit") or 50, 200)
        messages = selectors.message_history(
            user=request.user,
            room_id=room_id,
            before=_int_param(request, "before"),
            after=_int_param(request, "after"),
            limit=limit,
        )
        viewer_id = request.user.pk
        return Response(
            {
                "results": [history_message(m, viewer_id=viewer_id) for m in messages],
                "oldest_id": messages[0].payload["id"] if messages else None,
                "newest_id": messages[-1].payload["id"] if messages else None,
                "has_more": len(messages) == limit,
            }
        )

    @extend_schema(
        request=MessageSendSerializer,
        responses={201: MessagePayloadSerializer, 200: MessagePayloadSerializer},
        tags=["chat"],
        description="201 for a new message; 200 when `client_msg_id` repeats one I sent.",
    )
    def post(self, request: AuthedRequest, room_id: int) -> Response:
        data = MessageSendSerializer.parse(request.data)
        message, created = services.message_send(user=request.user, room_id=room_id, **data)
        return Response(
            message_payload(message),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MessageDetailView(APIView):
    @extend_schema(request=EditSerializer, responses=MessagePayloadSerializer, tags=["chat"])
    def patch(self, request: AuthedRequest, message_id: int) -> Response:
        data = EditSerializer.parse(request.data)
        message = services.message_edit(user=request.user, message_id=message_id, text=data["text"])
        return Response(message_payload(message))

    @extend_schema(request=None, responses={200: MessagePayloadSerializer}, tags=["chat"])
    def delete(self, request: AuthedRequest, message_id: int) -> Response:
        message = services.message_delete(user=request.user, message_id=message_id)
        return Response(message_payload(message))


class ReactionView(APIView):
    @extend_schema(request=ReactionSerializer, responses={204: None}, tags=["chat"])
    def post(self, request: AuthedRequest, message_id: int) -> Response:
        data = ReactionSerializer.parse(request.data)
        services.reaction_add(user=request.user, message_id=message_id, emoji=data["emoji"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("emoji", str)],
        request=None,
        responses={204: None},
        tags=["chat"],
    )
    def delete(self, request: AuthedRequest, message_id: int) -> Response:
        services.reaction_remove(
            user=request.user, message_id=message_id, emoji=request.query_params.get("emoji", "")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageHideView(APIView):
    @extend_schema(request=None, responses=MessagePayloadSerializer, tags=["chat"])
    def post(self, request: AuthedRequest, message_id: int) -> Response:
        message = selectors.message_for_moderation(user=request.user, message_id=message_id)
        membership = require_member_by_slug(request.user, message.room.village.slug)
        hidden = services.message_hide(actor=membership, message_id=message_id)
        return Response(message_payload(hidden))


class ReadView(APIView):
    @extend_schema(request=ReadSerializer, responses=ReadMarkerSerializer, tags=["chat"])
    def post(self, request: AuthedRequest, room_id: int) -> Response:
        data = ReadSerializer.parse(request.data)
        marker = services.read_marker_set(
            user=request.user, room_id=room_id, message_id=data["message_id"]
        )
        return Response({"room_id": room_id, "last_read_id": marker})


class SearchView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=MessageSearchSerializer,
        tags=["chat"],
    )
    def get(self, request: AuthedRequest) -> Response:
        query = request.query_params.get("q", "").strip()
        if len(query) < 2:
            raise ValidationFailed(fields={"q": [_("At least 2 characters.")]})
        messages = selectors.message_search(user=request.user, query=query[:200])
        return Response({"results": [message_payload(m) for m in messages]})


class ReportCreateView(APIView):
    @extend_schema(
        request=ReportCreateSerializer, responses={201: ReportCreatedSerializer}, tags=["chat"]
    )
    def post(self, request: AuthedRequest) -> Response:
        data = ReportCreateSerializer.parse(request.data)
        values = data
        village = None
        if "village" in values:
            village = require_member_by_slug(request.user, values["village"]).village
        report = services.report_create(
            user=request.user,
            reason=values["reason"],
            message_id=values.get("message_id"),
            village=village,
            reported_user_id=values.get("user_id"),
        )
        return Response({"id": report.pk, "state": report.state}, status=status.HTTP_201_CREATED)


class ReportQueueView(APIView):
    pagination_class = OldestFirstCursorPagination

    @extend_schema(
        parameters=[OpenApiParameter("state", str, required=False)],
        responses=ReportSerializer(many=True),
        tags=["chat"],
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        reports = selectors.report_queue(
            membership=membership, state=request.query_params.get("state", "open")
        )
        return paginate(self, request, reports, ReportSerializer)


class ReportResolveView(APIView):
    @extend_schema(request=ReportResolveSerializer, responses=ReportSerializer, tags=["chat"])
    def post(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = ReportResolveSerializer.parse(request.data)
        report = services.report_resolve(
            actor=membership,
            report_id=report_id,
            action=ReportAction(data["action"]),
            minutes=data.get("minutes"),
        )
        return Response(ReportSerializer(report).data)
