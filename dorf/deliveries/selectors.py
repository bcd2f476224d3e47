"""Read use-cases of deliveries, already scoped to what the viewer may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    Field,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    When,
)

from dorf.core.exceptions import NotFound
from dorf.core.pagination import CompiledRows, page_slice
from dorf.core.sql import CompiledQuery
from dorf.deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    DeliveryShift,
    Parcel,
    ParcelEvent,
    ParcelStatus,
    PickupPoint,
    PlanningJob,
    Route,
    RouteStatus,
    Stop,
    StopKind,
)
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState
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


# Statuses whose parcel shows its delivery's ETA and volunteer.
OPEN_FOR_ETA = (ParcelStatus.PLANNED, ParcelStatus.PICKED_UP)


def _my_parcels_page(*, user_id: int, village_slug: str, **page: Any) -> QuerySet[Parcel, Any]:
    # The household's parcels joined to my verified membership in the village (a
    # membership and its parcels must be of the same village); for an open parcel the
    # first delivery stop on an active route (what ``_active_delivery_stops`` prefetches
    # first) gives the ETA and the volunteer, one subquery per value.
    parcels = Parcel.objects.filter(
        household__memberships__user_id=user_id,
        household__memberships__state=MembershipState.VERIFIED,
        household__memberships__village__slug=village_slug,
        household__memberships__village_id=F("village_id"),
    )
    stop = Stop.objects.filter(
        parcel_id=OuterRef("id"), kind=StopKind.DELIVERY, route__status__in=ACTIVE_ROUTE_STATUSES
    ).order_by("route_id", "sequence")

    def first_stops(field: str, output: Field[Any, Any]) -> Case:
        return Case(
            When(status__in=OPEN_FOR_ETA, then=Subquery(stop.values(field)[:1])),
            default=None,
            output_field=output,
        )

    rows = parcels.annotate(
        eta=first_stops("service_start_at", DateTimeField()),
        volunteer_first_name=first_stops("route__shift__volunteer__first_name", CharField()),
        volunteer_last_name=first_stops("route__shift__volunteer__last_name", CharField()),
    ).values(*MY_PARCEL_ROW_FIELDS, "eta", "volunteer_first_name", "volunteer_last_name")
    return page_slice(rows, **page)


# Compiled once per shape (dorf.core.sql): a household looks at its parcels often.
_MY_PARCELS_PAGE = CompiledQuery(
    _my_parcels_page,
    params={"user_id": int, "village_slug": str, "before": int, "after": int},
)


def my_parcel_rows(*, user: User, village_slug: str) -> CompiledRows:
    """The parcels of the household of ``user``'s verified membership in the village, as
    ``MY_PARCEL_ROW_FIELDS`` rows plus ``eta``, ``volunteer_first_name`` and
    ``volunteer_last_name`` (of an open parcel's delivery on an active route, else None),
    for the cursor paginator. None without such a membership or a household (the caller
    tells a non-member apart)."""
    return CompiledRows(_MY_PARCELS_PAGE, Parcel, user_id=user.pk, village_slug=village_slug)


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
