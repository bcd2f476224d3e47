"""GDPR export and erasure for deliveries.

Export: parcels for my households, parcels I registered, my shifts and my routes.
Erasure: free text I wrote (parcel notes, failure reasons, event notes) is replaced;
my shifts lose their start and end points (usually my home: replaced by the village
centre) and future ones are withdrawn. Routes and parcel histories stay, since the
ledger's delivery transfers and the recipients' parcels point at them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, Subquery

from dorf.core.privacy import ERASED
from dorf.deliveries.models import (
    DeliveryShift,
    DeliveryShiftStatus,
    Parcel,
    ParcelEvent,
    Route,
)
from dorf.users.models import User
from dorf.villages.models import Membership, Village


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_personal_data(user: User) -> dict[str, Any]:
    household_ids = Membership.objects.filter(user=user).exclude(household=None)
    received = Parcel.objects.filter(
        household_id__in=household_ids.values_list("household_id", flat=True)
    ).select_related("pickup_point")
    return {
        "parcels_received": [
            {
                "id": p.pk,
                "status": p.status,
                "delivery_date": _iso(p.delivery_date),
                "pickup_point": p.pickup_point.name,
                "created_at": _iso(p.created_at),
            }
            for p in received.order_by("pk")
        ],
        "parcels_registered": [
            {"id": p.pk, "note": p.note, "created_at": _iso(p.created_at)}
            for p in Parcel.objects.filter(created_by=user).order_by("pk")
        ],
        "parcel_events": [
            {"parcel_id": e.parcel_id, "to_status": e.to_status, "at": _iso(e.at), "note": e.note}
            for e in ParcelEvent.objects.filter(actor=user).order_by("pk")
        ],
        "shifts": [
            {
                "id": s.pk,
                "date": _iso(s.date),
                "starts_at": _iso(s.starts_at),
                "ends_at": _iso(s.ends_at),
                "vehicle": s.vehicle,
                "capacity_units": s.capacity_units,
                "start": [s.start_latitude, s.start_longitude],
                "end": [s.end_latitude, s.end_longitude],
                "status": s.status,
            }
            for s in DeliveryShift.objects.filter(volunteer=user).order_by("pk")
        ],
        "routes": [
            {
                "id": r.pk,
                "date": _iso(r.date),
                "status": r.status,
                "start_at": _iso(r.start_at),
                "end_at": _iso(r.end_at),
                "paid_minutes": r.paid_minutes,
            }
            for r in Route.objects.filter(shift__volunteer=user).order_by("pk")
        ],
    }


def erase_personal_data(user: User) -> None:
    Parcel.objects.filter(created_by=user).exclude(note="").update(note=ERASED)
    # A failure reason is a code from a fixed list (no words of the user's); the words
    # they added are in the event's note, erased below.
    ParcelEvent.objects.filter(actor=user).exclude(Q(note="") | Q(note=ERASED)).update(note=ERASED)
    shifts = DeliveryShift.objects.filter(volunteer=user)
    centre = Village.objects.filter(pk=OuterRef("village_id"))
    lat = Subquery(centre.values("centre_lat")[:1])
    lon = Subquery(centre.values("centre_lon")[:1])
    shifts.update(start_latitude=lat, start_longitude=lon, end_latitude=lat, end_longitude=lon)
    shifts.filter(status=DeliveryShiftStatus.ACTIVE, routes__isnull=True).update(
        status=DeliveryShiftStatus.WITHDRAWN
    )
