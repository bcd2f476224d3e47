from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.appointments import invitations, selectors, services
from dorf.appointments.models import Appointment, AppointmentStatus
from dorf.core.pagination import IdCursorPagination, paginate
from dorf.core.schema import ICALENDAR, error_responses
from dorf.core.serializers import InputSerializer
from dorf.core.throttling import AnonThrottle
from dorf.users.requests import AuthedRequest
from dorf.villages.scoping import require_member_by_slug

# --- serializers ----------------------------------------------------------------------------


class ServiceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    documents = serializers.ListField(child=serializers.CharField())
    location = serializers.CharField()
    desk = serializers.CharField()
    bookable_days = serializers.IntegerField()
    min_notice_minutes = serializers.IntegerField()


class FreeSlotSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    seats = serializers.IntegerField()
    free = serializers.IntegerField()


class AvailabilityQuerySerializer(InputSerializer):
    service = serializers.IntegerField(min_value=1)
    # "from" is a Python keyword: the field is renamed below.
    from_ = serializers.DateField()
    to = serializers.DateField()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class AppointmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    service_id = serializers.IntegerField()
    service_name = serializers.CharField(source="service.name")
    starts_at = serializers.DateTimeField(source="slot_start")
    ends_at = serializers.DateTimeField(source="slot_end")
    seat = serializers.IntegerField()
    status = serializers.CharField()
    hold_expires_at = serializers.DateTimeField(allow_null=True)
    from_waitlist = serializers.BooleanField()


class StaffAppointmentSerializer(AppointmentSerializer):
    resident = serializers.SerializerMethodField()

    def get_resident(self, appointment: Appointment) -> dict[str, Any]:
        user = appointment.membership.user
        return {"id": user.pk, "name": f"{user.first_name} {user.last_name}".strip()}


class HoldSerializer(InputSerializer):
    service = serializers.IntegerField(min_value=1)
    starts_at = serializers.DateTimeField()


class WaitlistJoinSerializer(InputSerializer):
    service = serializers.IntegerField(min_value=1)
    earliest_day = serializers.DateField(required=False, allow_null=True, default=None)
    latest_day = serializers.DateField(required=False, allow_null=True, default=None)


class WaitlistEntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    service_id = serializers.IntegerField()
    service_name = serializers.CharField(source="service.name")
    earliest_day = serializers.DateField(allow_null=True)
    latest_day = serializers.DateField(allow_null=True)
    state = serializers.CharField()
    offered_appointment_id = serializers.IntegerField(allow_null=True)


class OutcomeSerializer(InputSerializer):
    outcome = serializers.ChoiceField(
        choices=[AppointmentStatus.DONE.value, AppointmentStatus.NO_SHOW.value]
    )


class DayQuerySerializer(InputSerializer):
    date = serializers.DateField()


# --- views ----------------------------------------------------------------------------------


class ServiceListView(APIView):
    @extend_schema(responses=ServiceSerializer(many=True), tags=["appointments"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        services_ = selectors.service_list(membership=membership)
        return Response(ServiceSerializer(services_, many=True).data)


class AvailabilityView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("service", int, required=True),
            OpenApiParameter("from", date, required=True, description="first local day"),
            OpenApiParameter("to", date, required=True, description="last local day"),
        ],
        responses=FreeSlotSerializer(many=True),
        tags=["appointments"],
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        query = AvailabilityQuerySerializer.parse(request.query_params.dict())
        slots = selectors.availability(
            membership=membership,
            service_id=query["service"],
            first_day=query["from"],
            last_day=query["to"],
        )
        return Response(FreeSlotSerializer(slots, many=True).data)


class HoldView(APIView):
    @extend_schema(
        request=HoldSerializer,
        responses={201: AppointmentSerializer, **error_responses(409)},
        tags=["appointments"],
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = HoldSerializer.parse(request.data)
        appointment = services.appointment_hold(
            membership=membership, service_id=data["service"], starts_at=data["starts_at"]
        )
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


class LatestSlotFirst(IdCursorPagination):
    ordering = ("-slot_start", "-pk")


class MyAppointmentsView(APIView):
    pagination_class = LatestSlotFirst

    @extend_schema(responses=AppointmentSerializer(many=True), tags=["appointments"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        rows = selectors.my_appointments(membership=membership)
        return paginate(self, request, rows, AppointmentSerializer)


class ConfirmView(APIView):
    @extend_schema(request=None, responses=AppointmentSerializer, tags=["appointments"])
    def post(self, request: AuthedRequest, slug: str, appointment_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        confirmation = services.appointment_confirm(
            membership=membership, appointment_id=appointment_id
        )
        body = dict(AppointmentSerializer(confirmation.appointment).data)
        body["cancel_token"] = confirmation.cancel_token
        body["cancel_url"] = request.build_absolute_uri(
            reverse("appointments:cancel-by-token", args=[confirmation.cancel_token])
        )
        body["invitation_url"] = request.build_absolute_uri(
            reverse("appointments:invitation", args=[slug, appointment_id])
        )
        return Response(body)


class CancelView(APIView):
    @extend_schema(request=None, responses=AppointmentSerializer, tags=["appointments"])
    def post(self, request: AuthedRequest, slug: str, appointment_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        appointment = services.appointment_cancel(
            membership=membership, appointment_id=appointment_id
        )
        return Response(AppointmentSerializer(appointment).data)


class CancelByTokenView(APIView):
    """The cancel link of the confirmation: the token alone authorises it."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [AnonThrottle]

    @extend_schema(request=None, responses=AppointmentSerializer, tags=["appointments"])
    def post(self, request: Request, token: str) -> Response:
        appointment = services.appointment_cancel_by_token(token=token)
        return Response(AppointmentSerializer(appointment).data)


class InvitationView(APIView):
    @extend_schema(
        responses=ICALENDAR,
        tags=["appointments"],
    )
    def get(self, request: AuthedRequest, slug: str, appointment_id: int) -> HttpResponse:
        membership = require_member_by_slug(request.user, slug)
        appointment = selectors.my_appointment(membership=membership, appointment_id=appointment_id)
        response = HttpResponse(
            invitations.invitation(appointment), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="termin-{appointment.pk}.ics"'
        return response


class WaitlistView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(responses=WaitlistEntrySerializer(many=True), tags=["appointments"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        rows = selectors.my_waitlist(membership=membership)
        return paginate(self, request, rows, WaitlistEntrySerializer)

    @extend_schema(
        request=WaitlistJoinSerializer,
        responses={201: WaitlistEntrySerializer},
        tags=["appointments"],
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = WaitlistJoinSerializer.parse(request.data)
        entry = services.waitlist_join(
            membership=membership,
            service_id=data["service"],
            earliest_day=data["earliest_day"],
            latest_day=data["latest_day"],
        )
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class WaitlistEntryView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["appointments"])
    def delete(self, request: AuthedRequest, slug: str, entry_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        services.waitlist_leave(membership=membership, entry_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DayListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("date", date, required=True)],
        responses=StaffAppointmentSerializer(many=True),
        tags=["appointments"],
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        query = DayQuerySerializer.parse(request.query_params.dict())
        rows = selectors.day_list(staff=membership, day=query["date"])
        return Response(StaffAppointmentSerializer(rows, many=True).data)


class OutcomeView(APIView):
    @extend_schema(
        request=OutcomeSerializer, responses=AppointmentSerializer, tags=["appointments"]
    )
    def post(self, request: AuthedRequest, slug: str, appointment_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = OutcomeSerializer.parse(request.data)
        appointment = services.appointment_mark(
            staff=membership, appointment_id=appointment_id, outcome=data["outcome"]
        )
        return Response(AppointmentSerializer(appointment).data)
