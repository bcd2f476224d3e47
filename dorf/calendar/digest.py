"""The village calendar's section of the printed digest: the week's public events of every
calendar source (clubs, the municipality and other publishers, imported calendars,
council meetings), series expanded in the village's time zone, cancelled occurrences
left out. Waste collections have a section of their own."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dorf.calendar.sources import CalendarCategory, CalendarQuery, calendar_items
from dorf.core.digest import DigestItem, DigestSection, register_section
from dorf.villages.models import Village

# A printed page: a long list of weekly practice sessions would crowd out the rest.
MAX_ITEMS = 12


def events_section(village_id: int, start: datetime, end: datetime, tz: str) -> DigestSection:
    village = Village.objects.get(pk=village_id)
    zone = ZoneInfo(tz)
    query = CalendarQuery(village=village, window_start=start, window_end=end, limit=4 * MAX_ITEMS)
    items = []
    for item in calendar_items(query):  # viewer None: public items only
        if CalendarCategory.WASTE in item.categories:
            continue
        place = f" · {item.place}" if item.place else ""
        items.append(
            DigestItem(
                title=item.title,
                text=f"{item.organizer.name}{place}",
                when=date_format(item.starts_at.astimezone(zone), "D d.m. H:i"),
            )
        )
        if len(items) == MAX_ITEMS:
            break
    return DigestSection(title=_("Events in the village"), items=items)


register_section("events", events_section, order=30)
