"""Volunteers offer delivery shifts and take them back before they are planned."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from dorf.core.exceptions import Conflict, Forbidden, ValidationFailed
from dorf.deliveries.clock import local_datetime, local_today
from dorf.deliveries.locks import lock_delivery_shift
from dorf.deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    DEFAULT_CAPACITY_UNITS,
    DEFAULT_MAX_WORK_MINUTES,
    DeliveryShift,
    DeliveryShiftStatus,
    Route,
    Vehicle,
)
from dorf.villages.models import Membership
from dorf.villages.services import ensure_inside_village


@transaction.atomic
def delivery_shift_create(
    *,
    membership: Membership,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    vehicle: str,
    capacity_units: int | None = None,
    max_work_minutes: int = DEFAULT_MAX_WORK_MINUTES,
    max_stops: int | None = None,
    start_latitude: float | None = None,
    start_longitude: float | None = None,
    end_latitude: float | None = None,
    end_longitude: float | None = None,
) -> DeliveryShift:
    """A volunteer offers a shift. Start and end default to their household.

    ``max_work_minutes`` (the longest round) and ``max_stops`` (the most doors) are hard
    limits for the planner.
    """
    village = membership.village
    if date < local_today(village):
        raise ValidationFailed(fields={"date": [_("This date is in the past.")]})
    starts_at = local_datetime(date, start_time, village.timezone)
    ends_at = local_datetime(date, end_time, village.timezone)
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"end_time": [_("The shift must end after it starts.")]})
    capacity = (
        DEFAULT_CAPACITY_UNITS[Vehicle(vehicle)] if capacity_units is None else capacity_units
    )
    if capacity <= 0:
        raise ValidationFailed(fields={"capacity_units": [_("The capacity must be positive.")]})
    if max_work_minutes <= 0:
        raise ValidationFailed(fields={"max_work_minutes": [_("This must be positive.")]})
    if max_stops is not None and max_stops <= 0:
        raise ValidationFailed(fields={"max_stops": [_("This must be positive.")]})
    home = membership.household
    points = []
    for lat, lon, label in (
        (start_latitude, start_longitude, "start"),
        (end_latitude, end_longitude, "end"),
    ):
        if (lat is None) != (lon is None):
            raise ValidationFailed(fields={f"{label}_longitude": [_("Give both coordinates.")]})
        if lat is None or lon is None:
            if home is None:
                raise ValidationFailed(
                    _("Set your household address or give a start and end point."),
                    code="no_address",
                )
            lat, lon = home.latitude, home.longitude
        ensure_inside_village(village=village, latitude=lat, longitude=lon)
        points.append((lat, lon))
    (start_lat, start_lon), (end_lat, end_lon) = points
    return DeliveryShift.objects.create(
        village=village,
        volunteer=membership.user,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        vehicle=vehicle,
        capacity_units=capacity,
        max_work_minutes=max_work_minutes,
        max_stops=max_stops,
        start_latitude=start_lat,
        start_longitude=start_lon,
        end_latitude=end_lat,
        end_longitude=end_lon,
    )


@transaction.atomic
def delivery_shift_withdraw(*, membership: Membership, shift_id: int) -> DeliveryShift:
    """The volunteer takes back a shift they offered, as long as no plan uses it yet.

    Once a plan gave the shift a route, the volunteer declines the route instead (that
    re-plans its parcels). A job already solving with the shift notices the withdrawal
    when it stores its plan and plans again.
    """
    shift = lock_delivery_shift(shift_id, village_id=membership.village_id)
    if shift.volunteer_id != membership.user_id:
        raise Forbidden(_("This is not your shift."), code="not_your_shift")
    if shift.status == DeliveryShiftStatus.WITHDRAWN:
        return shift
    if shift.date < local_today(shift.village):
        raise Conflict(_("This shift is over."), code="shift_over")
    if Route.objects.filter(shift=shift, status__in=ACTIVE_ROUTE_STATUSES).exists():
        raise Conflict(
            _("A plan uses this shift already: decline its route instead."),
            code="shift_planned",
        )
    shift.status = DeliveryShiftStatus.WITHDRAWN
    shift.save(update_fields=["status", "updated_at"])
    return shift
