"""The one place that loads the rows a write of the village calendar changes: only in
villages where the acting user is a verified member (else 404), row-locked."""

from __future__ import annotations

from dorf.events.models import ExternalCalendar, VillageEvent
from dorf.users.models import User
from dorf.villages.scoping import get_scoped_or_404, member_village_ids


def event_for(user: User, event_id: int) -> VillageEvent:
    events = VillageEvent.objects.select_for_update(of=("self",)).select_related("village")
    return get_scoped_or_404(events.filter(village__in=member_village_ids(user)), pk=event_id)


def calendar_for(user: User, calendar_id: int) -> ExternalCalendar:
    calendars = ExternalCalendar.objects.select_for_update(of=("self",)).select_related("village")
    return get_scoped_or_404(calendars.filter(village__in=member_village_ids(user)), pk=calendar_id)
