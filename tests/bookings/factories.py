from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dorf.bookings.models import Booking, BookingStatus, Resource, ResourceKind
from dorf.villages.models import Village
from tests.factories import MembershipFactory


def resource_in(village: Village) -> Resource:
    return Resource.objects.create(village=village, kind=ResourceKind.ROOM, name="Saal")


def booking_in(village: Village) -> Booking:
    start = datetime(2030, 1, 7, 17, 0, tzinfo=UTC)
    return Booking.objects.create(
        village=village,
        resource=resource_in(village),
        membership=MembershipFactory(village=village),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        blocked_until=start + timedelta(hours=2),
        status=BookingStatus.REQUESTED,
    )
