"""REST API of deliveries, under /api/v1/villages/<slug>/deliveries/.

Privacy: a delivery stop's address is shown only to the volunteer whose route it is;
a parcel's PIN only to members of its recipient household; a shift's start and end
coordinates (usually a home) only to the volunteer who offered it.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.pagination import IdCursorPagination
from dorf.core.serializers import InputSerializer
from dorf.deliveries import selectors, services
from dorf.deliveries.models import (
    DEFAULT_MAX_WORK_MINUTES,
    PIN_MAX_ATTEMPTS,
    DeliveryShift,
    FailureReason,
    Parcel,
    ParcelStatus,
    PickupPoint,
    PickupPointKind,
    PlanningJob,
    PlanningPolicy,
    Route,
    Stop,
    StopKind,
    Vehicle,
)
from dorf.deliveries.optimiser.matrix import DEFAULT_SPEEDS_M_PER_S
from dorf.deliveries.optimiser.problem import TravelMode
from dorf.deliveries.pins import pin_from_salt, qr_payload
from dorf.users.models import display_name
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Membership
from dorf.villages.scoping import require_member_by_slug, require_member_place

OPEN_FOR_ETA = selectors.OPEN_FOR_ETA
PIN_VISIBLE = (ParcelStatus.REGISTERED, ParcelStatus.PLANNED, ParcelStatus.PICKED_UP)


# --- serializers ------------------------------------------------------------------------------


class PickupPointSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    opens_at = serializers.TimeField(allow_null=True)
    closes_at = serializers.TimeField(allow_null=True)
    is_active = serializers.BooleanField()


class PickupPointInput(InputSerializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=PickupPointKind.choices)
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    opens_at = serializers.TimeField(required=False, allow_null=True, default=None)
    closes_at = serializers.TimeField(required=False, allow_null=True, default=None)


class PickupPointPatch(InputSerializer):
    is_active = serializers.BooleanField()


def _eta(parcel: Parcel) -> Any:
    stops: list[Stop] = getattr(parcel, "active_delivery_stops", [])
    if parcel.status in OPEN_FOR_ETA and stops:
        return stops[0].service_start_at
    return None


class ParcelSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.CharField()
    size_units = serializers.IntegerField()
    delivery_date = serializers.DateField()
    window_start_at = serializers.DateTimeField(allow_null=True)
    window_end_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    pickup_point = serializers.SerializerMethodField()
    household = serializers.SerializerMethodField()
    eta = serializers.SerializerMethodField()
    pin_locked = serializers.BooleanField()
    failure_reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_pickup_point(self, parcel: Parcel) -> dict[str, Any]:
        return {"id": parcel.pickup_point_id, "name": parcel.pickup_point.name}

    def get_household(self, parcel: Parcel) -> dict[str, Any] | None:
        household = parcel.household
        if household is None:
            return None
        return {
            "id": household.pk,
            "street": household.street,
            "house_number": household.house_number,
        }

    def get_eta(self, parcel: Parcel) -> Any:
        eta = _eta(parcel)
        return serializers.DateTimeField().to_representation(eta) if eta else None


class MyParcelSerializer(ParcelSerializer):
    """A parcel as its recipient household sees it: with the handover PIN."""

    pin = serializers.SerializerMethodField()
    qr_payload = serializers.SerializerMethodField()
    volunteer = serializers.SerializerMethodField()

    def get_pin(self, parcel: Parcel) -> str | None:
        return pin_from_salt(parcel.pin_salt) if parcel.status in PIN_VISIBLE else None

    def get_qr_payload(self, parcel: Parcel) -> str | None:
        pin = self.get_pin(parcel)
        return qr_payload(parcel.pk, pin) if pin else None

    def get_volunteer(self, parcel: Parcel) -> str | None:
        stops: list[Stop] = getattr(parcel, "active_delivery_stops", [])
        if parcel.status in OPEN_FOR_ETA and stops:
            return stops[0].route.shift.volunteer.display_name
        return None


class ParcelEventSerializer(serializers.Serializer[Any]):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    note = serializers.CharField()

    def get_actor(self, event: Any) -> str | None:
        return event.actor.display_name if event.actor else None


class ParcelDetailSerializer(MyParcelSerializer):
    events = ParcelEventSerializer(many=True, source="events.all")

    def get_pin(self, parcel: Parcel) -> str | None:
        viewer: Membership | None = self.context.get("viewer")
        if viewer is None or viewer.household_id != parcel.household_id:
            return None
        return super().get_pin(parcel)


class ParcelInput(InputSerializer):
    pickup_point = serializers.IntegerField()
    household = serializers.IntegerField()
    size_units = serializers.IntegerField(min_value=1, max_value=100, required=False, default=1)
    delivery_date = serializers.DateField(required=False, allow_null=True, default=None)
    window_start_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    window_end_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class ParcelBriefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.CharField()
    pin_locked = serializers.BooleanField()


class DeliverInput(InputSerializer):
    pin = serializers.RegexField(r"^\s*\d{4,8}\s*$", max_length=12)


class FailInput(InputSerializer):
    reason = serializers.ChoiceField(choices=FailureReason.choices)
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    return_point = serializers.IntegerField(required=False, allow_null=True, default=None)


class RescheduleInput(InputSerializer):
    delivery_date = serializers.DateField()


class DeliveryShiftSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    date = serializers.DateField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    vehicle = serializers.CharField()
    capacity_units = serializers.IntegerField()
    max_work_minutes = serializers.IntegerField()
    max_stops = serializers.IntegerField(allow_null=True)
    speed_kmh = serializers.SerializerMethodField()
    status = serializers.CharField()
    volunteer = serializers.SerializerMethodField()
    places = serializers.SerializerMethodField()

    def get_speed_kmh(self, shift: DeliveryShift) -> float:
        return round(DEFAULT_SPEEDS_M_PER_S[TravelMode(shift.vehicle)] * 3.6, 1)

    def get_volunteer(self, shift: DeliveryShift) -> str:
        return shift.volunteer.display_name

    def get_places(self, shift: DeliveryShift) -> dict[str, float] | None:
        if self.context.get("viewer_user_id") != shift.volunteer_id:
            return None
        return {
            "start_latitude": shift.start_latitude,
            "start_longitude": shift.start_longitude,
            "end_latitude": shift.end_latitude,
            "end_longitude": shift.end_longitude,
        }


class ShiftInput(InputSerializer):
    date = serializers.DateField()
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    vehicle = serializers.ChoiceField(choices=Vehicle.choices)
    capacity_units = serializers.IntegerField(
        min_value=1, max_value=500, required=False, allow_null=True, default=None
    )
    max_work_minutes = serializers.IntegerField(
        min_value=15, max_value=720, required=False, default=DEFAULT_MAX_WORK_MINUTES
    )
    max_stops = serializers.IntegerField(
        min_value=1, max_value=500, required=False, allow_null=True, default=None
    )
    start_latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    start_longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    end_latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    end_longitude = serializers.FloatField(required=False, allow_null=True, default=None)


class StopSerializer(serializers.Serializer[Any]):
    sequence = serializers.IntegerField()
    kind = serializers.CharField()
    parcel_id = serializers.IntegerField()
    parcel_status = serializers.CharField(source="parcel.status")
    size_units = serializers.IntegerField(source="parcel.size_units")
    arrival_at = serializers.DateTimeField()
    service_start_at = serializers.DateTimeField()
    departure_at = serializers.DateTimeField()
    load_units = serializers.IntegerField()
    place = serializers.SerializerMethodField()

    def get_place(self, stop: Stop) -> dict[str, Any] | None:
        parcel = stop.parcel
        if stop.kind == StopKind.PICKUP:
            point = parcel.pickup_point
            return {
                "name": point.name,
                "address": point.address,
                "latitude": point.latitude,
                "longitude": point.longitude,
            }
        household = parcel.household
        if household is None or not self.context.get("reveal_addresses"):
            return None
        return {
            "street": household.street,
            "house_number": household.house_number,
            "latitude": household.latitude,
            "longitude": household.longitude,
            "note": parcel.note,
        }


class RouteSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    job_id = serializers.IntegerField()
    date = serializers.DateField()
    status = serializers.CharField()
    volunteer = serializers.CharField(source="shift.volunteer.display_name")
    vehicle = serializers.CharField(source="shift.vehicle")
    start_at = serializers.DateTimeField()
    end_at = serializers.DateTimeField()
    duration_s = serializers.SerializerMethodField()
    travel_s = serializers.IntegerField()
    distance_m = serializers.IntegerField()
    planned_minutes = serializers.IntegerField()
    paid_minutes = serializers.IntegerField(allow_null=True)
    payment = serializers.JSONField(help_text="How paid_minutes was calculated (once completed).")
    anomalies = serializers.ListField(child=serializers.CharField())
    stops = serializers.SerializerMethodField()

    def get_duration_s(self, route: Route) -> int:
        return int((route.end_at - route.start_at).total_seconds())

    def get_stops(self, route: Route) -> list[dict[str, Any]]:
        reveal = self.context.get("viewer_user_id") == route.shift.volunteer_id
        stops = route.stops.all()
        return StopSerializer(stops, many=True, context={"reveal_addresses": reveal}).data  # type: ignore[return-value]


class JobSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    date = serializers.DateField()
    status = serializers.CharField()
    trigger = serializers.CharField()
    policy = serializers.CharField()
    attempt = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    solve_ms = serializers.IntegerField(allow_null=True)
    travel_s = serializers.IntegerField(allow_null=True)
    error_code = serializers.CharField()
    error = serializers.CharField()
    unassigned = serializers.JSONField()


class JobDetailSerializer(JobSerializer):
    routes = serializers.SerializerMethodField()

    def get_routes(self, job: PlanningJob) -> list[dict[str, Any]]:
        return RouteSerializer(job.routes.all(), many=True, context=self.context).data  # type: ignore[return-value]


class PlanInput(InputSerializer):
    date = serializers.DateField()
    policy = serializers.ChoiceField(
        choices=PlanningPolicy.choices, required=False, default=PlanningPolicy.SPREAD
    )


class RouteListQuery(serializers.Serializer[Any]):
    """The list's filters (other query parameters, such as the cursor, pass through)."""

    mine = serializers.BooleanField(required=False, default=False)
    date = serializers.DateField(required=False, allow_null=True, default=None)


class DeclineInput(InputSerializer):
    reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


# --- views ------------------------------------------------------------------------------------


class _MemberListView(generics.ListAPIView[Any]):
    """A list in one village: resolves the viewer's membership once per request."""

    def member(self) -> Membership:
        if not hasattr(self, "_membership"):
            self._membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        return self._membership

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["viewer_user_id"] = self.request.user.pk
        return context


@extend_schema(tags=["deliveries"])
class PickupPointListView(_MemberListView):
    serializer_class = PickupPointSerializer
    queryset = PickupPoint.objects.none()

    def get_queryset(self) -> QuerySet[PickupPoint]:
        return selectors.pickup_point_list(membership=self.member())

    @extend_schema(request=PickupPointInput, responses={201: PickupPointSerializer})
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = self.member()
        data = PickupPointInput.parse(request.data)
        point = services.pickup_point_create(actor=membership, **data)
        return Response(PickupPointSerializer(point).data, status=status.HTTP_201_CREATED)


class PickupPointDetailView(APIView):
    @extend_schema(responses=PickupPointSerializer, tags=["deliveries"])
    def get(self, request: AuthedRequest, slug: str, point_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        point = selectors.pickup_point_get(membership=membership, point_id=point_id)
        return Response(PickupPointSerializer(point).data)

    @extend_schema(request=PickupPointPatch, responses=PickupPointSerializer, tags=["deliveries"])
    def patch(self, request: AuthedRequest, slug: str, point_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = PickupPointPatch.parse(request.data)
        point = services.pickup_point_set_active(
            actor=membership, point_id=point_id, is_active=data["is_active"]
        )
        return Response(PickupPointSerializer(point).data)


@extend_schema(
    tags=["deliveries"],
    parameters=[OpenApiParameter("status", enum=ParcelStatus.values)],
    description="All parcels of the village (municipality staff).",
)
class ParcelListView(_MemberListView):
    serializer_class = ParcelSerializer
    queryset = Parcel.objects.none()

    def get_queryset(self) -> QuerySet[Parcel]:
        return selectors.parcel_list(
            membership=self.member(), status=self.request.query_params.get("status")
        )

    @extend_schema(request=ParcelInput, responses={201: ParcelSerializer})
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = self.member()
        data = ParcelInput.parse(request.data)
        values = dict(data)
        parcel = services.parcel_register(
            actor=membership,
            pickup_point_id=values.pop("pickup_point"),
            household_id=values.pop("household"),
            **values,
        )
        return Response(ParcelSerializer(parcel).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["deliveries"], description="Parcels for my household, with ETA and PIN.")
class MyParcelListView(_MemberListView):
    serializer_class = MyParcelSerializer
    queryset = Parcel.objects.none()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = cast(AuthedRequest, request).user  # IsAuthenticated (the default) let it in
        parcels = selectors.my_parcel_rows(user=user, village_slug=kwargs["slug"])
        # The paginator the schema documents, fed with rows of one compiled query (DRF's
        # per-field cost and the ORM's compilation were most of the request:
        # docs/benchmarks.md, "REST reads").
        paginator = self.paginator
        assert isinstance(paginator, IdCursorPagination)  # the default; it pages CompiledRows
        rows = paginator.paginate_queryset(parcels, request, self) or []
        if not rows:
            # The rows are scoped to my verified membership; an empty page is a 404 if
            # there is none (one query more only then).
            require_member_place(user, kwargs["slug"])
        return paginator.get_paginated_response([my_parcel_json(row) for row in rows])


def my_parcel_json(row: dict[str, Any]) -> dict[str, Any]:
    """A ``my_parcel_rows`` row as ``MyParcelSerializer`` shows the parcel (a test holds
    the two equal)."""
    pin = pin_from_salt(row["pin_salt"]) if row["status"] in PIN_VISIBLE else None
    household = None
    if row["household_id"] is not None:
        household = {
            "id": row["household_id"],
            "street": row["household__street"],
            "house_number": row["household__house_number"],
        }
    eta = row["eta"]
    return {
        "id": row["id"],
        "status": row["status"],
        "size_units": row["size_units"],
        "delivery_date": _DATE.to_representation(row["delivery_date"]),
        "window_start_at": _DATETIME.to_representation(row["window_start_at"]),
        "window_end_at": _DATETIME.to_representation(row["window_end_at"]),
        "note": row["note"],
        "pickup_point": {"id": row["pickup_point_id"], "name": row["pickup_point__name"]},
        "household": household,
        "eta": None if eta is None else _DATETIME.to_representation(eta),
        "pin_locked": row["pin_attempts"] >= PIN_MAX_ATTEMPTS,
        "failure_reason": row["failure_reason"],
        "created_at": _DATETIME.to_representation(row["created_at"]),
        "pin": pin,
        "qr_payload": qr_payload(row["id"], pin) if pin else None,
        # No ETA, no delivery stop: a stop's ETA is never empty.
        "volunteer": (
            None
            if eta is None
            else display_name(row["volunteer_first_name"], row["volunteer_last_name"])
        ),
    }


_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()


class ParcelDetailView(APIView):
    @extend_schema(responses=ParcelDetailSerializer, tags=["deliveries"])
    def get(self, request: AuthedRequest, slug: str, parcel_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        parcel = selectors.parcel_get(membership=membership, parcel_id=parcel_id)
        return Response(ParcelDetailSerializer(parcel, context={"viewer": membership}).data)


class ParcelPickupView(APIView):
    @extend_schema(request=None, responses=ParcelBriefSerializer, tags=["deliveries"])
    def post(self, request: AuthedRequest, slug: str, parcel_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        parcel = services.parcel_pickup(membership=membership, parcel_id=parcel_id)
        return Response(ParcelBriefSerializer(parcel).data)


class ParcelDeliverView(APIView):
    @extend_schema(request=DeliverInput, responses=ParcelBriefSerializer, tags=["deliveries"])
    def post(self, request: AuthedRequest, slug: str, parcel_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = DeliverInput.parse(request.data)
        parcel = services.parcel_deliver(
            membership=membership, parcel_id=parcel_id, pin=data["pin"]
        )
        return Response(ParcelBriefSerializer(parcel).data)


class ParcelFailView(APIView):
    @extend_schema(request=FailInput, responses=ParcelBriefSerializer, tags=["deliveries"])
    def post(self, request: AuthedRequest, slug: str, parcel_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = FailInput.parse(request.data)
        parcel = services.parcel_fail(
            membership=membership,
            parcel_id=parcel_id,
            reason=data["reason"],
            note=data["note"],
            return_point_id=data["return_point"],
        )
        return Response(ParcelBriefSerializer(parcel).data)


class ParcelPinResetView(APIView):
    @extend_schema(request=None, responses=ParcelBriefSerializer, tags=["deliveries"])
    def post(self, request: AuthedRequest, slug: str, parcel_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        parcel = services.parcel_pin_reset(actor=membership, parcel_id=parcel_id)
        return Response(ParcelBriefSerializer(parcel).data)


class ParcelRescheduleView(APIView):
    @extend_schema(request=RescheduleInput, responses=ParcelBriefSerializer, tags=["deliveries"])
    def post(self, request: AuthedRequest, slug: str, parcel_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = RescheduleInput.parse(request.data)
        parcel = services.parcel_reschedule(
            actor=membership,
            parcel_id=parcel_id,
            delivery_date=data["delivery_date"],
        )
        return Response(ParcelBriefSerializer(parcel).data)


@extend_schema(
    tags=["deliveries"],
    parameters=[OpenApiParameter("all", bool, description="Coordinators: everyone's shifts.")],
)
class ShiftListView(_MemberListView):
    serializer_class = DeliveryShiftSerializer
    queryset = DeliveryShift.objects.none()

    def get_queryset(self) -> QuerySet[DeliveryShift]:
        everyone = self.request.query_params.get("all") in {"1", "true"}
        return selectors.delivery_shift_list(membership=self.member(), everyone=everyone)

    @extend_schema(request=ShiftInput, responses={201: DeliveryShiftSerializer})
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = self.member()
        data = ShiftInput.parse(request.data)
        shift = services.delivery_shift_create(membership=membership, **data)
        context = {"viewer_user_id": request.user.pk}
        return Response(
            DeliveryShiftSerializer(shift, context=context).data, status=status.HTTP_201_CREATED
        )


class ShiftDetailView(APIView):
    @extend_schema(responses=DeliveryShiftSerializer, tags=["deliveries"])
    def get(self, request: AuthedRequest, slug: str, shift_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        shift = selectors.delivery_shift_get(membership=membership, shift_id=shift_id)
        return Response(
            DeliveryShiftSerializer(shift, context={"viewer_user_id": request.user.pk}).data
        )


class ShiftWithdrawView(APIView):
    @extend_schema(
        request=None,
        responses=DeliveryShiftSerializer,
        tags=["deliveries"],
        description="The volunteer takes back a shift no plan uses yet (409 `shift_planned` "
        "once a route uses it: decline the route instead).",
    )
    def post(self, request: AuthedRequest, slug: str, shift_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        shift = services.delivery_shift_withdraw(membership=membership, shift_id=shift_id)
        return Response(
            DeliveryShiftSerializer(shift, context={"viewer_user_id": request.user.pk}).data
        )


@extend_schema(tags=["deliveries"], description="Planning jobs (coordinators).")
class PlanListView(_MemberListView):
    serializer_class = JobSerializer
    queryset = PlanningJob.objects.none()

    def get_queryset(self) -> QuerySet[PlanningJob]:
        return selectors.job_list(membership=self.member())

    @extend_schema(
        request=PlanInput,
        responses={202: JobSerializer},
        description="Ask for the plan of a date. Runs in the background; poll the job.",
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = self.member()
        data = PlanInput.parse(request.data)
        job = services.plan_request(actor=membership, date=data["date"], policy=data["policy"])
        job.refresh_from_db()  # an inline (eager) run has already changed it
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class PlanDetailView(APIView):
    @extend_schema(responses=JobDetailSerializer, tags=["deliveries"])
    def get(self, request: AuthedRequest, slug: str, job_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        job = selectors.job_get(membership=membership, job_id=job_id)
        context = {"viewer_user_id": request.user.pk}
        return Response(JobDetailSerializer(job, context=context).data)


@extend_schema(
    tags=["deliveries"],
    description="Routes of the current and past plans (replaced ones left out): a "
    "volunteer's own (with their stops' addresses); for coordinators every route of the "
    "village (addresses only on their own).",
    parameters=[
        OpenApiParameter("mine", bool, description="Coordinators: only my own routes."),
        OpenApiParameter("date", str, description="Only routes of this date (YYYY-MM-DD)."),
    ],
)
class RouteListView(_MemberListView):
    serializer_class = RouteSerializer
    queryset = Route.objects.none()

    def get_queryset(self) -> QuerySet[Route]:
        query = RouteListQuery(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        return selectors.route_list(
            membership=self.member(), mine=params["mine"], date=params["date"]
        )


class RouteDetailView(APIView):
    @extend_schema(responses=RouteSerializer, tags=["deliveries"])
    def get(self, request: AuthedRequest, slug: str, route_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        route = selectors.route_get(membership=membership, route_id=route_id)
        return Response(RouteSerializer(route, context={"viewer_user_id": request.user.pk}).data)


def _route_response(request: AuthedRequest, membership: Membership, route_id: int) -> Response:
    route = selectors.route_get(membership=membership, route_id=route_id)
    return Response(RouteSerializer(route, context={"viewer_user_id": request.user.pk}).data)


class RouteAcceptView(APIView):
    @extend_schema(request=None, responses=RouteSerializer, tags=["deliveries"])
    def post(self, request: AuthedRequest, slug: str, route_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        services.route_accept(membership=membership, route_id=route_id)
        return _route_response(request, membership, route_id)


class RouteDeclineView(APIView):
    @extend_schema(request=DeclineInput, responses={202: JobSerializer}, tags=["deliveries"])
    def post(self, request: AuthedRequest, slug: str, route_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = DeclineInput.parse(request.data)
        job = services.route_decline(
            membership=membership, route_id=route_id, reason=data["reason"]
        )
        job.refresh_from_db()
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RouteNoShowView(APIView):
    @extend_schema(request=None, responses={202: JobSerializer}, tags=["deliveries"])
    def post(self, request: AuthedRequest, slug: str, route_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        job = services.route_no_show(actor=membership, route_id=route_id)
        job.refresh_from_db()
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
