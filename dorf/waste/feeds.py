"""The household's collections as an iCalendar feed (all-day events).

Each collection keeps one UID for its life (``Collection.uid``), so a shift updates the
event in the subscriber's calendar instead of adding a second one; its SEQUENCE is bumped
on every shift, and a cancelled collection stays in the feed as STATUS:CANCELLED.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from dorf.calendar.ics import Alarm, Entry, render_calendar
from dorf.waste.models import Collection

UID_DOMAIN = "waste.dorf"
MAX_ALARM_HOURS = 72


def collection_uid(collection: Collection) -> str:
    return f"{collection.uid}@{UID_DOMAIN}"


def _description(collection: Collection) -> str:
    parts = []
    if collection.shifted and collection.original_date is not None:
        parts.append(
            _("Moved from %(date)s.") % {"date": collection.original_date.strftime("%d.%m.%Y")}
        )
        if collection.shift_reason:
            parts.append(collection.shift_reason)
    if collection.holiday:
        parts.append(_("Public holiday: %(name)s") % {"name": collection.holiday})
    if collection.note:
        parts.append(collection.note)
    return "\n".join(parts)


def household_feed(
    *, name: str, tz: ZoneInfo, collections: Iterable[Collection], alarm_hours: int | None
) -> bytes:
    entries = []
    for collection in collections:
        label = collection.tour.waste_type.label
        alarms = (
            [Alarm(before=timedelta(hours=alarm_hours), description=label)]
            if alarm_hours and not collection.cancelled
            else []
        )
        entries.append(
            Entry(
                uid=collection_uid(collection),
                summary=label,
                starts_at=collection.date,
                ends_at=collection.date + timedelta(days=1),
                description=_description(collection),
                sequence=collection.sequence,
                updated_at=collection.updated_at,
                status="CANCELLED" if collection.cancelled else "CONFIRMED",
                categories=[collection.tour.waste_type.code],
                alarms=alarms,
            )
        )
    return render_calendar(name=name, tz=tz, entries=entries, refresh=timedelta(hours=6))
