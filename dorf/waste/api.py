"""The Müllkalender API: waste types, the household's schedule and next dates, the
member's reminder, the household's calendar feed, and the staff's plan import."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.calendar.selectors import feed_token_owner
from dorf.calendar.services import feed_token_get, feed_token_rotate
from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.core.pagination import IdCursorPagination, paginate
from dorf.core.parsers import StrictJSONParser, UploadParser
from dorf.core.schema import ICALENDAR, error_responses
from dorf.core.serializers import HourMinuteField, InputSerializer
from dorf.core.throttling import AnonThrottle
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Membership
from dorf.villages.scoping import membership_for, require_member_by_slug, require_staff
from dorf.waste import feeds, selectors, services
from dorf.waste.models import MAX_DAYS_BEFORE, Bundesland

MAX_SCHEDULE_DAYS = 400
ICS_RESPONSE = ICALENDAR


def feed_scope(village_id: int) -> str:
    return f"waste:{village_id}"


# --- serializers ----------------------------------------------------------------------------


class WasteTypeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    colour = serializers.CharField()


class WasteCollectionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    date = serializers.DateField()
    type = serializers.CharField(source="tour.waste_type.code")
    label = serializers.CharField(source="tour.waste_type.label")  # type: ignore[assignment]
    colour = serializers.CharField(source="tour.waste_type.colour")
    tour = serializers.CharField(source="tour.name")
    shifted = serializers.BooleanField()
    original_date = serializers.DateField(allow_null=True)
    shift_reason = serializers.CharField()
    holiday = serializers.CharField(help_text="The public holiday the date falls on, if any.")
    note = serializers.CharField()


class WasteNextSerializer(serializers.Serializer[Any]):
    collections = WasteCollectionSerializer(many=True)


class WasteScheduleQuerySerializer(InputSerializer):
    from_ = serializers.DateField(required=False)
    to = serializers.DateField(required=False)
    types = serializers.CharField(required=False, allow_blank=True)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class WasteReminderInputSerializer(InputSerializer):
    types = serializers.ListField(
        child=serializers.SlugField(max_length=32),
        required=False,
        max_length=20,
        help_text="Waste type codes; empty: every type of the household.",
    )
    days_before = serializers.IntegerField(min_value=0, max_value=MAX_DAYS_BEFORE, default=1)
    time = HourMinuteField(
        required=False, input_formats=["%H:%M", "iso-8601"], help_text="Local time, default 19:00."
    )
    push = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    enabled = serializers.BooleanField(default=True)


class WasteReminderSerializer(serializers.Serializer[Any]):
    types = serializers.ListField(child=serializers.CharField())
    days_before = serializers.IntegerField()
    time = HourMinuteField()
    enabled = serializers.BooleanField()
    push = serializers.BooleanField()
    email = serializers.BooleanField()
    next_reminder_at = serializers.DateTimeField(allow_null=True)
    next_collection_date = serializers.DateField(allow_null=True)


class WasteFeedUrlSerializer(serializers.Serializer[Any]):
    url = serializers.URLField()


class WasteImportFileSerializer(InputSerializer):
    format = serializers.ChoiceField(choices=["ics", "csv"])
    file = serializers.FileField()
    tour = serializers.IntegerField(required=False, help_text="Put every event on this tour.")
    bundesland = serializers.ChoiceField(choices=Bundesland.choices, required=False)


class WasteImportUrlSerializer(InputSerializer):
    format = serializers.ChoiceField(choices=["ics", "csv"])
    url = serializers.URLField(max_length=2000)
    tour = serializers.IntegerField(required=False)
    bundesland = serializers.ChoiceField(choices=Bundesland.choices, required=False)


class WasteImportReportSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    shifted = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    holidays = serializers.IntegerField(
        help_text="Collections on a public holiday the plan did not shift."
    )


# --- views ----------------------------------------------------------------------------------


class WasteTypePagination(IdCursorPagination):
    ordering = "id"
    page_size = 50


class SchedulePagination(IdCursorPagination):
    ordering = ("date", "id")
    page_size = 100


def _today(membership: Membership) -> date:
    return timezone.now().astimezone(ZoneInfo(membership.village.timezone)).date()


class WasteTypeListView(APIView):
    pagination_class = WasteTypePagination

    @extend_schema(responses=WasteTypeSerializer(many=True), tags=["waste"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        return paginate(
            self,
            request,
            selectors.waste_types(village_id=membership.village_id),
            WasteTypeSerializer,
        )


class ScheduleView(APIView):
    """The household's collections from ``from`` (default today) to ``to`` (default a
    year later), optionally only some ``types`` (comma-separated codes)."""

    pagination_class = SchedulePagination

    @extend_schema(
        parameters=[
            OpenApiParameter("from", date, description="First date (default: today)"),
            OpenApiParameter("to", date, description="Last date (default: a year later)"),
            OpenApiParameter("types", str, description="Waste type codes, comma-separated"),
        ],
        responses=WasteCollectionSerializer(many=True),
        tags=["waste"],
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        household = selectors.household_of(membership)
        query = {k: v for k, v in request.query_params.items() if k in {"from", "to", "types"}}
        params = WasteScheduleQuerySerializer.parse(query)
        first = params.get("from") or _today(membership)
        last = params.get("to") or first + timedelta(days=365)
        if last < first:
            raise ValidationFailed(fields={"to": [_("Must not be before “from”.")]})
        if (last - first).days > MAX_SCHEDULE_DAYS:
            raise ValidationFailed(
                fields={"to": [_("At most %(days)s days at a time.") % {"days": MAX_SCHEDULE_DAYS}]}
            )
        type_ids = None
        codes = [c.strip() for c in params.get("types", "").split(",") if c.strip()]
        if codes:
            types = selectors.types_by_code(village_id=membership.village_id, codes=codes)
            type_ids = [t.pk for t in types]
        collections = selectors.household_collections(
            household=household, first=first, last=last, type_ids=type_ids
        )
        return paginate(self, request, collections, WasteCollectionSerializer)


class NextView(APIView):
    @extend_schema(
        responses={200: WasteNextSerializer, **error_responses(400)},
        tags=["waste"],
        description="400 `household_missing` until my household address is set.",
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        household = selectors.household_of(membership)
        found = selectors.next_collections(household=household, today=_today(membership))
        return Response({"collections": WasteCollectionSerializer(found, many=True).data})


def _reminder_body(membership: Membership) -> dict[str, Any]:
    setting = selectors.reminder_setting_of(membership=membership)
    push, email = selectors.waste_channels(user=membership.user)
    if setting is None:
        raise NotFound(_("No reminder is set."))
    return {
        "types": sorted(t.code for t in setting.waste_types.all()),
        "days_before": setting.days_before,
        "time": setting.time_local,
        "enabled": setting.enabled,
        "push": push,
        "email": email,
        "next_reminder_at": setting.next_fire_at,
        "next_collection_date": setting.next_date,
    }


class ReminderView(APIView):
    """My reminder: which types, how many days before (0-3), at what local time."""

    @extend_schema(responses=WasteReminderSerializer, tags=["waste"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        return Response(WasteReminderSerializer(_reminder_body(membership)).data)

    @extend_schema(
        request=WasteReminderInputSerializer, responses=WasteReminderSerializer, tags=["waste"]
    )
    def put(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = WasteReminderInputSerializer.parse(request.data)
        extra = {"time_local": data["time"]} if "time" in data else {}
        services.reminder_setting_set(
            user=request.user,
            village_id=membership.village_id,
            type_codes=data.get("types"),
            days_before=data["days_before"],
            push=data.get("push"),
            email=data.get("email"),
            enabled=data["enabled"],
            **extra,
        )
        return Response(WasteReminderSerializer(_reminder_body(membership)).data)

    @extend_schema(responses={204: None}, tags=["waste"])
    def delete(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        services.reminder_setting_delete(user=request.user, village_id=membership.village_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _feed_url(request: Request, slug: str, secret: str) -> str:
    return request.build_absolute_uri(
        reverse("waste:household-feed", kwargs={"slug": slug, "token": secret})
    )


class FeedTokenView(APIView):
    """The secret URL of my household's calendar (add ``?types=`` and ``?alarm=4`` for a
    reminder 4 hours before the day starts)."""

    @extend_schema(responses={200: WasteFeedUrlSerializer, **error_responses(400)}, tags=["waste"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        selectors.household_of(membership)
        token = feed_token_get(user=request.user, scope=feed_scope(membership.village_id))
        return Response({"url": _feed_url(request, slug, token.token)})

    @extend_schema(
        request=None,
        responses=WasteFeedUrlSerializer,
        tags=["waste"],
        description="A new secret URL; the old one answers 404 from now on.",
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        selectors.household_of(membership)
        token = feed_token_rotate(user=request.user, scope=feed_scope(membership.village_id))
        return Response({"url": _feed_url(request, slug, token.token)})


class WasteFeedQuerySerializer(InputSerializer):
    types = serializers.CharField(required=False, allow_blank=True)
    alarm = serializers.IntegerField(required=False, min_value=0, max_value=feeds.MAX_ALARM_HOURS)


class HouseholdFeedView(APIView):
    """The household's collections as iCalendar; the secret token in the URL is the only
    credential (calendar apps cannot sign in). A wrong token is 404."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [AnonThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter("types", str, description="Waste type codes, comma-separated"),
            OpenApiParameter("alarm", int, description="VALARM this many hours before the day"),
        ],
        responses=ICS_RESPONSE,
        tags=["waste"],
        auth=[],
    )
    def get(self, request: Request, slug: str, token: str) -> HttpResponse:
        owner = None
        village_id = selectors.village_id_by_slug(slug=slug)
        if village_id is not None:
            owner = feed_token_owner(scope=feed_scope(village_id), secret=token)
        membership = membership_for(owner, village_id) if owner and village_id else None
        if village_id is None or membership is None or membership.household is None:
            raise NotFound()
        query = {k: v for k, v in request.query_params.items() if k in {"types", "alarm"}}
        params = WasteFeedQuerySerializer.parse(query)
        codes = [c.strip() for c in params.get("types", "").split(",") if c.strip()]
        type_ids = (
            [t.pk for t in selectors.types_by_code(village_id=village_id, codes=codes)]
            if codes
            else None
        )
        today = _today(membership)
        collections = selectors.household_collections(
            household=membership.household,
            first=today - timedelta(days=60),
            last=today + timedelta(days=400),
            type_ids=type_ids,
            include_cancelled=True,
        )
        body = feeds.household_feed(
            name=str(_("Waste calendar %(village)s") % {"village": membership.village.name}),
            tz=ZoneInfo(membership.village.timezone),
            collections=collections,
            alarm_hours=params.get("alarm"),
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="muellkalender.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response


class ImportView(APIView):
    """Staff import a collection company's plan: an iCalendar or CSV file (multipart) or
    a URL (JSON). All or nothing: a file with errors answers 400 listing its faulty lines."""

    parser_classes = [UploadParser, StrictJSONParser]

    @extend_schema(
        request={
            "multipart/form-data": WasteImportFileSerializer,
            "application/json": WasteImportUrlSerializer,
        },
        responses=WasteImportReportSerializer,
        tags=["waste"],
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_staff(require_member_by_slug(request.user, slug))
        if request.content_type.startswith("multipart/"):
            data = WasteImportFileSerializer.parse(request.data)
            content: bytes | None = data["file"].read(services.import_limit() + 1)
            url = ""
        else:
            data = WasteImportUrlSerializer.parse(request.data)
            content, url = None, data["url"]
        report = services.collections_import(
            user=request.user,
            village_id=membership.village_id,
            fmt=data["format"],
            content=content,
            url=url,
            tour_id=data.get("tour"),
            bundesland=data.get("bundesland"),
        )
        return Response(WasteImportReportSerializer(report).data)
