"""The village calendar's own events and its external calendars."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.calendar.sources import CalendarCategory
from dorf.core.exceptions import Conflict
from dorf.core.pagination import IdCursorPagination, paginate
from dorf.core.serializers import InputSerializer
from dorf.events import importing, selectors, services
from dorf.events.calendar_source import organizer_of
from dorf.events.models import ExternalCalendar, VillageEvent
from dorf.users.requests import AuthedRequest
from dorf.villages.scoping import get_scoped_or_404, require_member_by_slug, require_staff

# --- serializers --------------------------------------------------------------------------------


class EventOrganizerSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    key = serializers.CharField()


class VillageEventSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    publisher_id = serializers.IntegerField(allow_null=True)
    calendar_id = serializers.IntegerField(allow_null=True)
    organizer = serializers.SerializerMethodField()
    title = serializers.CharField()
    description = serializers.CharField()
    place = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    category = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    all_day = serializers.BooleanField()
    timezone = serializers.CharField()
    rrule = serializers.CharField()
    exdates = serializers.ListField(child=serializers.DateTimeField())
    capacity = serializers.IntegerField(allow_null=True)
    public = serializers.BooleanField()
    sequence = serializers.IntegerField()

    @extend_schema_field(EventOrganizerSerializer)
    def get_organizer(self, event: VillageEvent) -> dict[str, Any]:
        organizer = organizer_of(event)
        return {
            "kind": organizer.kind,
            "id": organizer.id,
            "name": organizer.name,
            "key": organizer.key,
        }


class VillageEventWriteSerializer(InputSerializer):
    publisher_id = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=4000, required=False, default="", allow_blank=True
    )
    place = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    latitude = serializers.FloatField(
        min_value=-90, max_value=90, required=False, default=None, allow_null=True
    )
    longitude = serializers.FloatField(
        min_value=-180, max_value=180, required=False, default=None, allow_null=True
    )
    category = serializers.ChoiceField(
        choices=CalendarCategory.choices, default=CalendarCategory.MUNICIPALITY
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        default=None,
        allow_null=True,
        help_text="IANA time zone of the wall clock the event follows (default: the village's).",
    )
    rrule = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    exdates = serializers.ListField(
        child=serializers.DateTimeField(),
        required=False,
        default=list,
        max_length=500,
        help_text="Original starts of occurrences left out (EXDATE).",
    )
    capacity = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, default=None, allow_null=True
    )
    public = serializers.BooleanField(default=True)


class VillageEventUpdateSerializer(VillageEventWriteSerializer):
    """Every field optional (PATCH); the publisher of an event does not change."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields.pop("publisher_id")
        return fields


class ExternalCalendarSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()
    category = serializers.CharField()
    tag_filter = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    last_polled_at = serializers.DateTimeField(allow_null=True)
    last_imported_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    last_import_created = serializers.IntegerField(
        help_text="Counts of the last import that stored the file (at last_imported_at)."
    )
    last_import_updated = serializers.IntegerField()
    last_import_deleted = serializers.IntegerField()
    last_import_unchanged = serializers.IntegerField()
    last_import_skipped = serializers.IntegerField()
    last_import_filtered = serializers.IntegerField()


class ExternalCalendarCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    url = serializers.URLField(max_length=500)
    category = serializers.ChoiceField(
        choices=CalendarCategory.choices, default=CalendarCategory.OTHER
    )
    tag_filter = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        default=list,
        max_length=20,
        help_text="Import only events with one of these CATEGORIES (case-insensitive); empty: all.",
    )


class ExternalCalendarUpdateSerializer(InputSerializer):
    name = serializers.CharField(max_length=120, required=False)
    category = serializers.ChoiceField(choices=CalendarCategory.choices, required=False)
    tag_filter = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=20
    )
    active = serializers.BooleanField(required=False)


class ImportResultSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    deleted = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    filtered = serializers.IntegerField()
    not_modified = serializers.BooleanField()
    error = serializers.CharField()


# --- views --------------------------------------------------------------------------------------


def _event_or_404(request: AuthedRequest, event_id: int) -> VillageEvent:
    return get_scoped_or_404(selectors.event_visible(user=request.user), pk=event_id)


def _calendar_or_404(request: AuthedRequest, calendar_id: int) -> ExternalCalendar:
    return get_scoped_or_404(selectors.calendar_visible(user=request.user), pk=calendar_id)


class VillageEventListView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(responses=VillageEventSerializer(many=True), tags=["calendar"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        events = selectors.event_list(user=request.user, village_id=membership.village_id)
        return paginate(self, request, events, VillageEventSerializer)

    @extend_schema(
        request=VillageEventWriteSerializer,
        responses={201: VillageEventSerializer},
        tags=["calendar"],
        description="A publisher's event (the municipality's, a club's as publisher ...): "
        "for people with the publisher role of that publisher and the village's staff.",
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = VillageEventWriteSerializer.parse(request.data)
        event = services.event_create(actor=request.user, village_id=membership.village_id, **data)
        return Response(
            VillageEventSerializer(_event_or_404(request, event.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class VillageEventDetailView(APIView):
    @extend_schema(responses=VillageEventSerializer, tags=["calendar"])
    def get(self, request: AuthedRequest, event_id: int) -> Response:
        return Response(VillageEventSerializer(_event_or_404(request, event_id)).data)

    @extend_schema(
        request=VillageEventUpdateSerializer, responses=VillageEventSerializer, tags=["calendar"]
    )
    def patch(self, request: AuthedRequest, event_id: int) -> Response:
        event = _event_or_404(request, event_id)
        data = VillageEventUpdateSerializer.parse(request.data, partial=True)
        if "timezone" in data and data["timezone"] is None:
            data.pop("timezone")
        services.event_update(actor=request.user, event_id=event.pk, **data)
        return Response(VillageEventSerializer(_event_or_404(request, event.pk)).data)

    @extend_schema(request=None, responses={204: None}, tags=["calendar"])
    def delete(self, request: AuthedRequest, event_id: int) -> Response:
        event = _event_or_404(request, event_id)
        services.event_delete(actor=request.user, event_id=event.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExternalCalendarListView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(responses=ExternalCalendarSerializer(many=True), tags=["calendar"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_staff(require_member_by_slug(request.user, slug))
        calendars = selectors.calendar_list(user=request.user, village_id=membership.village_id)
        return paginate(self, request, calendars, ExternalCalendarSerializer)

    @extend_schema(
        request=ExternalCalendarCreateSerializer,
        responses={201: ExternalCalendarSerializer},
        tags=["calendar"],
        description="Staff subscribe the village to an ICS calendar by URL; it is imported "
        "every 30 minutes (or at once through .../import/).",
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = ExternalCalendarCreateSerializer.parse(request.data)
        calendar = services.external_calendar_create(
            actor=request.user, village_id=membership.village_id, **data
        )
        return Response(ExternalCalendarSerializer(calendar).data, status=status.HTTP_201_CREATED)


class ExternalCalendarDetailView(APIView):
    @extend_schema(responses=ExternalCalendarSerializer, tags=["calendar"])
    def get(self, request: AuthedRequest, calendar_id: int) -> Response:
        calendar = _calendar_or_404(request, calendar_id)
        require_staff(require_member_by_slug(request.user, calendar.village.slug))
        return Response(ExternalCalendarSerializer(calendar).data)

    @extend_schema(
        request=ExternalCalendarUpdateSerializer,
        responses=ExternalCalendarSerializer,
        tags=["calendar"],
    )
    def patch(self, request: AuthedRequest, calendar_id: int) -> Response:
        calendar = _calendar_or_404(request, calendar_id)
        data = ExternalCalendarUpdateSerializer.parse(request.data, partial=True)
        calendar = services.external_calendar_update(
            actor=request.user, calendar_id=calendar.pk, **data
        )
        return Response(ExternalCalendarSerializer(calendar).data)

    @extend_schema(request=None, responses={204: None}, tags=["calendar"])
    def delete(self, request: AuthedRequest, calendar_id: int) -> Response:
        calendar = _calendar_or_404(request, calendar_id)
        services.external_calendar_delete(actor=request.user, calendar_id=calendar.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExternalCalendarImportView(APIView):
    @extend_schema(
        request=None,
        responses=ImportResultSerializer,
        tags=["calendar"],
        description="Import now (a conditional GET: an unchanged calendar answers "
        "not_modified). A refused file leaves the previous import in place; see error.",
    )
    def post(self, request: AuthedRequest, calendar_id: int) -> Response:
        calendar = _calendar_or_404(request, calendar_id)
        require_staff(require_member_by_slug(request.user, calendar.village.slug))
        if not calendar.active:
            raise Conflict(_("This calendar is paused; activate it first."))
        result = importing.external_calendar_import(calendar_id=calendar.pk)
        return Response(ImportResultSerializer(result).data)
