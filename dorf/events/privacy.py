"""GDPR for the village calendar: which events and external calendars a person created.

The events themselves are publications of a publisher (or an external calendar's) and
stay; erasure removes the person from them."""

from __future__ import annotations

from typing import Any

from dorf.events.models import ExternalCalendar, VillageEvent
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "events_created": [
            {"id": e.pk, "title": e.title, "created_at": e.created_at.isoformat()}
            for e in VillageEvent.objects.filter(created_by=user).order_by("id")
        ],
        "external_calendars_created": [
            {"id": c.pk, "name": c.name, "url": c.url, "created_at": c.created_at.isoformat()}
            for c in ExternalCalendar.objects.filter(created_by=user).order_by("id")
        ],
    }


def erase_personal_data(user: User) -> None:
    VillageEvent.objects.filter(created_by=user).update(created_by=None)
    ExternalCalendar.objects.filter(created_by=user).update(created_by=None)
