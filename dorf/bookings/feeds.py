"""Calendar feeds of bookings: per resource (busy times only, for members) and per user
(their own bookings, behind a secret token URL). Writing iCalendar is the calendar
module's job; this module decides what goes in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from dorf.bookings.models import Booking, BookingStatus, Resource
from dorf.calendar.ics import Entry, render_calendar
from dorf.users.models import User

FEED_SCOPE = "bookings"
PAST_HORIZON = timedelta(days=30)
REFRESH = timedelta(minutes=30)


def _uid(booking: Booking) -> str:
    return f"resource-booking-{booking.pk}@dorf"


def resource_feed(*, resource: Resource, bookings: Iterable[Booking]) -> bytes:
    """Busy blocks only: no title, no booker, nothing but the time."""
    busy = _("Busy")
    entries = [
        Entry(
            uid=_uid(b),
            summary=busy,
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            status="CONFIRMED" if b.status == BookingStatus.APPROVED else "TENTATIVE",
        )
        for b in bookings
    ]
    return render_calendar(
        name=resource.name,
        tz=ZoneInfo(resource.village.timezone),
        entries=entries,
        refresh=REFRESH,
    )


def user_feed(*, user: User, tz: ZoneInfo, bookings: Iterable[Booking]) -> bytes:
    entries = [
        Entry(
            uid=_uid(b),
            summary=b.title or b.resource.name,
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            location=b.resource.location,
            status="CONFIRMED" if b.status == BookingStatus.APPROVED else "TENTATIVE",
            updated_at=b.updated_at,
        )
        for b in bookings
    ]
    return render_calendar(name=_("My bookings"), tz=tz, entries=entries, refresh=REFRESH)
