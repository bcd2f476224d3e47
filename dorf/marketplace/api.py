from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.chat.models import MAX_MESSAGE_CHARS, Message
from dorf.chat.realtime import message_payload
from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.core.pagination import (
    IdCursorPagination,
    OffsetCursorPagination,
    OldestFirstCursorPagination,
    paginate,
)
from dorf.core.parsers import UploadParser
from dorf.core.serializers import InputSerializer, QuerySerializer
from dorf.marketplace import selectors, services
from dorf.marketplace.models import (
    Agreement,
    Conversation,
    Posting,
    PostingCategory,
    PostingKind,
    PostingPhoto,
    PostingStatus,
)
from dorf.users.api import UserPublicSerializer
from dorf.users.models import display_name
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Membership
from dorf.villages.scoping import (
    get_scoped_or_404,
    require_member,
    require_member_by_slug,
    require_member_place,
    require_moderator,
    scope_to_member_villages,
)

# --- serializers ----------------------------------------------------------------------------


class PhotoSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    def get_url(self, photo: Any) -> str:
        return str(photo.image.url)


class PostingSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    category = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    estimated_minutes = serializers.IntegerField(allow_null=True)
    author = UserPublicSerializer()
    approx_lat = serializers.FloatField(allow_null=True)
    approx_lon = serializers.FloatField(allow_null=True)
    distance_m = serializers.SerializerMethodField()
    status = serializers.CharField()
    expires_at = serializers.DateTimeField()
    hidden = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True)
    created_at = serializers.DateTimeField()

    def get_distance_m(self, posting: Posting) -> int | None:
        origin = self.context.get("origin")
        return selectors.geodesic_rounded_m(origin, posting.approx_lat, posting.approx_lon)

    def get_hidden(self, posting: Posting) -> bool:
        return posting.hidden_at is not None


class PostingCreateSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=PostingKind.choices)
    category = serializers.ChoiceField(choices=PostingCategory.choices)
    title = serializers.CharField(max_length=120)
    text = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    estimated_minutes = serializers.IntegerField(
        min_value=1, required=False, default=None, allow_null=True
    )


class PostingUpdateSerializer(InputSerializer):
    title = serializers.CharField(max_length=120, required=False)
    text = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    estimated_minutes = serializers.IntegerField(min_value=1, max_value=100000, required=False)


class PostingFilterSerializer(QuerySerializer):
    kind = serializers.ChoiceField(choices=PostingKind.choices, required=False)
    category = serializers.ChoiceField(choices=PostingCategory.choices, required=False)
    status = serializers.ChoiceField(choices=PostingStatus.choices, required=False)
    q = serializers.CharField(max_length=100, required=False)
    max_distance_m = serializers.IntegerField(min_value=100, max_value=50_000, required=False)
    order = serializers.ChoiceField(choices=["newest", "nearest"], default="newest")


class PhotoUploadSerializer(InputSerializer):
    image = serializers.FileField()


class ReportSerializer(InputSerializer):
    reason = serializers.CharField(max_length=500)


class ReportOutSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    posting_id = serializers.IntegerField()
    posting_title = serializers.CharField(source="posting.title")
    reporter = UserPublicSerializer()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class MyReportSerializer(serializers.Serializer[Any]):
    """What the reporter sees of their report."""

    id = serializers.IntegerField()
    posting_id = serializers.IntegerField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class ReplySerializer(InputSerializer):
    text = serializers.CharField(max_length=MAX_MESSAGE_CHARS)
    # Optional, as for any chat message: a retry with the same id sends nothing twice.
    client_msg_id = serializers.CharField(max_length=64, required=False, default=None)


class AgreementSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    posting_id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    helper = UserPublicSerializer()
    helped = UserPublicSerializer()
    status = serializers.CharField()
    proposed_minutes = serializers.IntegerField(allow_null=True)
    proposed_by_id = serializers.IntegerField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    transfer_id = serializers.IntegerField(allow_null=True)


class ConversationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    posting_id = serializers.IntegerField()
    replier = UserPublicSerializer()
    # The chat room of the conversation: history, sending and live messages go through chat.
    room_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    last_message_at = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()

    def get_last_message_at(self, conversation: Conversation) -> str | None:
        room = conversation.room
        last = room.last_message if room is not None else None
        return last.created_at.isoformat() if last is not None else None

    def get_agreement(self, conversation: Conversation) -> dict[str, Any] | None:
        agreement = getattr(conversation, "agreement", None)
        if agreement is None:
            return None
        return {"id": agreement.pk, "status": agreement.status}


class ReplyOutSerializer(ConversationSerializer):
    """The conversation plus the chat message that the reply sent."""

    message = serializers.SerializerMethodField()

    def get_last_message_at(self, conversation: Conversation) -> str | None:
        message: Message = self.context["message"]
        return message.created_at.isoformat()

    def get_message(self, conversation: Conversation) -> dict[str, Any]:
        message: Message = self.context["message"]
        return message_payload(message)


class MinutesSerializer(InputSerializer):
    minutes = serializers.IntegerField(min_value=1, max_value=100_000)


class DeclineSerializer(InputSerializer):
    dispute = serializers.BooleanField(default=False)


def posting_json(
    row: dict[str, Any], photos: list[dict[str, Any]], origin: tuple[float, float] | None
) -> dict[str, Any]:
    """A ``posting_list`` row as ``PostingSerializer`` shows the posting (a test holds
    the two equal)."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "category": row["category"],
        "title": row["title"],
        "text": row["text"],
        "estimated_minutes": row["estimated_minutes"],
        "author": {
            "id": row["author_id"],
            "display_name": display_name(row["author__first_name"], row["author__last_name"]),
        },
        "approx_lat": row["approx_lat"],
        "approx_lon": row["approx_lon"],
        "distance_m": selectors.geodesic_rounded_m(origin, row["approx_lat"], row["approx_lon"]),
        "status": row["status"],
        "expires_at": _DATETIME.to_representation(row["expires_at"]),
        "hidden": row["hidden_at"] is not None,
        "photos": [
            {
                "id": photo["id"],
                "url": _PHOTO_STORAGE.url(photo["image"]),
                "width": photo["width"],
                "height": photo["height"],
            }
            for photo in photos
        ],
        "created_at": _DATETIME.to_representation(row["created_at"]),
    }


_DATETIME = serializers.DateTimeField()
_PHOTO_STORAGE = PostingPhoto._meta.get_field("image").storage


# --- helpers ----------------------------------------------------------------------------------


def _posting_or_404(request: AuthedRequest, posting_id: int) -> Posting:
    return get_scoped_or_404(selectors.posting_visible(user=request.user), pk=posting_id)


def _conversation_or_404(request: AuthedRequest, conversation_id: int) -> Conversation:
    conversation = selectors.conversation_for(user=request.user, conversation_id=conversation_id)
    if conversation is None:
        raise NotFound()
    return conversation


def _agreement_or_404(request: AuthedRequest, agreement_id: int) -> Agreement:
    agreement = selectors.agreement_for_party(user=request.user, agreement_id=agreement_id)
    if agreement is None:
        raise NotFound()
    return agreement


def _origin(membership: Membership) -> tuple[float, float] | None:
    household = membership.household
    if household is None:
        return None
    return (household.latitude, household.longitude)


# --- views ------------------------------------------------------------------------------------


class PostingListView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        parameters=[PostingFilterSerializer],
        responses=PostingSerializer(many=True),
        tags=["marketplace"],
        description=(
            "Open postings of the village, newest first or nearest first (needs my "
            "household). Distances use the posting's ~250 m grid cell."
        ),
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        member = require_member_place(request.user, slug)
        params = PostingFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        wants_distance = "max_distance_m" in f or f["order"] == "nearest"
        origin = None
        if member.latitude is not None and member.longitude is not None:
            origin = (member.latitude, member.longitude)
        if wants_distance and origin is None:
            raise ValidationFailed(
                _("Set your household address first to search by distance."),
                code="household_missing",
            )
        postings = selectors.posting_list(
            user=request.user,
            village_id=member.village_id,
            kind=f.get("kind"),
            category=f.get("category"),
            status=f.get("status"),
            text=f.get("q"),
            origin=origin if wants_distance else None,
            max_distance_m=f.get("max_distance_m"),
        )
        # The paginator the schema documents, fed with values() rows: PostingSerializer
        # costs ~40 µs a field per row (docs/benchmarks.md, "REST reads").
        paginator: IdCursorPagination | OffsetCursorPagination = self.pagination_class()
        if f["order"] == "nearest":
            postings = postings.order_by("distance_sq", "-id")
            paginator = OffsetCursorPagination()
        rows = paginator.paginate_queryset(postings, request, view=self) or []
        photos = selectors.posting_photo_rows(row["id"] for row in rows if row["has_photos"])
        return paginator.get_paginated_response(
            [posting_json(row, photos.get(row["id"], []), origin) for row in rows]
        )

    @extend_schema(
        request=PostingCreateSerializer, responses={201: PostingSerializer}, tags=["marketplace"]
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = PostingCreateSerializer.parse(request.data)
        posting = services.posting_create(membership=membership, **data)
        return Response(PostingSerializer(posting).data, status=status.HTTP_201_CREATED)


class PostingDetailView(APIView):
    @extend_schema(responses=PostingSerializer, tags=["marketplace"])
    def get(self, request: AuthedRequest, posting_id: int) -> Response:
        posting = _posting_or_404(request, posting_id)
        origin = _origin(require_member(request.user, posting.village_id))
        return Response(PostingSerializer(posting, context={"origin": origin}).data)

    @extend_schema(
        request=PostingUpdateSerializer, responses=PostingSerializer, tags=["marketplace"]
    )
    def patch(self, request: AuthedRequest, posting_id: int) -> Response:
        posting = _posting_or_404(request, posting_id)
        data = PostingUpdateSerializer.parse(request.data, partial=True)
        posting = services.posting_update(user=request.user, posting_id=posting.pk, **data)
        return Response(PostingSerializer(posting).data)


class PostingWithdrawView(APIView):
    @extend_schema(request=None, responses=PostingSerializer, tags=["marketplace"])
    def post(self, request: AuthedRequest, posting_id: int) -> Response:
        posting = _posting_or_404(request, posting_id)
        posting = services.posting_withdraw(user=request.user, posting_id=posting.pk)
        return Response(PostingSerializer(posting).data)


class PostingRenewView(APIView):
    @extend_schema(request=None, responses=PostingSerializer, tags=["marketplace"])
    def post(self, request: AuthedRequest, posting_id: int) -> Response:
        posting = _posting_or_404(request, posting_id)
        posting = services.posting_renew(user=request.user, posting_id=posting.pk)
        return Response(PostingSerializer(posting).data)


class PostingPhotoView(APIView):
    parser_classes = [UploadParser]

    @extend_schema(
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer},
        tags=["marketplace"],
    )
    def post(self, request: AuthedRequest, posting_id: int) -> Response:
        posting = _posting_or_404(request, posting_id)
        data = PhotoUploadSerializer.parse(request.data)
        upload = data["image"]
        photo = services.posting_photo_add(
            user=request.user, posting_id=posting.pk, upload=upload, size=upload.size
        )
        return Response(PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


class PostingReportView(APIView):
    @extend_schema(
        request=ReportSerializer, responses={201: MyReportSerializer}, tags=["marketplace"]
    )
    def post(self, request: AuthedRequest, posting_id: int) -> Response:
        posting = _posting_or_404(request, posting_id)
        data = ReportSerializer.parse(request.data)
        report = services.posting_report(
            user=request.user, posting_id=posting.pk, reason=data["reason"]
        )
        return Response(MyReportSerializer(report).data, status=status.HTTP_201_CREATED)


class PostingHideView(APIView):
    @extend_schema(request=None, responses=PostingSerializer, tags=["moderation"])
    def post(self, request: AuthedRequest, posting_id: int) -> Response:
        posting = get_scoped_or_404(
            scope_to_member_villages(Posting.objects.all(), request.user), pk=posting_id
        )
        posting = services.posting_hide(actor=request.user, posting_id=posting.pk)
        return Response(PostingSerializer(posting).data)


class ReportListView(APIView):
    pagination_class = OldestFirstCursorPagination

    @extend_schema(responses=ReportOutSerializer(many=True), tags=["moderation"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_moderator(require_member_by_slug(request.user, slug))
        reports = selectors.report_list(village_id=membership.village_id)
        return paginate(self, request, reports, ReportOutSerializer)


class ConversationListView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(responses=ConversationSerializer(many=True), tags=["marketplace"])
    def get(self, request: AuthedRequest, posting_id: int) -> Response:
        posting = _posting_or_404(request, posting_id)
        conversations = selectors.conversation_list(user=request.user, posting=posting)
        return paginate(self, request, conversations, ConversationSerializer)

    @extend_schema(
        request=ReplySerializer,
        responses={201: ReplyOutSerializer, 200: ReplyOutSerializer},
        tags=["marketplace"],
        description=(
            "Reply to the posting: opens (or continues) my private chat room with the author "
            "(`room_id`) and sends the text there as a chat message (`message`). Continue the "
            "conversation in that room (chat API and socket). 200 for a retry with the same "
            "`client_msg_id`."
        ),
    )
    def post(self, request: AuthedRequest, posting_id: int) -> Response:
        posting = _posting_or_404(request, posting_id)
        data = ReplySerializer.parse(request.data)
        reply = services.conversation_open(user=request.user, posting_id=posting.pk, **data)
        return Response(
            ReplyOutSerializer(reply.conversation, context={"message": reply.message}).data,
            status=status.HTTP_201_CREATED if reply.created else status.HTTP_200_OK,
        )


class AcceptView(APIView):
    @extend_schema(
        request=None,
        responses={201: AgreementSerializer},
        tags=["marketplace"],
        description="The author agrees with the replier of this conversation.",
    )
    def post(self, request: AuthedRequest, conversation_id: int) -> Response:
        conversation = _conversation_or_404(request, conversation_id)
        agreement = services.agreement_accept(user=request.user, conversation_id=conversation.pk)
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)


class AgreementDetailView(APIView):
    @extend_schema(responses=AgreementSerializer, tags=["marketplace"])
    def get(self, request: AuthedRequest, agreement_id: int) -> Response:
        return Response(AgreementSerializer(_agreement_or_404(request, agreement_id)).data)


class AgreementProposeView(APIView):
    @extend_schema(request=MinutesSerializer, responses=AgreementSerializer, tags=["marketplace"])
    def post(self, request: AuthedRequest, agreement_id: int) -> Response:
        agreement = _agreement_or_404(request, agreement_id)
        data = MinutesSerializer.parse(request.data)
        agreement = services.agreement_propose(
            user=request.user, agreement_id=agreement.pk, minutes=data["minutes"]
        )
        return Response(AgreementSerializer(agreement).data)


class AgreementConfirmView(APIView):
    @extend_schema(
        request=MinutesSerializer,
        responses=AgreementSerializer,
        tags=["marketplace"],
        description="Confirm the other side's minutes; books the time credits once.",
    )
    def post(self, request: AuthedRequest, agreement_id: int) -> Response:
        agreement = _agreement_or_404(request, agreement_id)
        data = MinutesSerializer.parse(request.data)
        agreement = services.agreement_confirm(
            user=request.user, agreement_id=agreement.pk, minutes=data["minutes"]
        )
        return Response(AgreementSerializer(agreement).data)


class AgreementDeclineView(APIView):
    @extend_schema(request=DeclineSerializer, responses=AgreementSerializer, tags=["marketplace"])
    def post(self, request: AuthedRequest, agreement_id: int) -> Response:
        agreement = _agreement_or_404(request, agreement_id)
        data = DeclineSerializer.parse(request.data)
        agreement = services.agreement_decline(
            user=request.user, agreement_id=agreement.pk, dispute=data["dispute"]
        )
        return Response(AgreementSerializer(agreement).data)
