"""Volunteers offer delivery shifts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from dorf.core.exceptions import ValidationFailed
from dorf.deliveries import planning
from dorf.deliveries.models import (
    DEFAULT_CAPACITY_UNITS,
    Shift,
    Vehicle,
)
from dorf.villages.models import Membership
from dorf.villages.services import ensure_inside_village


@transaction.atomic
def shift_create(
    *,
    membership: Membership,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    vehicle: str,
    capacity_units: int | None = None,
    start_latitude: float | None = None,
    start_longitude: float | None = None,
    end_latitude: float | None = None,
    end_longitude: float | None = None,
) -> Shift:
    """A volunteer offers a shift. Start and end default to their household."""
    village = membership.village
    if date < planning.local_today(village):
        raise ValidationFailed(fields={"date": [_("This date is in the past.")]})
    starts_at = planning.local_datetime(date, start_time, village.timezone)
    ends_at = planning.local_datetime(date, end_time, village.timezone)
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"end_time": [_("The shift must end after it starts.")]})
    capacity = (
        DEFAULT_CAPACITY_UNITS[Vehicle(vehicle)] if capacity_units is None else capacity_units
    )
    if capacity <= 0:
        raise ValidationFailed(fields={"capacity_units": [_("The capacity must be positive.")]})
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
    return Shift.objects.create(
        village=village,
        volunteer=membership.user,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        vehicle=vehicle,
        capacity_units=capacity,
        start_latitude=start_lat,
        start_longitude=start_lon,
        end_latitude=end_lat,
        end_longitude=end_lon,
    )
