"""Proposals over the API: list, propose, support, answer, comments and their moderation."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound
from dorf.core.pagination import OldestFirstCursorPagination
from dorf.core.serializers import InputSerializer
from dorf.participation import selectors
from dorf.participation.models import (
    AnswerStatus,
    CommentReport,
    Proposal,
    ProposalCategory,
    ProposalComment,
    ProposalState,
)
from dorf.participation.services import proposals as services
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Membership
from dorf.villages.scoping import require_member_by_slug, require_moderator, require_staff

TAGS = ["participation"]

# --- serializers ----------------------------------------------------------------------------


class ProposalSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    category = serializers.ChoiceField(choices=ProposalCategory.choices)
    author_name = serializers.SerializerMethodField()
    lat = serializers.FloatField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    photo_url = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=ProposalState.choices)
    support_count = serializers.IntegerField()
    support_threshold = serializers.IntegerField()
    supports_until = serializers.DateTimeField()
    threshold_reached_at = serializers.DateTimeField(allow_null=True)
    supported_by_me = serializers.BooleanField()
    answer_status = serializers.CharField()
    answer_text = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    hidden = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_author_name(self, proposal: Proposal) -> str | None:
        return proposal.author.display_name if proposal.author else None

    def get_photo_url(self, proposal: Proposal) -> str | None:
        return proposal.photo.url if proposal.photo else None

    def get_hidden(self, proposal: Proposal) -> bool:
        return proposal.hidden_at is not None


class ProposalInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=150)
    text = serializers.CharField(max_length=5000)
    category = serializers.ChoiceField(choices=ProposalCategory.choices)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)


class AnswerInputSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=AnswerStatus.choices)
    text = serializers.CharField(max_length=5000, allow_blank=True, default="")


class CommentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    author_name = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    deleted = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_author_name(self, comment: ProposalComment) -> str | None:
        if comment.is_tombstone or comment.author is None:
            return None
        return comment.author.display_name

    def get_text(self, comment: ProposalComment) -> str | None:
        return None if comment.is_tombstone else comment.text

    def get_deleted(self, comment: ProposalComment) -> bool:
        return comment.deleted_at is not None

    def get_hidden(self, comment: ProposalComment) -> bool:
        return comment.hidden_at is not None


class CommentInputSerializer(InputSerializer):
    text = serializers.CharField(max_length=2000)


class ReportInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=1000)


class CommentReportSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    comment_id = serializers.IntegerField()
    proposal_id = serializers.SerializerMethodField()
    comment_text = serializers.SerializerMethodField()
    reason = serializers.CharField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_proposal_id(self, report: CommentReport) -> int:
        return report.comment.proposal_id

    def get_comment_text(self, report: CommentReport) -> str:
        # Moderators decide on what was written, tombstone or not.
        return report.comment.text


class SettingsSerializer(serializers.Serializer[Any]):
    support_threshold_percent = serializers.IntegerField(allow_null=True)
    support_threshold_count = serializers.IntegerField(allow_null=True)
    proposal_support_days = serializers.IntegerField()
    current_threshold = serializers.IntegerField()


class SettingsInputSerializer(InputSerializer):
    support_threshold_percent = serializers.IntegerField(
        min_value=1, max_value=100, allow_null=True, required=False, default=None
    )
    support_threshold_count = serializers.IntegerField(
        min_value=1, max_value=100_000, allow_null=True, required=False, default=None
    )
    proposal_support_days = serializers.IntegerField(min_value=1, max_value=730, default=90)


# --- views ----------------------------------------------------------------------------------


def _proposal_or_404(membership: Membership, proposal_id: int) -> Proposal:
    proposal = selectors.proposal_get(membership=membership, proposal_id=proposal_id)
    if proposal is None:
        raise NotFound()
    return proposal


def _proposal_body(membership: Membership, proposal_id: int) -> dict[str, Any]:
    return dict(ProposalSerializer(_proposal_or_404(membership, proposal_id)).data)


class ProposalListView(generics.ListAPIView[Proposal]):
    """The village's proposals, newest first."""

    serializer_class = ProposalSerializer
    queryset = Proposal.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=ProposalState.values),
            OpenApiParameter("category", str, enum=ProposalCategory.values),
        ],
        tags=TAGS,
    )
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Proposal]:
        membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        params = self.request.query_params
        return selectors.proposal_list(
            membership=membership,
            state=params.get("state") or None,
            category=params.get("category") or None,
        )

    @extend_schema(request=ProposalInputSerializer, responses={201: ProposalSerializer}, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = ProposalInputSerializer.parse(request.data)
        proposal = services.proposal_create(
            user=request.user, village_id=membership.village_id, **data
        )
        return Response(_proposal_body(membership, proposal.pk), status=status.HTTP_201_CREATED)


class ProposalDetailView(APIView):
    @extend_schema(responses=ProposalSerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, proposal_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        return Response(_proposal_body(membership, proposal_id))


class ProposalSupportView(APIView):
    @extend_schema(request=None, responses=ProposalSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, proposal_id: int) -> Response:
        """Support the proposal (once; 409 when you support it already)."""
        membership = require_member_by_slug(request.user, slug)
        _proposal_or_404(membership, proposal_id)
        services.proposal_support(user=request.user, proposal_id=proposal_id)
        return Response(_proposal_body(membership, proposal_id))

    @extend_schema(request=None, responses=ProposalSerializer, tags=TAGS)
    def delete(self, request: AuthedRequest, slug: str, proposal_id: int) -> Response:
        """Withdraw your support while the support period runs."""
        membership = require_member_by_slug(request.user, slug)
        _proposal_or_404(membership, proposal_id)
        services.proposal_support_withdraw(user=request.user, proposal_id=proposal_id)
        return Response(_proposal_body(membership, proposal_id))


class ProposalAnswerView(APIView):
    @extend_schema(request=AnswerInputSerializer, responses=ProposalSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, proposal_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _proposal_or_404(membership, proposal_id)
        data = AnswerInputSerializer.parse(request.data)
        services.proposal_answer(actor=request.user, proposal_id=proposal_id, **data)
        return Response(_proposal_body(membership, proposal_id))


class PhotoInput(InputSerializer):
    image = serializers.FileField()


class ProposalPhotoView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request=PhotoInput, responses=ProposalSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, proposal_id: int) -> Response:
        """The author adds or replaces the photo (JPEG, PNG or WebP; stored without EXIF)."""
        membership = require_member_by_slug(request.user, slug)
        _proposal_or_404(membership, proposal_id)
        upload = PhotoInput.parse(request.data)["image"]
        services.proposal_photo_set(
            user=request.user, proposal_id=proposal_id, upload=upload, size=upload.size
        )
        return Response(_proposal_body(membership, proposal_id))


class ProposalHideView(APIView):
    @extend_schema(request=None, responses=ProposalSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, proposal_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _proposal_or_404(membership, proposal_id)
        services.proposal_hide(actor=request.user, proposal_id=proposal_id)
        return Response(_proposal_body(membership, proposal_id))


class CommentListView(generics.ListAPIView[ProposalComment]):
    """Comments under a proposal, oldest first."""

    serializer_class = CommentSerializer
    queryset = ProposalComment.objects.none()
    pagination_class = OldestFirstCursorPagination

    @extend_schema(tags=TAGS)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[ProposalComment]:
        membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        proposal = _proposal_or_404(membership, self.kwargs["proposal_id"])
        return selectors.comment_list(membership=membership, proposal=proposal)

    @extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer}, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, proposal_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _proposal_or_404(membership, proposal_id)
        data = CommentInputSerializer.parse(request.data)
        comment = services.comment_create(user=request.user, proposal_id=proposal_id, **data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDeleteView(APIView):
    @extend_schema(request=None, responses=CommentSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, comment_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        comment = services.comment_delete(user=request.user, comment_id=comment_id)
        return Response(CommentSerializer(comment).data)


class CommentHideView(APIView):
    @extend_schema(request=None, responses=CommentSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, comment_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        comment = services.comment_hide(actor=request.user, comment_id=comment_id)
        return Response(CommentSerializer(comment).data)


class CommentReportView(APIView):
    @extend_schema(
        request=ReportInputSerializer, responses={201: CommentReportSerializer}, tags=TAGS
    )
    def post(self, request: AuthedRequest, slug: str, comment_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        data = ReportInputSerializer.parse(request.data)
        report = services.comment_report(user=request.user, comment_id=comment_id, **data)
        return Response(CommentReportSerializer(report).data, status=status.HTTP_201_CREATED)


class CommentReportListView(generics.ListAPIView[CommentReport]):
    """Open reports of comments in the village: the moderators' queue."""

    serializer_class = CommentReportSerializer
    queryset = CommentReport.objects.none()

    @extend_schema(tags=TAGS)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[CommentReport]:
        membership = require_moderator(
            require_member_by_slug(self.request.user, self.kwargs["slug"])
        )
        return selectors.comment_report_list(membership=membership)


class CommentReportDismissView(APIView):
    @extend_schema(request=None, responses=CommentReportSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        report = services.comment_report_dismiss(actor=request.user, report_id=report_id)
        return Response(CommentReportSerializer(report).data)


class SettingsView(APIView):
    def _body(self, village_id: int) -> dict[str, Any]:
        rules = services.settings_of(village_id)
        return {
            "support_threshold_percent": rules.support_threshold_percent,
            "support_threshold_count": rules.support_threshold_count,
            "proposal_support_days": rules.proposal_support_days,
            "current_threshold": services.threshold_for(village_id),
        }

    @extend_schema(responses=SettingsSerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        return Response(SettingsSerializer(self._body(membership.village_id)).data)

    @extend_schema(request=SettingsInputSerializer, responses=SettingsSerializer, tags=TAGS)
    def put(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_staff(require_member_by_slug(request.user, slug))
        data = SettingsInputSerializer.parse(request.data)
        services.settings_update(actor=request.user, village_id=membership.village_id, **data)
        return Response(SettingsSerializer(self._body(membership.village_id)).data)
