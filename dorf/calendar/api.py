"""The merged village calendar: every registered source's occurrences in one list."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.calendar.conditional import FEED_RESPONSES, feed_response
from dorf.calendar.ics import render_calendar
from dorf.calendar.sources import CalendarCategory, CalendarQuery, calendar_page, feed_entries
from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.core.throttling import AnonThrottle
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Village
from dorf.villages.scoping import require_member_by_slug

# The longest window one request may ask for, and the default when ``to`` is missing.
MAX_WINDOW = timedelta(days=400)
DEFAULT_WINDOW = timedelta(days=31)
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
EARLIEST_YEAR, LATEST_YEAR = 1970, 2100
_ORGANIZER = re.compile(r"^[a-z_]{1,32}:\d{1,18}$")


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeField(serializers.Field[Any, Any, Any, Any]):
    """An ISO 8601 date (``2026-12-01``: that day's start in the village) or date-time
    with an offset (``2026-12-01T18:00:00+01:00``)."""

    default_error_messages = {
        "invalid": gettext_lazy(
            "Give a date (2026-12-01) or a date and time with its offset "
            "(2026-12-01T18:00:00+01:00)."
        )
    }

    def to_internal_value(self, data: Any) -> date | datetime:
        text = str(data).strip()
        try:
            when = parse_datetime(text) if "T" in text or " " in text else parse_date(text)
        except ValueError:
            when = None
        if when is None or (isinstance(when, datetime) and timezone.is_naive(when)):
            self.fail("invalid")
        assert when is not None
        # Far-off years overflow the window arithmetic (and mean nothing in a village).
        if not EARLIEST_YEAR <= when.year <= LATEST_YEAR:
            self.fail("invalid")
        return when

    def to_representation(self, value: Any) -> str:
        return str(value.isoformat())


class CalendarParams(serializers.Serializer[Any]):
    """``from``/``to`` are Python keywords, so the fields are declared in ``get_fields``."""

    category = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Comma-separated categories: " + ", ".join(CalendarCategory.values),
    )
    organizer = serializers.CharField(
        required=False, max_length=60, help_text="An organizer key, e.g. club:12 or publisher:3."
    )
    cursor = serializers.CharField(required=False, max_length=300)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = DateOrDateTimeField(
            required=False, help_text="Start of the window (default: now)."
        )
        fields["to"] = DateOrDateTimeField(
            required=False, help_text="End of the window, at most 400 days after the start."
        )
        return fields


class OrganizerSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    key = serializers.CharField()


class CalendarItemSerializer(serializers.Serializer[Any]):
    source = serializers.CharField()  # type: ignore[assignment]  # DRF pops declared fields
    series = serializers.CharField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    original_start = serializers.DateTimeField()
    organizer = OrganizerSerializer()
    categories = serializers.ListField(child=serializers.CharField())
    place = serializers.CharField()
    description = serializers.CharField()
    public = serializers.BooleanField()
    capacity = serializers.IntegerField(allow_null=True)
    moved = serializers.BooleanField()
    recurring = serializers.BooleanField()
    detail_path = serializers.CharField()


class CalendarPageSerializer(serializers.Serializer[Any]):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = CalendarItemSerializer(many=True)


def _instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value, time.min, tzinfo=tz).astimezone(UTC)


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(fields={"cursor": [_("Invalid cursor.")]}, code="invalid_cursor")


def encode_cursor(key: tuple[datetime, str, datetime]) -> str:
    raw = json.dumps([key[0].isoformat(), key[1], key[2].isoformat()]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, str, datetime]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        start, series, original = json.loads(raw)
        key = (datetime.fromisoformat(start), str(series), datetime.fromisoformat(original))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise _invalid_cursor() from None
    if timezone.is_naive(key[0]) or timezone.is_naive(key[2]):
        raise _invalid_cursor()
    return key


def _categories(raw: str) -> frozenset[str]:
    wanted = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = sorted(wanted - set(CalendarCategory.values))
    if unknown:
        raise ValidationFailed(
            fields={
                "category": [
                    _("Unknown category: %(names)s. Known: %(known)s.")
                    % {"names": ", ".join(unknown), "known": ", ".join(CalendarCategory.values)}
                ]
            }
        )
    return wanted


def _next_url(request: Request, key: tuple[datetime, str, datetime]) -> str:
    params = request.query_params.copy()
    params["cursor"] = encode_cursor(key)
    return request.build_absolute_uri(request.path + "?" + params.urlencode())


class VillageCalendarView(APIView):
    @extend_schema(
        parameters=[CalendarParams],
        responses=CalendarPageSerializer,
        tags=["calendar"],
        description=(
            "The village calendar: occurrences of club events, the municipality's and "
            "other publishers' events, imported calendars and every other registered "
            "source, recurring series expanded in the village's time zone, sorted by start. "
            "Members see members-only club events too. Paginated by `cursor`."
        ),
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        village = membership.village
        tz = ZoneInfo(village.timezone)
        params = CalendarParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        start = _instant(data["from"], tz) if "from" in data else timezone.now()
        end = _instant(data["to"], tz) if "to" in data else start + DEFAULT_WINDOW
        if end <= start:
            raise ValidationFailed(
                fields={"to": [_("The end must come after the start.")]}, code="invalid_window"
            )
        if end - start > MAX_WINDOW:
            raise ValidationFailed(
                fields={"to": [_("The window may be at most 400 days long.")]},
                code="invalid_window",
            )
        organizer = str(data.get("organizer", "")).strip()
        if organizer and not _ORGANIZER.match(organizer):
            raise ValidationFailed(
                fields={"organizer": [_("Give an organizer as kind:id, e.g. club:12.")]}
            )
        after = decode_cursor(data["cursor"]) if data.get("cursor") else None
        query = CalendarQuery(
            village=village,
            window_start=start,
            window_end=end,
            viewer=request.user,
            categories=_categories(str(data.get("category", ""))),
            organizer=organizer,
        )
        page = calendar_page(query, page_size=data.get("page_size", PAGE_SIZE), after=after)
        body = {
            "next": _next_url(request, page.next_after) if page.next_after else None,
            "previous": None,
            "results": CalendarItemSerializer(page.items, many=True).data,
        }
        return Response(body)


class FeedParams(serializers.Serializer[Any]):
    organizer = serializers.CharField(
        required=False,
        max_length=60,
        help_text="Only this organizer's events, e.g. publisher:3 or external:5.",
    )


# Calendar apps are asked to fetch the feed again after this long.
FEED_REFRESH = timedelta(hours=1)


class VillageFeedView(APIView):
    """The village's public calendar at a stable URL, for calendar apps: no login (they
    cannot send one), public events of every source only, series with RRULE and EXDATE."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [AnonThrottle]

    @extend_schema(parameters=[FeedParams], responses=FEED_RESPONSES, tags=["calendar"], auth=[])
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        village = Village.objects.filter(slug=slug).first()
        if village is None:
            raise NotFound()
        params = FeedParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        organizer = str(params.validated_data.get("organizer", "")).strip()
        if organizer and not _ORGANIZER.match(organizer):
            raise ValidationFailed(
                fields={"organizer": [_("Give an organizer as kind:id, e.g. club:12.")]}
            )
        body = render_calendar(
            name=village.name,
            tz=ZoneInfo(village.timezone),
            entries=feed_entries(village=village, organizer=organizer),
            refresh=FEED_REFRESH,
        )
        # Public: cacheable by proxies for five minutes.
        return feed_response(
            request, body, filename=f"{village.slug}.ics", cache_control="public, max-age=300"
        )
