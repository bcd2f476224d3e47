"""The clubs' section of the printed digest: the week's public club events, series
expanded in the village's time zone (cancelled occurrences left out, moved ones at their
new time)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dorf.calendar.recurrence import expand_many
from dorf.clubs.selectors import public_events
from dorf.clubs.series import event_series
from dorf.core.digest import DigestItem, DigestSection, register_section

# A printed page: a long list of weekly practice sessions would crowd out the rest.
MAX_ITEMS = 12


def club_events_section(village_id: int, start: datetime, end: datetime, tz: str) -> DigestSection:
    zone = ZoneInfo(tz)
    candidates = public_events(village_id=village_id).filter(
        Q(starts_at__lt=end) & (Q(ends_at__gt=start) | ~Q(rrule=""))
    )
    rows = expand_many(
        ((event, event_series(event)) for event in candidates.order_by("id")),
        window_start=start,
        window_end=end,
        limit=4 * MAX_ITEMS,
    )
    items = []
    for event, occurrence in rows:
        if occurrence.cancelled:
            continue
        local = occurrence.starts_at.astimezone(zone)
        place = f" · {event.place}" if event.place else ""
        items.append(
            DigestItem(
                title=event.title,
                text=f"{event.club.name}{place}",
                when=date_format(local, "D d.m. H:i"),
            )
        )
        if len(items) == MAX_ITEMS:
            break
    return DigestSection(title=_("Club events"), items=items)


register_section("club_events", club_events_section, order=30)
