"""The one place that loads and locks the rows deliveries' write services change.

Every helper takes the acting member's village and filters by it: a service called
with another village's id finds nothing and answers 404, whoever calls it (a view, a
consumer, the admin, a script). Rows are locked with ``SELECT … FOR UPDATE`` and, where
several rows of a kind are locked, in primary-key order.

Lock order (everywhere): village row (only while storing a plan) → routes by pk →
parcels by pk → ledger accounts (inside ``transfer_create``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext as _

from dorf.core.exceptions import Conflict, Forbidden, NotFound
from dorf.deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    DeliveryShift,
    Parcel,
    ParcelStatus,
    PickupPoint,
    PlanningJob,
    Route,
    RouteStatus,
    Stop,
    StopKind,
)
from dorf.villages.models import Membership, Village


def lock_village(village_id: int) -> None:
    """Serialise storing plans of one village (the village row is the mutex)."""
    Village.objects.select_for_update().filter(pk=village_id).first()


def lock_pickup_point(point_id: int, *, village_id: int) -> PickupPoint:
    point = (
        PickupPoint.objects.select_for_update().filter(pk=point_id, village_id=village_id).first()
    )
    if point is None:
        raise NotFound()
    return point


def lock_parcel(parcel_id: int, *, village_id: int) -> Parcel:
    parcel = (
        Parcel.objects.select_for_update(of=("self",))
        .select_related("village", "pickup_point")
        .filter(pk=parcel_id, village_id=village_id)
        .first()
    )
    if parcel is None:
        raise NotFound()
    return parcel


def lock_parcels(
    parcel_ids: Iterable[int], *, village_id: int, status: str | None = None
) -> list[Parcel]:
    """The village's parcels among ``parcel_ids`` (optionally of one status), in pk order."""
    parcels = Parcel.objects.select_for_update().filter(
        pk__in=list(parcel_ids), village_id=village_id
    )
    if status is not None:
        parcels = parcels.filter(status=status)
    return list(parcels.order_by("pk"))


def lock_delivery_shift(shift_id: int, *, village_id: int) -> DeliveryShift:
    shift = (
        DeliveryShift.objects.select_for_update(of=("self",))
        .select_related("village")
        .filter(pk=shift_id, village_id=village_id)
        .first()
    )
    if shift is None:
        raise NotFound()
    return shift


def lock_route(route_id: int, *, village_id: int) -> Route:
    route = (
        Route.objects.select_for_update(of=("self",))
        .select_related("shift", "village")
        .filter(pk=route_id, village_id=village_id)
        .first()
    )
    if route is None:
        raise NotFound()
    return route


def lock_active_routes(*, village_id: int, date: dt.date) -> list[Route]:
    """The current plan's routes of a date (proposed or accepted), in pk order."""
    return list(
        Route.objects.select_for_update(of=("self",))
        .select_related("shift")
        .filter(village_id=village_id, date=date, status__in=ACTIVE_ROUTE_STATUSES)
        .order_by("pk")
    )


def lock_planning_job(job_id: int, *, village_id: int) -> PlanningJob:
    job = (
        PlanningJob.objects.select_for_update(of=("self",))
        .select_related("village")
        .filter(pk=job_id, village_id=village_id)
        .first()
    )
    if job is None:
        raise NotFound()
    return job


def lock_own_stop(*, membership: Membership, parcel_id: int, kind: StopKind) -> tuple[Stop, Parcel]:
    """Lock the member's accepted route holding ``parcel_id``'s stop, then the parcel.

    Route before parcel, as when storing a plan: two handovers on one route queue on
    the route row, so the second sees the first's delivery when it checks whether the
    route is complete (without the route lock both could miss each other).
    """
    stop = (
        Stop.objects.select_related("route", "route__shift")
        .filter(
            parcel_id=parcel_id,
            parcel__village_id=membership.village_id,
            kind=kind,
            route__status__in=ACTIVE_ROUTE_STATUSES,
        )
        .first()
    )
    if stop is None:
        found = Parcel.objects.filter(pk=parcel_id, village_id=membership.village_id).first()
        if found is None:
            raise NotFound()
        if found.status == ParcelStatus.DELIVERED:
            raise Conflict(_("This parcel was delivered already."), code="already_delivered")
        raise Forbidden(_("This parcel is not on your route."), code="not_your_route")
    route = lock_route(stop.route_id, village_id=membership.village_id)
    if route.shift.volunteer_id != membership.user_id or route.status not in ACTIVE_ROUTE_STATUSES:
        raise Forbidden(_("This parcel is not on your route."), code="not_your_route")
    if route.status != RouteStatus.ACCEPTED:
        raise Conflict(_("Accept the route first."), code="route_not_accepted")
    stop.route = route
    return stop, lock_parcel(parcel_id, village_id=membership.village_id)
