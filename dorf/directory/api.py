"""The Branchenverzeichnis API: entries with who is open now, ownership claims, history.

Times in answers are given in the village's time zone (with their UTC offset), so
"opens at 08:00" reads the same for every client."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from auditlog.models import LogEntry
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import Forbidden, NotFound
from dorf.core.geo import geodesic_m
from dorf.core.pagination import IdCursorPagination, OffsetCursorPagination, paginate
from dorf.core.serializers import EmailAddressField, InputSerializer
from dorf.directory import selectors, services
from dorf.directory.hours import STATES
from dorf.directory.models import DirectoryEntry, EntryCategory, OwnershipClaim
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Membership, Role
from dorf.villages.scoping import require_member_by_slug
from dorf.villages.selectors import distance_origin

TAGS = ["directory"]

# --- serializers ----------------------------------------------------------------------------


class OpeningHoursStateSerializer(serializers.Serializer[Any]):
    state = serializers.ChoiceField(choices=STATES)
    comment = serializers.CharField()
    next_change_at = serializers.DateTimeField(
        allow_null=True, help_text="In the village's time zone; null: no change within a year."
    )
    next_state = serializers.ChoiceField(choices=STATES, allow_null=True)


class DirectoryPickupPointSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DirectoryEntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    category = serializers.ChoiceField(choices=EntryCategory.choices)
    description = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    phone = serializers.CharField()
    email = serializers.CharField()
    website = serializers.CharField()
    opening_hours = serializers.CharField()
    hours = serializers.SerializerMethodField()
    delivers = serializers.BooleanField()
    pickup_point = serializers.SerializerMethodField()
    has_owner = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()
    distance_m = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpeningHoursStateSerializer(allow_null=True))
    def get_hours(self, entry: DirectoryEntry) -> dict[str, Any] | None:
        membership: Membership = self.context["membership"]
        state = selectors.hours_at(entry, membership.village, self.context["at"])
        return None if state is None else OpeningHoursStateSerializer(state).data

    @extend_schema_field(DirectoryPickupPointSerializer(allow_null=True))
    def get_pickup_point(self, entry: DirectoryEntry) -> dict[str, Any] | None:
        point = entry.pickup_point
        return None if point is None else {"id": point.pk, "name": point.name}

    def get_has_owner(self, entry: DirectoryEntry) -> bool:
        return entry.owner_id is not None

    def get_can_edit(self, entry: DirectoryEntry) -> bool:
        return selectors.may_edit(self.context["membership"], entry)

    def get_distance_m(self, entry: DirectoryEntry) -> int | None:
        return geodesic_m(self.context.get("origin"), entry.latitude, entry.longitude)


class DirectoryEntryFilterSerializer(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=EntryCategory.choices, required=False)
    q = serializers.CharField(max_length=100, required=False)
    delivers = serializers.BooleanField(required=False, allow_null=True, default=None)
    pickup_point = serializers.BooleanField(required=False, allow_null=True, default=None)
    open_now = serializers.BooleanField(required=False, allow_null=True, default=None)
    open_at = serializers.DateTimeField(
        required=False,
        help_text="Only entries open at this time (without an offset: the village's time).",
    )
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)
    max_distance_m = serializers.IntegerField(min_value=100, max_value=50_000, required=False)
    order = serializers.ChoiceField(choices=["name", "nearest"], default="name")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError({"lat": [_("Give both coordinates or neither.")]})
        if attrs.get("open_now") is not None and "open_at" in attrs:
            raise serializers.ValidationError(
                {"open_at": [_("Ask for open_now or open_at, not both.")]}
            )
        return attrs


class DirectoryEntryWriteSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    category = serializers.ChoiceField(choices=EntryCategory.choices)
    description = serializers.CharField(max_length=2000, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, allow_blank=True, default="")
    latitude = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, default=None)
    longitude = serializers.FloatField(min_value=-180, max_value=180, allow_null=True, default=None)
    phone = serializers.CharField(max_length=40, allow_blank=True, default="")
    email = EmailAddressField(allow_blank=True, default="")
    website = serializers.URLField(max_length=200, allow_blank=True, default="")
    opening_hours = serializers.CharField(
        max_length=500,
        allow_blank=True,
        default="",
        trim_whitespace=True,
        help_text="OpenStreetMap opening_hours syntax, e.g. 'Mo-Fr 08:00-18:00; Sa 08:00-12:00; PH off'.",
    )
    delivers = serializers.BooleanField(default=False)
    pickup_point_id = serializers.IntegerField(min_value=1, allow_null=True, default=None)


class OwnershipClaimCreateSerializer(InputSerializer):
    message = serializers.CharField(max_length=500, allow_blank=True, default="")


class OwnershipClaimDecisionSerializer(InputSerializer):
    confirm = serializers.BooleanField()


class OwnershipClaimSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    entry_id = serializers.IntegerField()
    claimant_name = serializers.SerializerMethodField()
    message = serializers.CharField()
    state = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_claimant_name(self, claim: OwnershipClaim) -> str:
        return claim.claimant.display_name


class DirectoryHistorySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(source="timestamp")
    action = serializers.SerializerMethodField()
    actor_name = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=["create", "update", "delete", "access"]))
    def get_action(self, entry: LogEntry) -> str:
        return {0: "create", 1: "update", 2: "delete"}.get(entry.action, "access")

    def get_actor_name(self, entry: LogEntry) -> str | None:
        actor = entry.actor
        return None if actor is None else actor.display_name

    @extend_schema_field(
        serializers.DictField(
            child=serializers.ListField(child=serializers.CharField(allow_null=True)),
            help_text="Field name → [old, new].",
        )
    )
    def get_changes(self, entry: LogEntry) -> dict[str, list[str | None]]:
        return {name: list(pair) for name, pair in (entry.changes_dict or {}).items()}


class NameCursorPagination(IdCursorPagination):
    ordering = ("name", "id")


class HistoryPagination(IdCursorPagination):
    ordering = "-id"


# --- views ----------------------------------------------------------------------------------


def _tz(membership: Membership) -> ZoneInfo:
    return ZoneInfo(membership.village.timezone)


def _entry_or_404(membership: Membership, entry_id: int) -> DirectoryEntry:
    entry = selectors.entry_get(membership=membership, entry_id=entry_id)
    if entry is None:
        raise NotFound()
    return entry


def _detail(membership: Membership, entry: DirectoryEntry, *, code: int = 200) -> Response:
    context = {"membership": membership, "at": timezone.now()}
    with timezone.override(_tz(membership)):
        body = DirectoryEntrySerializer(entry, context=context).data
    return Response(body, status=code)


class EntryListView(APIView):
    pagination_class = NameCursorPagination

    @extend_schema(
        parameters=[DirectoryEntryFilterSerializer],
        responses=DirectoryEntrySerializer(many=True),
        tags=TAGS,
        description=(
            "The village's businesses and services, by name (cursor) or nearest first "
            "(the cursor holds an offset). `hours` says whether each is open at `open_at` (default: now) "
            "and when that changes next, in the village's time zone, with the public "
            "holidays of the village's Bundesland."
        ),
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        tz = _tz(membership)
        with timezone.override(tz):  # an open_at without offset is the village's time
            params = DirectoryEntryFilterSerializer(data=request.query_params)
            params.is_valid(raise_exception=True)
        f = params.validated_data
        wants_distance = "max_distance_m" in f or f["order"] == "nearest" or "lat" in f
        origin = (
            distance_origin(membership, (f["lat"], f["lon"]) if "lat" in f else None)
            if wants_distance
            else None
        )
        entries = selectors.entry_list(
            membership=membership,
            category=f.get("category"),
            text=f.get("q"),
            delivers=f["delivers"],
            pickup_point=f["pickup_point"],
            origin=origin,
            max_distance_m=f.get("max_distance_m"),
        )
        at: datetime = f.get("open_at") or timezone.now()
        if f["open_now"] is not None or "open_at" in f:
            wanted = True if "open_at" in f else f["open_now"]
            entries = entries.filter(
                pk__in=selectors.ids_with_state(
                    entries, village=membership.village, moment=at, is_open=wanted
                )
            )
        nearest = f["order"] == "nearest"
        if nearest:
            entries = entries.order_by("distance_sq", "id")  # type: ignore[misc]
        context = {"membership": membership, "at": at, "origin": origin}
        with timezone.override(tz):
            return paginate(
                self,
                request,
                entries,
                DirectoryEntrySerializer,
                context=context,
                pagination_class=OffsetCursorPagination if nearest else None,
            )

    @extend_schema(
        request=DirectoryEntryWriteSerializer, responses={201: DirectoryEntrySerializer}, tags=TAGS
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = DirectoryEntryWriteSerializer.parse(request.data)
        entry = services.entry_create(actor=request.user, village_id=membership.village_id, **data)
        return _detail(membership, _entry_or_404(membership, entry.pk), code=201)


class EntryDetailView(APIView):
    @extend_schema(responses=DirectoryEntrySerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, entry_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        return _detail(membership, _entry_or_404(membership, entry_id))

    @extend_schema(
        request=DirectoryEntryWriteSerializer(partial=True),
        responses=DirectoryEntrySerializer,
        tags=TAGS,
    )
    def patch(self, request: AuthedRequest, slug: str, entry_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _entry_or_404(membership, entry_id)
        data = DirectoryEntryWriteSerializer.parse(request.data, partial=True)
        services.entry_update(actor=request.user, entry_id=entry_id, **data)
        return _detail(membership, _entry_or_404(membership, entry_id))

    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def delete(self, request: AuthedRequest, slug: str, entry_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _entry_or_404(membership, entry_id)
        services.entry_archive(actor=request.user, entry_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimListView(APIView):
    @extend_schema(responses=OwnershipClaimSerializer(many=True), tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, entry_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        entry = _entry_or_404(membership, entry_id)
        claims = selectors.claim_list(membership=membership, entry=entry)
        return Response(OwnershipClaimSerializer(claims, many=True).data)

    @extend_schema(
        request=OwnershipClaimCreateSerializer, responses={201: OwnershipClaimSerializer}, tags=TAGS
    )
    def post(self, request: AuthedRequest, slug: str, entry_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _entry_or_404(membership, entry_id)
        data = OwnershipClaimCreateSerializer.parse(request.data)
        claim = services.claim_create(user=request.user, entry_id=entry_id, **data)
        return Response(OwnershipClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimDecisionView(APIView):
    @extend_schema(
        request=OwnershipClaimDecisionSerializer, responses=OwnershipClaimSerializer, tags=TAGS
    )
    def post(self, request: AuthedRequest, slug: str, claim_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        data = OwnershipClaimDecisionSerializer.parse(request.data)
        claim = services.claim_decide(actor=request.user, claim_id=claim_id, **data)
        return Response(OwnershipClaimSerializer(claim).data)


class EntryHistoryView(APIView):
    pagination_class = HistoryPagination

    @extend_schema(responses=DirectoryHistorySerializer(many=True), tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, entry_id: int) -> Response:
        """Who changed what and when: for the town hall and the entry's owner."""
        membership = require_member_by_slug(request.user, slug)
        entry = _entry_or_404(membership, entry_id)
        if membership.role != Role.STAFF and entry.owner_id != request.user.pk:
            raise Forbidden()
        history: QuerySet[LogEntry] = selectors.entry_history(entry)
        with timezone.override(_tz(membership)):
            return paginate(self, request, history, DirectoryHistorySerializer)
