"""GDPR for bookings: export one's bookings and series; erasure cancels future live
bookings (freeing the rooms) and blanks the free-text titles. Past bookings stay as the
record of who used what (a paid booking is part of the books)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dorf.bookings.models import LIVE_STATES, Booking, BookingSeries, BookingStatus
from dorf.users.models import User

ERASED = "[gelöscht]"


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "bookings": [
            {
                "resource": b.resource.name,
                "title": b.title,
                "starts_at": b.starts_at.isoformat(),
                "ends_at": b.ends_at.isoformat(),
                "status": b.status,
                "price_minutes": b.price_minutes,
            }
            for b in Booking.objects.filter(membership__user=user)
            .select_related("resource")
            .order_by("id")
        ],
        "series": [
            {"resource_id": s.resource_id, "rrule": s.rrule, "title": s.title}
            for s in BookingSeries.objects.filter(membership__user=user).order_by("id")
        ],
    }


def erase_personal_data(user: User) -> None:
    now = timezone.now()
    Booking.objects.filter(membership__user=user, status__in=LIVE_STATES, starts_at__gt=now).update(
        status=BookingStatus.CANCELLED, cancelled_at=now
    )
    Booking.objects.filter(membership__user=user).exclude(title="").update(title=ERASED)
    BookingSeries.objects.filter(membership__user=user).exclude(title="").update(title=ERASED)
