"""Read use-cases of the village calendar's events, scoped to the viewer's villages."""

from __future__ import annotations

from django.db.models import QuerySet

from dorf.events.models import ExternalCalendar, VillageEvent
from dorf.users.models import User
from dorf.villages.scoping import scope_to_member_villages


def event_visible(*, user: User) -> QuerySet[VillageEvent]:
    return scope_to_member_villages(
        VillageEvent.objects.select_related("village", "publisher", "calendar"), user
    )


def event_list(*, user: User, village_id: int) -> QuerySet[VillageEvent]:
    return event_visible(user=user).filter(village_id=village_id)


def calendar_visible(*, user: User) -> QuerySet[ExternalCalendar]:
    return scope_to_member_villages(ExternalCalendar.objects.select_related("village"), user)


def calendar_list(*, user: User, village_id: int) -> QuerySet[ExternalCalendar]:
    return calendar_visible(user=user).filter(village_id=village_id)
