from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.bookings.factories import booking_in, resource_in
from tests.cross_village import Case, exempt, register


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _resource(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "resource_id": resource_in(village).pk}


def _booking(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "booking_id": booking_in(village).pk}


_range = {"starts_at": "2030-01-07T17:00:00Z", "ends_at": "2030-01-07T19:00:00Z"}

register(Case("bookings:resource-list", _slug))
register(Case("bookings:resource-detail", _resource))
register(Case("bookings:resource-feed", _resource))
register(Case("bookings:booking-create", _resource, methods=("post",), body=_range))
register(
    Case(
        "bookings:series-create",
        _resource,
        methods=("post",),
        body={**_range, "rrule": "FREQ=WEEKLY;COUNT=2", "on_conflict": "skip"},
    )
)
register(Case("bookings:mine", _slug))
register(Case("bookings:requests", _slug))
register(Case("bookings:decision", _booking, methods=("post",), body={"approve": True}))
register(Case("bookings:cancel", _booking, methods=("post",)))
register(Case("bookings:check-in", _booking, methods=("post",)))
exempt("bookings:user-feed", "the secret token alone authorises; unknown is 404 (test_api.py)")
