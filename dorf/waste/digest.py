"""The Müllkalender's section of the printed weekly digest: the week's collections."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dorf.core.digest import DigestItem, DigestSection, register_section
from dorf.waste.models import Collection


def waste_section(village_id: int, start: datetime, end: datetime, tz: str) -> DigestSection:
    zone = ZoneInfo(tz)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    collections = (
        Collection.objects.filter(
            tour__village_id=village_id, date__gte=first, date__lt=last, cancelled=False
        )
        .select_related("tour__waste_type")
        .order_by("date", "tour__waste_type__label", "tour__name")
    )
    items = []
    for collection in collections:
        notes = []
        if collection.shifted and collection.original_date is not None:
            notes.append(
                _("moved from %(date)s")
                % {"date": date_format(collection.original_date, "SHORT_DATE_FORMAT")}
            )
        if collection.note:
            notes.append(collection.note)
        items.append(
            DigestItem(
                title=f"{collection.tour.waste_type.label} ({collection.tour.name})",
                text="; ".join(notes),
                when=date_format(collection.date, "D d.m."),
                emphasis=collection.shifted,
            )
        )
    return DigestSection(title=_("Waste collections"), items=items)


register_section("waste", waste_section, order=30)
