from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound
from dorf.core.pagination import IdCursorPagination, paginate
from dorf.core.schema import text_response
from dorf.core.serializers import InputSerializer
from dorf.core.throttling import AnonThrottle
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Village
from dorf.villages.scoping import require_member, require_member_by_slug, require_moderator
from dorf.warnings import selectors, services
from dorf.warnings.models import CheckInAnswer


class WarningSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    event = serializers.CharField()
    headline = serializers.CharField()
    severity = serializers.CharField()
    urgency = serializers.CharField()
    certainty = serializers.CharField()
    sender_name = serializers.CharField()
    sent = serializers.DateTimeField()
    onset = serializers.DateTimeField(allow_null=True)
    expires = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    cancelled = serializers.BooleanField()
    checked_in = serializers.BooleanField(required=False)


class WarningDetailSerializer(WarningSerializer):
    description = serializers.CharField()
    instruction = serializers.CharField()


class CheckInSerializer(serializers.Serializer[Any]):
    answer = serializers.CharField()
    note = serializers.CharField()
    help_posting_id = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField()


class CheckInInput(InputSerializer):
    answer = serializers.ChoiceField(choices=CheckInAnswer.choices)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON Polygon or MultiPolygon (WGS 84, longitude first); null: none.",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
            "coordinates": {"type": "array", "items": {"type": "array"}},
        },
    }
)
class GeoJsonAreaField(serializers.JSONField):
    """The village's area as GeoJSON (validated by the service with shapely)."""


class WarningAreaSerializer(serializers.Serializer[Any]):
    ars = serializers.CharField()
    warn_cells = serializers.ListField(child=serializers.CharField())
    area = GeoJsonAreaField(allow_null=True)
    last_polled_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()


class WarningAreaInput(InputSerializer):
    ars = serializers.CharField(max_length=20)
    warn_cells = serializers.ListField(
        child=serializers.CharField(max_length=20), max_length=50, required=False, default=list
    )
    area = GeoJsonAreaField(required=False, allow_null=True, default=None)


class NewestSentCursor(IdCursorPagination):
    ordering = ("-sent", "-id")


class WarningListView(APIView):
    pagination_class = NewestSentCursor

    @extend_schema(
        parameters=[OpenApiParameter("active", bool, required=False)],
        responses=WarningSerializer(many=True),
        tags=["warnings"],
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        warnings = selectors.warning_list(
            user=request.user,
            village=village,
            active_only=request.query_params.get("active") in {"1", "true"},
        )
        return paginate(self, request, warnings, WarningSerializer)


class WarningDetailView(APIView):
    @extend_schema(responses=WarningDetailSerializer, tags=["warnings"])
    def get(self, request: AuthedRequest, warning_id: int) -> Response:
        warning, _village_id = selectors.warning_detail(user=request.user, warning_id=warning_id)
        data = dict(WarningDetailSerializer(warning).data)
        own = selectors.own_checkin(user=request.user, warning_id=warning.pk)
        data["checked_in"] = own is not None
        data["my_checkin"] = CheckInSerializer(own).data if own else None
        return Response(data)


class CheckInView(APIView):
    @extend_schema(request=CheckInInput, responses=CheckInSerializer, tags=["warnings"])
    def post(self, request: AuthedRequest, warning_id: int) -> Response:
        _warning, village_id = selectors.warning_detail(user=request.user, warning_id=warning_id)
        data = CheckInInput.parse(request.data)
        checkin = services.checkin_answer(
            user=request.user, village_id=village_id, warning_id=warning_id, **data
        )
        return Response(CheckInSerializer(checkin).data)


class HelpNeededSerializer(serializers.Serializer[Any]):
    user_id = serializers.IntegerField()
    display_name = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    help_posting_id = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField()


class CheckInSummarySerializer(serializers.Serializer[Any]):
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Check-ins per answer, every answer listed."
    )
    need_help = HelpNeededSerializer(many=True)


class CheckInSummaryView(APIView):
    """Moderators: counts per answer and who needs help (live updates on the socket:
    ``warning.checkins`` frames)."""

    @extend_schema(responses=CheckInSummarySerializer, tags=["warnings"])
    def get(self, request: AuthedRequest, warning_id: int) -> Response:
        _warning, village_id = selectors.warning_detail(user=request.user, warning_id=warning_id)
        require_moderator(require_member(request.user, village_id))
        counts = services.checkin_counts(warning_id=warning_id, village_id=village_id)
        need_help = [
            {
                "user_id": c.user_id,
                "display_name": c.user.display_name,
                "note": c.note,
                "help_posting_id": c.help_posting_id,
                "updated_at": c.updated_at,
            }
            for c in selectors.help_needed(warning_id=warning_id, village_id=village_id)
        ]
        return Response({"counts": counts, "need_help": need_help})


class WarningAreaView(APIView):
    @extend_schema(responses=WarningAreaSerializer, tags=["warnings"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        area = selectors.area_of(village=village)
        if area is None:
            raise NotFound()
        return Response(WarningAreaSerializer(area).data)

    @extend_schema(request=WarningAreaInput, responses=WarningAreaSerializer, tags=["warnings"])
    def put(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        data = WarningAreaInput.parse(request.data)
        area = services.warning_area_set(actor=request.user, village_id=village.pk, **data)
        return Response(WarningAreaSerializer(area).data)


class ActiveWarningsFeedView(APIView):
    """Atom feed of a village's active warnings (public, like the sirens)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [AnonThrottle]

    @extend_schema(
        responses=text_response("application/atom+xml", "Atom 1.0"), tags=["warnings"], auth=[]
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        village = Village.objects.filter(slug=slug).first()
        if village is None:
            raise NotFound()
        feed_url = request.build_absolute_uri(
            reverse("warnings:feed", kwargs={"slug": village.slug})
        )
        feed = Atom1Feed(
            title=_("Warnings for %(village)s") % {"village": village.name},
            link=feed_url,
            description=_("Active official warnings"),
            language="de",
            feed_url=feed_url,
            feed_guid=feed_url,
        )
        for warning in selectors.active_for_feed(village=village):
            url = request.build_absolute_uri(f"/api/v1/warnings/{warning.pk}/")
            feed.add_item(
                title=f"{warning.severity}: {warning.headline}",
                link=url,
                description=warning.description,
                unique_id=url,
                pubdate=warning.sent,
                updateddate=warning.updated_at,
                categories=[warning.severity],
                author_name=warning.sender_name or warning.provider,
            )
        return HttpResponse(
            feed.writeString("utf-8"),
            content_type="application/atom+xml; charset=utf-8",
            headers={"Cache-Control": "public, max-age=60"},
        )
