"""The council's meetings, committees and papers over the API, follows, and the source's
configuration (staff)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound
from dorf.core.serializers import InputSerializer
from dorf.council import selectors, services, tasks
from dorf.council.models import CouncilSource, Meeting, Organization, Paper
from dorf.users.requests import AuthedRequest
from dorf.villages.scoping import require_member_by_slug, require_staff

TAGS = ["council"]


class OrganizationRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()


class MeetingSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)
    location = serializers.CharField()
    cancelled = serializers.BooleanField()
    web_url = serializers.CharField()
    organizations = OrganizationRefSerializer(many=True)
    agenda_item_count = serializers.IntegerField()


class AgendaItemSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    name = serializers.CharField()
    public = serializers.BooleanField()
    result = serializers.CharField()
    paper_id = serializers.IntegerField(allow_null=True)


class MeetingDetailSerializer(MeetingSerializer):
    agenda_items = AgendaItemSerializer(many=True)


class OrganizationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    organization_type = serializers.CharField()
    classification = serializers.CharField()
    followed_by_me = serializers.BooleanField()


class PaperSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    reference = serializers.CharField()
    paper_type = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    web_url = serializers.CharField()
    followed_by_me = serializers.BooleanField()


class SourceSerializer(serializers.Serializer[Any]):
    system_url = serializers.CharField()
    enabled = serializers.BooleanField()
    modified_since = serializers.DateTimeField(allow_null=True)
    last_run_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    last_object_count = serializers.IntegerField()


class SourceInputSerializer(InputSerializer):
    system_url = serializers.URLField(max_length=500)
    enabled = serializers.BooleanField(default=True)


class MeetingListView(generics.ListAPIView[Meeting]):
    """The council's meetings, newest first (``?from=`` an ISO date-time for upcoming)."""

    serializer_class = MeetingSerializer
    queryset = Meeting.objects.none()

    @extend_schema(parameters=[OpenApiParameter("from", datetime)], tags=TAGS)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Meeting]:
        membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        raw = self.request.query_params.get("from")
        starts_after = None
        if raw:
            try:
                starts_after = datetime.fromisoformat(raw)
            except ValueError:
                raise serializers.ValidationError({"from": ["Invalid date-time."]}) from None
        return selectors.meeting_list(membership=membership, starts_after=starts_after)


class MeetingDetailView(APIView):
    @extend_schema(responses=MeetingDetailSerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, meeting_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        meeting = selectors.meeting_get(membership=membership, meeting_id=meeting_id)
        if meeting is None:
            raise NotFound()
        return Response(MeetingDetailSerializer(meeting).data)


class OrganizationListView(generics.ListAPIView[Organization]):
    serializer_class = OrganizationSerializer
    queryset = Organization.objects.none()

    @extend_schema(tags=TAGS)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Organization]:
        membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        return selectors.organization_list(membership=membership)


class PaperListView(generics.ListAPIView[Paper]):
    serializer_class = PaperSerializer
    queryset = Paper.objects.none()

    @extend_schema(tags=TAGS)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Paper]:
        membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        return selectors.paper_list(membership=membership)


class OrganizationFollowView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, organization_id: int) -> Response:
        """Follow a committee: you are told of its new and changed meetings."""
        require_member_by_slug(request.user, slug)
        services.follow(user=request.user, organization_id=organization_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def delete(self, request: AuthedRequest, slug: str, organization_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        services.unfollow(user=request.user, organization_id=organization_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PaperFollowView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, paper_id: int) -> Response:
        """Follow a paper: you are told when it changes."""
        require_member_by_slug(request.user, slug)
        services.follow(user=request.user, paper_id=paper_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def delete(self, request: AuthedRequest, slug: str, paper_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        services.unfollow(user=request.user, paper_id=paper_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SourceView(APIView):
    @extend_schema(responses=SourceSerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_staff(require_member_by_slug(request.user, slug))
        source = CouncilSource.objects.filter(village_id=membership.village_id).first()
        if source is None:
            raise NotFound()
        return Response(SourceSerializer(source).data)

    @extend_schema(request=SourceInputSerializer, responses=SourceSerializer, tags=TAGS)
    def put(self, request: AuthedRequest, slug: str) -> Response:
        """Set the OParl endpoint (its System URL); an import is queued."""
        membership = require_staff(require_member_by_slug(request.user, slug))
        data = SourceInputSerializer.parse(request.data)
        source = services.source_set(actor=request.user, village_id=membership.village_id, **data)
        if source.enabled:
            transaction.on_commit(lambda: tasks.import_source.delay(source.pk))
        return Response(SourceSerializer(source).data)
