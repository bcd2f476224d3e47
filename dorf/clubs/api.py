from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.calendar import selectors as calendar_selectors
from dorf.calendar import services as calendar_services
from dorf.calendar.conditional import FEED_RESPONSES, feed_response
from dorf.calendar.models import FeedToken
from dorf.clubs import feeds, selectors, services
from dorf.clubs.models import (
    Club,
    ClubEvent,
    ClubMembership,
    ClubRole,
    MembershipPolicy,
    OccurrenceOverride,
    RsvpResponse,
    Shift,
    Visibility,
)
from dorf.clubs.series import FEED_SCOPE
from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.core.pagination import IdCursorPagination, OldestFirstCursorPagination, paginate
from dorf.core.serializers import InputSerializer
from dorf.core.throttling import AnonThrottle
from dorf.users.api import UserPublicSerializer
from dorf.users.requests import AuthedRequest
from dorf.villages.scoping import get_scoped_or_404, require_member_by_slug

MAX_WINDOW = timedelta(days=400)

# --- serializers ----------------------------------------------------------------------------


class ClubSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    contact = serializers.CharField()
    membership_policy = serializers.CharField()
    member_count = serializers.IntegerField(required=False)
    # The club's chat room (its active members are in it); in lists and the detail view.
    room_id = serializers.IntegerField(required=False, allow_null=True)
    my_membership = serializers.SerializerMethodField()

    def get_my_membership(self, club: Club) -> dict[str, Any] | None:
        own = getattr(club, "viewer_memberships", None)
        if own is None:
            return None
        return {"id": own[0].pk, "role": own[0].role, "state": own[0].state} if own else None


class ClubCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(
        max_length=4000, required=False, default="", allow_blank=True
    )
    contact = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    membership_policy = serializers.ChoiceField(
        choices=MembershipPolicy.choices, default=MembershipPolicy.OPEN
    )


class ClubUpdateSerializer(InputSerializer):
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True)
    membership_policy = serializers.ChoiceField(choices=MembershipPolicy.choices, required=False)


class ClubMemberSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    user = UserPublicSerializer()
    role = serializers.CharField()
    state = serializers.CharField()


class ClubMemberUpdateSerializer(InputSerializer):
    approve = serializers.BooleanField(default=False)
    role = serializers.ChoiceField(choices=ClubRole.choices, required=False)


class AnnouncementSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    pinned = serializers.BooleanField()
    author = UserPublicSerializer()
    created_at = serializers.DateTimeField()


class AnnouncementCreateSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    pinned = serializers.BooleanField(default=False)


class EventSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    club_id = serializers.IntegerField()
    club_name = serializers.CharField(source="club.name")
    title = serializers.CharField()
    description = serializers.CharField()
    place = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    visibility = serializers.CharField()
    capacity = serializers.IntegerField(allow_null=True)
    rrule = serializers.CharField()
    overrides = serializers.SerializerMethodField()

    def get_overrides(self, event: ClubEvent) -> list[dict[str, Any]]:
        return [override_json(o) for o in event.overrides.all()]


def override_json(o: OccurrenceOverride | dict[str, Any]) -> dict[str, Any]:
    """An occurrence override, from the model or an ``event_override_rows`` row."""
    row = o if isinstance(o, dict) else {f: getattr(o, f) for f in selectors.OVERRIDE_ROW_FIELDS}
    return {
        "original_start": row["original_start"].isoformat(),
        "cancelled": row["cancelled"],
        "starts_at": row["starts_at"].isoformat() if row["starts_at"] else None,
        "ends_at": row["ends_at"].isoformat() if row["ends_at"] else None,
        "note": row["note"],
    }


def event_json(
    row: dict[str, Any], club_name: str, overrides: list[dict[str, Any]]
) -> dict[str, Any]:
    """An ``event_list`` row as ``EventSerializer`` shows the event (a test holds the two
    equal)."""
    return {
        "id": row["id"],
        "club_id": row["club_id"],
        "club_name": club_name,
        "title": row["title"],
        "description": row["description"],
        "place": row["place"],
        "latitude": row["latitude"],
        "longitude": row["longitude"],
        "starts_at": _DATETIME.to_representation(row["starts_at"]),
        "ends_at": _DATETIME.to_representation(row["ends_at"]),
        "visibility": row["visibility"],
        "capacity": row["capacity"],
        "rrule": row["rrule"],
        "overrides": [override_json(o) for o in overrides],
    }


_DATETIME = serializers.DateTimeField()


class EventWriteSerializer(InputSerializer):
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
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)
    capacity = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, default=None, allow_null=True
    )
    rrule = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class OccurrenceOverrideSerializer(InputSerializer):
    original_start = serializers.DateTimeField()
    cancelled = serializers.BooleanField(default=False)
    starts_at = serializers.DateTimeField(required=False, default=None, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, default=None, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class WindowSerializer(serializers.Serializer[Any]):
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)


class OccurrenceSerializer(serializers.Serializer[Any]):
    event_id = serializers.IntegerField(source="event.pk")
    club_id = serializers.IntegerField(source="event.club_id")
    club_name = serializers.CharField(source="event.club.name")
    title = serializers.CharField(source="event.title")
    visibility = serializers.CharField(source="event.visibility")
    capacity = serializers.IntegerField(source="event.capacity", allow_null=True)
    original_start = serializers.DateTimeField(source="occurrence.original_start")
    starts_at = serializers.DateTimeField(source="occurrence.starts_at")
    ends_at = serializers.DateTimeField(source="occurrence.ends_at")
    moved = serializers.BooleanField(source="occurrence.moved")
    going = serializers.IntegerField()
    waitlisted = serializers.IntegerField()
    my_response = serializers.CharField(allow_null=True)


class RsvpInputSerializer(InputSerializer):
    response = serializers.ChoiceField(
        choices=[RsvpResponse.GOING, RsvpResponse.MAYBE, RsvpResponse.NOT_GOING]
    )
    occurrence_start = serializers.DateTimeField(required=False, default=None, allow_null=True)


class RsvpSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    occurrence_start = serializers.DateTimeField()
    user = UserPublicSerializer()
    response = serializers.CharField()
    waitlisted_at = serializers.DateTimeField(allow_null=True)


class RsvpListParams(serializers.Serializer[Any]):
    occurrence_start = serializers.DateTimeField(required=False)


class VolunteerShiftSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    occurrence_start = serializers.DateTimeField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    helpers_needed = serializers.IntegerField()
    minutes = serializers.IntegerField()
    signup_count = serializers.IntegerField(required=False)
    signed_up = serializers.SerializerMethodField()
    attendance_confirmed_at = serializers.DateTimeField(allow_null=True)
    transfer_id = serializers.IntegerField(allow_null=True)

    def get_signed_up(self, shift: Shift) -> bool | None:
        own = getattr(shift, "viewer_signups", None)
        return None if own is None else bool(own)


class ShiftCreateSerializer(InputSerializer):
    title = serializers.CharField(max_length=120)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    helpers_needed = serializers.IntegerField(min_value=1, max_value=1000)
    minutes = serializers.IntegerField(min_value=1, max_value=100_000)
    occurrence_start = serializers.DateTimeField(required=False, default=None, allow_null=True)


class AttendanceSerializer(InputSerializer):
    attended_user_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=1000
    )


class SignupSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    shift_id = serializers.IntegerField()
    status = serializers.CharField()


class CalendarTokenSerializer(serializers.Serializer[Any]):
    url = serializers.CharField()


# --- helpers ------------------------------------------------------------------------------------


def _club_or_404(request: AuthedRequest, club_id: int) -> Club:
    return get_scoped_or_404(selectors.club_visible(user=request.user), pk=club_id)


def _event_or_404(request: AuthedRequest, event_id: int) -> ClubEvent:
    return get_scoped_or_404(selectors.event_visible(user=request.user), pk=event_id)


def _shift_or_404(request: AuthedRequest, shift_id: int) -> Shift:
    return get_scoped_or_404(selectors.shift_visible(user=request.user), pk=shift_id)


def _window(request: Request) -> tuple[Any, Any]:
    params = WindowSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    start = params.validated_data.get("start") or timezone.now() - timedelta(hours=12)
    end = params.validated_data.get("end") or start + timedelta(days=31)
    if end <= start or end - start > MAX_WINDOW:
        raise ValidationFailed(
            fields={"end": [_("The end must be after the start, at most 400 days later.")]}
        )
    return start, end


class PinnedFirstPagination(IdCursorPagination):
    ordering = ("-pinned", "-id")


# --- clubs --------------------------------------------------------------------------------------


class ClubListView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(responses=ClubSerializer(many=True), tags=["clubs"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        clubs = selectors.club_list(user=request.user, village_id=membership.village_id)
        return paginate(self, request, clubs, ClubSerializer)

    @extend_schema(request=ClubCreateSerializer, responses={201: ClubSerializer}, tags=["clubs"])
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = ClubCreateSerializer.parse(request.data)
        club = services.club_create(membership=membership, **data)
        return Response(ClubSerializer(club).data, status=status.HTTP_201_CREATED)


class ClubDetailView(APIView):
    @extend_schema(responses=ClubSerializer, tags=["clubs"])
    def get(self, request: AuthedRequest, club_id: int) -> Response:
        club = get_scoped_or_404(
            selectors.club_list(
                user=request.user, village_id=_club_or_404(request, club_id).village_id
            ),
            pk=club_id,
        )
        return Response(ClubSerializer(club).data)

    @extend_schema(request=ClubUpdateSerializer, responses=ClubSerializer, tags=["clubs"])
    def patch(self, request: AuthedRequest, club_id: int) -> Response:
        club = _club_or_404(request, club_id)
        data = ClubUpdateSerializer.parse(request.data, partial=True)
        club = services.club_update(user=request.user, club_id=club.pk, **data)
        return Response(ClubSerializer(club).data)


class ClubJoinView(APIView):
    @extend_schema(request=None, responses={201: ClubMemberSerializer}, tags=["clubs"])
    def post(self, request: AuthedRequest, club_id: int) -> Response:
        club = _club_or_404(request, club_id)
        membership = services.club_join(user=request.user, club_id=club.pk)
        return Response(ClubMemberSerializer(membership).data, status=status.HTTP_201_CREATED)


class ClubLeaveView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["clubs"])
    def post(self, request: AuthedRequest, club_id: int) -> Response:
        club = _club_or_404(request, club_id)
        services.club_leave(user=request.user, club_id=club.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClubMemberListView(APIView):
    pagination_class = OldestFirstCursorPagination

    @extend_schema(responses=ClubMemberSerializer(many=True), tags=["clubs"])
    def get(self, request: AuthedRequest, club_id: int) -> Response:
        club = _club_or_404(request, club_id)
        own = services.club_membership_of(request.user, club)
        members = selectors.club_member_list(club=club, viewer_is_board=bool(own and own.is_board))
        return paginate(self, request, members, ClubMemberSerializer)


class ClubMemberDetailView(APIView):
    @extend_schema(
        request=ClubMemberUpdateSerializer, responses=ClubMemberSerializer, tags=["clubs"]
    )
    def patch(self, request: AuthedRequest, club_id: int, club_membership_id: int) -> Response:
        club = _club_or_404(request, club_id)
        target = ClubMembership.objects.filter(pk=club_membership_id, club=club).first()
        if target is None:
            raise NotFound()
        data = ClubMemberUpdateSerializer.parse(request.data)
        membership = services.club_member_update(
            actor=request.user, club_membership_id=target.pk, **data
        )
        return Response(ClubMemberSerializer(membership).data)

    @extend_schema(
        request=None,
        responses={204: None},
        tags=["clubs"],
        description="The board removes a member or turns down a request to join; "
        "the member leaves the club's chat room at once.",
    )
    def delete(self, request: AuthedRequest, club_id: int, club_membership_id: int) -> Response:
        club = _club_or_404(request, club_id)
        target = ClubMembership.objects.filter(pk=club_membership_id, club=club).first()
        if target is None:
            raise NotFound()
        services.club_member_remove(actor=request.user, club_membership_id=target.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AnnouncementListView(APIView):
    pagination_class = PinnedFirstPagination

    @extend_schema(responses=AnnouncementSerializer(many=True), tags=["clubs"])
    def get(self, request: AuthedRequest, club_id: int) -> Response:
        club = _club_or_404(request, club_id)
        return paginate(
            self, request, selectors.announcement_list(club=club), AnnouncementSerializer
        )

    @extend_schema(
        request=AnnouncementCreateSerializer,
        responses={201: AnnouncementSerializer},
        tags=["clubs"],
    )
    def post(self, request: AuthedRequest, club_id: int) -> Response:
        club = _club_or_404(request, club_id)
        data = AnnouncementCreateSerializer.parse(request.data)
        announcement = services.announcement_create(user=request.user, club_id=club.pk, **data)
        return Response(AnnouncementSerializer(announcement).data, status=status.HTTP_201_CREATED)


# --- events -------------------------------------------------------------------------------------


class ClubEventListView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(responses=EventSerializer(many=True), tags=["events"])
    def get(self, request: AuthedRequest, club_id: int) -> Response:
        club_name = selectors.club_name_visible(user=request.user, club_id=club_id)
        if club_name is None:
            raise NotFound()
        # The paginator the schema documents, fed with values() rows (DRF's per-field cost
        # was most of the request: docs/benchmarks.md, "REST reads").
        paginator = self.pagination_class()
        events = selectors.event_list(club_id=club_id)
        rows = paginator.paginate_queryset(events, request, self) or []
        overrides = selectors.event_override_rows(row["id"] for row in rows if row["has_overrides"])
        return paginator.get_paginated_response(
            [event_json(row, club_name, overrides.get(row["id"], [])) for row in rows]
        )

    @extend_schema(request=EventWriteSerializer, responses={201: EventSerializer}, tags=["events"])
    def post(self, request: AuthedRequest, club_id: int) -> Response:
        club = _club_or_404(request, club_id)
        data = EventWriteSerializer.parse(request.data)
        event = services.event_create(user=request.user, club_id=club.pk, **data)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class VillageOccurrenceListView(APIView):
    @extend_schema(
        parameters=[WindowSerializer],
        responses=OccurrenceSerializer(many=True),
        tags=["events"],
        description="Every event occurrence of the village in the window (default: next month).",
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        start, end = _window(request)
        rows = selectors.occurrence_list(
            user=request.user,
            events=selectors.event_visible(user=request.user).filter(
                village_id=membership.village_id
            ),
            window_start=start,
            window_end=end,
        )
        return Response(OccurrenceSerializer(rows, many=True).data)


class EventDetailView(APIView):
    @extend_schema(responses=EventSerializer, tags=["events"])
    def get(self, request: AuthedRequest, event_id: int) -> Response:
        return Response(EventSerializer(_event_or_404(request, event_id)).data)

    @extend_schema(request=EventWriteSerializer, responses=EventSerializer, tags=["events"])
    def patch(self, request: AuthedRequest, event_id: int) -> Response:
        event = _event_or_404(request, event_id)
        data = EventWriteSerializer.parse(request.data, partial=True)
        event = services.event_update(user=request.user, event_id=event.pk, **data)
        return Response(EventSerializer(_event_or_404(request, event.pk)).data)


class EventOccurrenceView(APIView):
    @extend_schema(
        parameters=[WindowSerializer], responses=OccurrenceSerializer(many=True), tags=["events"]
    )
    def get(self, request: AuthedRequest, event_id: int) -> Response:
        event = _event_or_404(request, event_id)
        start, end = _window(request)
        rows = selectors.occurrence_list(
            user=request.user,
            events=selectors.event_visible(user=request.user).filter(pk=event.pk),
            window_start=start,
            window_end=end,
        )
        return Response(OccurrenceSerializer(rows, many=True).data)

    @extend_schema(
        request=OccurrenceOverrideSerializer,
        responses={201: EventSerializer},
        tags=["events"],
        description="Cancel or move one occurrence of a recurring event.",
    )
    def post(self, request: AuthedRequest, event_id: int) -> Response:
        event = _event_or_404(request, event_id)
        data = OccurrenceOverrideSerializer.parse(request.data)
        services.occurrence_override_set(user=request.user, event_id=event.pk, **data)
        return Response(
            EventSerializer(_event_or_404(request, event.pk)).data, status=status.HTTP_201_CREATED
        )


class RsvpView(APIView):
    pagination_class = OldestFirstCursorPagination

    @extend_schema(
        parameters=[RsvpListParams], responses=RsvpSerializer(many=True), tags=["events"]
    )
    def get(self, request: AuthedRequest, event_id: int) -> Response:
        event = _event_or_404(request, event_id)
        params = RsvpListParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        start = params.validated_data.get("occurrence_start") or event.starts_at
        rsvps = selectors.rsvp_list(event=event, occurrence_start=start)
        return paginate(self, request, rsvps, RsvpSerializer)

    @extend_schema(
        request=RsvpInputSerializer,
        responses=RsvpSerializer,
        tags=["events"],
        description="Going / maybe / not going; going to a full occurrence joins the waitlist.",
    )
    def put(self, request: AuthedRequest, event_id: int) -> Response:
        event = _event_or_404(request, event_id)
        data = RsvpInputSerializer.parse(request.data)
        rsvp = services.rsvp_set(user=request.user, event_id=event.pk, **data)
        return Response(RsvpSerializer(rsvp).data)


class ShiftListView(APIView):
    @extend_schema(responses=VolunteerShiftSerializer(many=True), tags=["events"])
    def get(self, request: AuthedRequest, event_id: int) -> Response:
        event = _event_or_404(request, event_id)
        shifts = selectors.shift_list(event=event, user=request.user)
        return Response(VolunteerShiftSerializer(shifts, many=True).data)

    @extend_schema(
        request=ShiftCreateSerializer, responses={201: VolunteerShiftSerializer}, tags=["events"]
    )
    def post(self, request: AuthedRequest, event_id: int) -> Response:
        event = _event_or_404(request, event_id)
        data = ShiftCreateSerializer.parse(request.data)
        shift = services.shift_create(user=request.user, event_id=event.pk, **data)
        return Response(VolunteerShiftSerializer(shift).data, status=status.HTTP_201_CREATED)


class ShiftSignupView(APIView):
    @extend_schema(request=None, responses={201: SignupSerializer}, tags=["events"])
    def post(self, request: AuthedRequest, shift_id: int) -> Response:
        shift = _shift_or_404(request, shift_id)
        signup = services.shift_signup(user=request.user, shift_id=shift.pk)
        return Response(SignupSerializer(signup).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, tags=["events"])
    def delete(self, request: AuthedRequest, shift_id: int) -> Response:
        shift = _shift_or_404(request, shift_id)
        services.shift_withdraw(user=request.user, shift_id=shift.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShiftAttendanceView(APIView):
    @extend_schema(
        request=AttendanceSerializer,
        responses=VolunteerShiftSerializer,
        tags=["events"],
        description="After the shift: who came. Pays each of them from the club's account.",
    )
    def post(self, request: AuthedRequest, shift_id: int) -> Response:
        shift = _shift_or_404(request, shift_id)
        data = AttendanceSerializer.parse(request.data)
        shift = services.shift_confirm_attendance(
            user=request.user,
            shift_id=shift.pk,
            attended_user_ids=data["attended_user_ids"],
        )
        return Response(VolunteerShiftSerializer(shift).data)


# --- calendar feeds -------------------------------------------------------------------------------


class ClubFeedView(APIView):
    """A club's public events at a stable URL for calendar apps: no login (they cannot
    send one), public events only, no personal data; series keep RRULE and EXDATE. The
    village's merged feed is ``calendar:village-feed``."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [AnonThrottle]

    @extend_schema(responses=FEED_RESPONSES, tags=["calendar"], auth=[])
    def get(self, request: Request, club_id: int) -> HttpResponseBase:
        club = Club.objects.select_related("village").filter(pk=club_id).first()
        if club is None:
            raise NotFound()
        events = selectors.public_events(village_id=club.village_id, club=club)
        feed = feeds.events_feed(name=club.name, tz=ZoneInfo(club.village.timezone), events=events)
        return feed_response(
            request, feed, filename=f"club-{club.pk}.ics", cache_control="public, max-age=300"
        )


class UserFeedView(APIView):
    """The personal feed: the secret token in the URL is the only credential, because
    calendar apps cannot send a bearer token. A wrong token is 404."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [AnonThrottle]

    @extend_schema(responses=FEED_RESPONSES, tags=["calendar"], auth=[])
    def get(self, request: Request, token: str) -> HttpResponseBase:
        owner = calendar_selectors.feed_token_owner(scope=FEED_SCOPE, secret=token)
        if owner is None:
            raise NotFound()
        feed = feeds.user_feed(user=owner, tz=ZoneInfo(settings.TIME_ZONE))
        return feed_response(
            request, feed, filename="dorf.ics", cache_control="private, max-age=300"
        )


class CalendarTokenView(APIView):
    @extend_schema(responses=CalendarTokenSerializer, tags=["calendar"])
    def get(self, request: AuthedRequest) -> Response:
        token = calendar_services.feed_token_get(user=request.user, scope=FEED_SCOPE)
        return Response({"url": _feed_url(request, token)})

    @extend_schema(
        request=None,
        responses=CalendarTokenSerializer,
        tags=["calendar"],
        description="A new secret feed URL; the old one stops working.",
    )
    def post(self, request: AuthedRequest) -> Response:
        token = calendar_services.feed_token_rotate(user=request.user, scope=FEED_SCOPE)
        return Response({"url": _feed_url(request, token)})


def _feed_url(request: Request, token: FeedToken) -> str:
    return request.build_absolute_uri(reverse("clubs:user-feed", kwargs={"token": token.token}))
