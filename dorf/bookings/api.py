from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.bookings import feeds, selectors, services
from dorf.bookings.models import Booking, OnConflict
from dorf.calendar.selectors import feed_token_owner
from dorf.calendar.services import feed_token_get, feed_token_rotate
from dorf.core.exceptions import NotFound
from dorf.core.pagination import IdCursorPagination, paginate
from dorf.core.schema import ICALENDAR, error_responses, text_response
from dorf.core.serializers import InputSerializer
from dorf.core.throttling import AnonThrottle
from dorf.users.requests import AuthedRequest
from dorf.villages.scoping import require_member_by_slug

# --- serializers ----------------------------------------------------------------------------


class ResourceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    location = serializers.CharField()
    owner_kind = serializers.CharField()
    owner_name = serializers.CharField()
    capacity = serializers.IntegerField()
    min_minutes = serializers.IntegerField()
    max_minutes = serializers.IntegerField()
    notice_minutes = serializers.IntegerField()
    max_advance_days = serializers.IntegerField()
    buffer_minutes = serializers.IntegerField()
    approval_required = serializers.BooleanField()
    price_minutes_per_hour = serializers.IntegerField()
    refund_until_hours = serializers.IntegerField()
    check_in_required = serializers.BooleanField()


class BookingSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    resource_id = serializers.IntegerField()
    resource_name = serializers.CharField(source="resource.name")
    series_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.CharField()
    price_minutes = serializers.IntegerField()
    paid = serializers.SerializerMethodField()
    refunded = serializers.SerializerMethodField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()

    def get_paid(self, booking: Booking) -> bool:
        return booking.payment_transfer_id is not None

    def get_refunded(self, booking: Booking) -> bool:
        return booking.refund_transfer_id is not None


class RequestSerializer(BookingSerializer):
    requester = serializers.SerializerMethodField()

    def get_requester(self, booking: Booking) -> dict[str, Any]:
        user = booking.membership.user
        return {"id": user.pk, "name": f"{user.first_name} {user.last_name}".strip()}


class BookingCreateSerializer(InputSerializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class SeriesCreateSerializer(BookingCreateSerializer):
    rrule = serializers.CharField(max_length=500)
    on_conflict = serializers.ChoiceField(choices=OnConflict.choices, default=OnConflict.FAIL)


class SkippedSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    code = serializers.CharField()
    reason = serializers.CharField()


class SeriesResultSerializer(serializers.Serializer[Any]):
    series_id = serializers.IntegerField(source="series.pk")
    rrule = serializers.CharField(source="series.rrule")
    created = BookingSerializer(many=True)
    skipped = SkippedSerializer(many=True)


class DecisionSerializer(InputSerializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class FeedUrlSerializer(serializers.Serializer[Any]):
    url = serializers.CharField()


# --- views ----------------------------------------------------------------------------------


class ResourceListView(APIView):
    @extend_schema(responses=ResourceSerializer(many=True), tags=["bookings"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        resources = selectors.resource_list(membership=membership)
        return Response(ResourceSerializer(resources, many=True).data)


class ResourceDetailView(APIView):
    @extend_schema(responses=ResourceSerializer, tags=["bookings"])
    def get(self, request: AuthedRequest, slug: str, resource_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        resource = selectors.resource_get(membership=membership, resource_id=resource_id)
        return Response(ResourceSerializer(resource).data)


class ResourceFeedView(APIView):
    """Busy times of the resource as iCalendar (members of the village only)."""

    @extend_schema(
        responses=text_response("text/calendar", "iCalendar, busy times only"),
        tags=["bookings"],
    )
    def get(self, request: AuthedRequest, slug: str, resource_id: int) -> HttpResponse:
        membership = require_member_by_slug(request.user, slug)
        resource = selectors.resource_get(membership=membership, resource_id=resource_id)
        body = feeds.resource_feed(
            resource=resource, bookings=selectors.busy_bookings(resource=resource)
        )
        return HttpResponse(body, content_type="text/calendar; charset=utf-8")


class BookingCreateView(APIView):
    @extend_schema(
        request=BookingCreateSerializer,
        responses={201: BookingSerializer, **error_responses(409)},
        tags=["bookings"],
    )
    def post(self, request: AuthedRequest, slug: str, resource_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = BookingCreateSerializer.parse(request.data)
        booking = services.booking_create(
            membership=membership,
            resource_id=resource_id,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            title=data["title"],
        )
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class SeriesCreateView(APIView):
    @extend_schema(
        request=SeriesCreateSerializer,
        responses={201: SeriesResultSerializer, **error_responses(409)},
        tags=["bookings"],
    )
    def post(self, request: AuthedRequest, slug: str, resource_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = SeriesCreateSerializer.parse(request.data)
        result = services.series_create(
            membership=membership,
            resource_id=resource_id,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            rrule=data["rrule"],
            on_conflict=data["on_conflict"],
            title=data["title"],
        )
        return Response(SeriesResultSerializer(result).data, status=status.HTTP_201_CREATED)


class LatestStartFirst(IdCursorPagination):
    ordering = ("-starts_at", "-pk")


class EarliestStartFirst(IdCursorPagination):
    ordering = ("starts_at", "pk")


class MyBookingsView(APIView):
    pagination_class = LatestStartFirst

    @extend_schema(responses=BookingSerializer(many=True), tags=["bookings"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        rows = selectors.my_bookings(membership=membership)
        return paginate(self, request, rows, BookingSerializer)


class RequestListView(APIView):
    pagination_class = EarliestStartFirst

    @extend_schema(responses=RequestSerializer(many=True), tags=["bookings"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        rows = selectors.requests_to_decide(manager=membership)
        return paginate(self, request, rows, RequestSerializer)


class DecisionView(APIView):
    @extend_schema(request=DecisionSerializer, responses=BookingSerializer, tags=["bookings"])
    def post(self, request: AuthedRequest, slug: str, booking_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = DecisionSerializer.parse(request.data)
        booking = services.booking_decide(
            manager=membership, booking_id=booking_id, approve=data["approve"], note=data["note"]
        )
        return Response(BookingSerializer(booking).data)


class CancelView(APIView):
    @extend_schema(request=None, responses=BookingSerializer, tags=["bookings"])
    def post(self, request: AuthedRequest, slug: str, booking_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        booking = services.booking_cancel(membership=membership, booking_id=booking_id)
        return Response(BookingSerializer(booking).data)


class CheckInView(APIView):
    @extend_schema(request=None, responses=BookingSerializer, tags=["bookings"])
    def post(self, request: AuthedRequest, slug: str, booking_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        booking = services.booking_check_in(membership=membership, booking_id=booking_id)
        return Response(BookingSerializer(booking).data)


class FeedTokenView(APIView):
    """The secret URL of one's bookings feed; POST replaces it (the old one stops)."""

    def _answer(self, request: AuthedRequest, secret: str) -> Response:
        url = request.build_absolute_uri(reverse("bookings:user-feed", args=[secret]))
        return Response({"url": url})

    @extend_schema(responses=FeedUrlSerializer, tags=["bookings"])
    def get(self, request: AuthedRequest) -> Response:
        token = feed_token_get(user=request.user, scope=feeds.FEED_SCOPE)
        return self._answer(request, token.token)

    @extend_schema(request=None, responses=FeedUrlSerializer, tags=["bookings"])
    def post(self, request: AuthedRequest) -> Response:
        token = feed_token_rotate(user=request.user, scope=feeds.FEED_SCOPE)
        return self._answer(request, token.token)


class UserFeedView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [AnonThrottle]

    @extend_schema(
        responses=ICALENDAR,
        tags=["bookings"],
    )
    def get(self, request: Request, token: str) -> HttpResponse:
        user = feed_token_owner(scope=feeds.FEED_SCOPE, secret=token)
        if user is None:
            raise NotFound()
        body = feeds.user_feed(
            user=user,
            tz=ZoneInfo(settings.TIME_ZONE),
            bookings=selectors.feed_bookings(user=user),
        )
        return HttpResponse(body, content_type="text/calendar; charset=utf-8")
