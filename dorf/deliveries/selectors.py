"""Read use-cases of deliveries, already scoped to what the viewer may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from dorf.core.exceptions import NotFound
from dorf.deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    DeliveryShift,
    Parcel,
    ParcelEvent,
    PickupPoint,
    PlanningJob,
    Route,
    RouteStatus,
    Stop,
    StopKind,
)
from dorf.villages.models import Membership
from dorf.villages.scoping import get_scoped_or_404, require_moderator, require_staff


def pickup_point_list(*, membership: Membership) -> QuerySet[PickupPoint]:
    points = PickupPoint.objects.filter(village_id=membership.village_id)
    return points if membership.is_staff else points.filter(is_active=True)


def pickup_point_get(*, membership: Membership, point_id: int) -> PickupPoint:
    return get_scoped_or_404(pickup_point_list(membership=membership), pk=point_id)


def _active_delivery_stops() -> Prefetch[Any, Any, Any]:
    return Prefetch(
        "stops",
        queryset=Stop.objects.filter(
            kind=StopKind.DELIVERY, route__status__in=ACTIVE_ROUTE_STATUSES
        ).select_related("route__shift__volunteer"),
        to_attr="active_delivery_stops",
    )


def parcel_list(*, membership: Membership, status: str | None = None) -> QuerySet[Parcel]:
    """All parcels of the village, for staff."""
    require_staff(membership)
    parcels = (
        Parcel.objects.filter(village_id=membership.village_id)
        .select_related("pickup_point", "household")
        .prefetch_related(_active_delivery_stops())
    )
    return parcels.filter(status=status) if status else parcels


# What a row of "my parcels" shows (``MyParcelSerializer``'s fields but the ETA and the
# volunteer): not the whole rows, whose model instances cost more CPU than the query.
MY_PARCEL_ROW_FIELDS = (
    "id",
    "status",
    "size_units",
    "delivery_date",
    "window_start_at",
    "window_end_at",
    "note",
    "pickup_point_id",
    "pickup_point__name",
    "household_id",
    "household__street",
    "household__house_number",
    "pin_attempts",
    "pin_salt",
    "failure_reason",
    "created_at",
)


def my_parcels(*, village_id: int, household_id: int | None) -> QuerySet[Parcel, dict[str, Any]]:
    """Parcels for the viewer's household (of their verified membership in
    ``village_id``) as ``MY_PARCEL_ROW_FIELDS`` rows (the ETA:
    ``active_delivery_stop_rows``)."""
    if household_id is None:
        parcels = Parcel.objects.none()
    else:
        parcels = Parcel.objects.filter(village_id=village_id, household_id=household_id)
    rows: QuerySet[Parcel, dict[str, Any]] = parcels.values(*MY_PARCEL_ROW_FIELDS)
    return rows


def active_delivery_stop_rows(parcel_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """For each of these parcels on an active route, its first delivery stop (what
    ``_active_delivery_stops`` prefetches first) as ``service_start_at`` and the
    volunteer's ``first_name`` and ``last_name``; one query, none for no parcels."""
    ids = list(parcel_ids)
    if not ids:
        return {}
    stops = (
        Stop.objects.filter(
            parcel_id__in=ids, kind=StopKind.DELIVERY, route__status__in=ACTIVE_ROUTE_STATUSES
        )
        .order_by("route_id", "sequence")
        .values_list(
            "parcel_id",
            "service_start_at",
            "route__shift__volunteer__first_name",
            "route__shift__volunteer__last_name",
        )
    )
    first: dict[int, dict[str, Any]] = {}
    for parcel_id, service_start_at, first_name, last_name in stops:
        if parcel_id not in first:
            first[parcel_id] = {
                "service_start_at": service_start_at,
                "first_name": first_name,
                "last_name": last_name,
            }
    return first


def parcel_get(*, membership: Membership, parcel_id: int) -> Parcel:
    """A parcel for staff or its recipient household; for anybody else it does not exist."""
    parcels = Parcel.objects.filter(village_id=membership.village_id).select_related(
        "pickup_point", "household"
    )
    if not membership.is_staff:
        parcels = parcels.filter(household_id=membership.household_id or -1)
    return get_scoped_or_404(
        parcels.prefetch_related(
            _active_delivery_stops(),
            Prefetch("events", queryset=ParcelEvent.objects.select_related("actor")),
        ),
        pk=parcel_id,
    )


def delivery_shift_list(
    *, membership: Membership, everyone: bool = False
) -> QuerySet[DeliveryShift]:
    """The viewer's own shifts; coordinators may ask for everyone's."""
    shifts = DeliveryShift.objects.filter(village_id=membership.village_id).select_related(
        "volunteer"
    )
    if everyone and membership.is_moderator:
        return shifts
    return shifts.filter(volunteer_id=membership.user_id)


def delivery_shift_get(*, membership: Membership, shift_id: int) -> DeliveryShift:
    return get_scoped_or_404(delivery_shift_list(membership=membership, everyone=True), pk=shift_id)


def _route_stops() -> Prefetch[Any, Any, Any]:
    return Prefetch(
        "stops",
        queryset=Stop.objects.select_related(
            "parcel", "parcel__household", "parcel__pickup_point"
        ).order_by("sequence"),
    )


def job_list(*, membership: Membership) -> QuerySet[PlanningJob]:
    require_moderator(membership)
    return PlanningJob.objects.filter(village_id=membership.village_id).select_related(
        "requested_by"
    )


def job_get(*, membership: Membership, job_id: int) -> PlanningJob:
    """A planning job with its routes (for coordinators)."""
    require_moderator(membership)
    job = (
        PlanningJob.objects.filter(village_id=membership.village_id, pk=job_id)
        .select_related("requested_by")
        .prefetch_related(
            Prefetch(
                "routes",
                queryset=Route.objects.select_related("shift", "shift__volunteer")
                .prefetch_related(_route_stops())
                .order_by("pk"),
            )
        )
        .first()
    )
    if job is None:
        raise NotFound()
    return job


def route_list(
    *, membership: Membership, mine: bool = False, date: dt.date | None = None
) -> QuerySet[Route]:
    """Routes of the village's plans, current and done (replaced ones are plan history).

    A volunteer sees their own; a coordinator every route of the village, or only their
    own with ``mine``. Newest date first.
    """
    routes = Route.objects.filter(village_id=membership.village_id).exclude(
        status=RouteStatus.REPLACED
    )
    if mine or not membership.is_moderator:
        routes = routes.filter(shift__volunteer_id=membership.user_id)
    if date is not None:
        routes = routes.filter(date=date)
    return (
        routes.select_related("shift", "shift__volunteer")
        .prefetch_related(_route_stops())
        .order_by("-date", "pk")
    )


def route_get(*, membership: Membership, route_id: int) -> Route:
    """Own routes for the volunteer; any route of the village for coordinators."""
    routes = Route.objects.filter(village_id=membership.village_id)
    if not membership.is_moderator:
        routes = routes.filter(shift__volunteer_id=membership.user_id)
    return get_scoped_or_404(
        routes.select_related("shift", "shift__volunteer").prefetch_related(_route_stops()),
        pk=route_id,
    )
