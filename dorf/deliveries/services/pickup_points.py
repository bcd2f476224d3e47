"""Pickup points where parcels wait: creating them and switching them on or off."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from dorf.core import audit
from dorf.core.exceptions import ValidationFailed
from dorf.deliveries.locks import lock_pickup_point
from dorf.deliveries.models import PickupPoint
from dorf.villages.models import Membership
from dorf.villages.scoping import require_staff
from dorf.villages.services import ensure_inside_village


@transaction.atomic
def pickup_point_create(
    *,
    actor: Membership,
    name: str,
    kind: str,
    latitude: float,
    longitude: float,
    address: str = "",
    opens_at: dt.time | None = None,
    closes_at: dt.time | None = None,
) -> PickupPoint:
    require_staff(actor)
    ensure_inside_village(village=actor.village, latitude=latitude, longitude=longitude)
    _check_hours(opens_at, closes_at)
    point = PickupPoint.objects.create(
        village=actor.village,
        name=name.strip(),
        kind=kind,
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    audit.record(
        actor=actor.user,
        instance=point,
        before={},
        verb="pickup_point_create",
        village_id=point.village_id,
    )
    return point


def _check_hours(opens_at: dt.time | None, closes_at: dt.time | None) -> None:
    if (opens_at is None) != (closes_at is None):
        raise ValidationFailed(fields={"closes_at": [_("Give both opening and closing time.")]})
    if opens_at is not None and closes_at is not None and opens_at >= closes_at:
        raise ValidationFailed(fields={"closes_at": [_("It must close after it opens.")]})


@transaction.atomic
def pickup_point_set_active(*, actor: Membership, point_id: int, is_active: bool) -> PickupPoint:
    require_staff(actor)
    point = lock_pickup_point(point_id, village_id=actor.village_id)
    before = audit.snapshot(point)
    point.is_active = is_active
    point.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor.user,
        instance=point,
        before=before,
        verb="pickup_point_set_active",
        village_id=point.village_id,
    )
    return point
