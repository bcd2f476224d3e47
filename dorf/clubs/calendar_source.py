"""Club events in the village calendar: the clubs' source of ``dorf.calendar.sources``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from django.db.models import Q, QuerySet
from django.utils import timezone

from dorf.calendar.ics import Entry
from dorf.calendar.recurrence import Occurrence
from dorf.calendar.sources import (
    CalendarCategory,
    CalendarItem,
    CalendarQuery,
    Organizer,
    expand_items,
)
from dorf.clubs import feeds
from dorf.clubs.models import ClubEvent, Visibility
from dorf.clubs.series import event_series
from dorf.villages.models import Village

SOURCE = "clubs"
ORGANIZER_KIND = "club"
CATEGORIES = (CalendarCategory.CLUB.value,)


def _organizer_filter(organizer: str) -> Q | None:
    """Q for the club of an ``organizer`` key, None when the key names no club (nothing)."""
    kind, _sep, raw_id = organizer.partition(":")
    if kind != ORGANIZER_KIND or not raw_id.isdigit():
        return None
    return Q(club_id=int(raw_id))


def _events(*, village: Village, public_only: bool, organizer: str) -> QuerySet[ClubEvent] | None:
    events = ClubEvent.objects.filter(village=village)
    if public_only:
        events = events.filter(visibility=Visibility.PUBLIC)
    if organizer:
        condition = _organizer_filter(organizer)
        if condition is None:
            return None
        events = events.filter(condition)
    return events.select_related("club", "village").prefetch_related("overrides")


def _item(event: ClubEvent, occurrence: Occurrence) -> CalendarItem:
    return CalendarItem(
        source=SOURCE,
        series=f"{SOURCE}:{event.pk}",
        title=event.title,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        original_start=occurrence.original_start,
        organizer=Organizer(kind=ORGANIZER_KIND, id=event.club_id, name=event.club.name),
        categories=CATEGORIES,
        place=event.place,
        description=event.description,
        public=event.visibility == Visibility.PUBLIC,
        capacity=event.capacity,
        moved=occurrence.moved,
        recurring=event.is_recurring,
        detail_path=f"/api/v1/club-events/{event.pk}/",
    )


class ClubEventSource:
    """Public club events for everyone; members-only ones for the village's members
    (as the clubs' own village list shows them). Two queries: events, overrides."""

    name = SOURCE

    def occurrences(self, query: CalendarQuery) -> Iterable[CalendarItem]:
        if query.categories and not query.categories.intersection(CATEGORIES):
            return []
        events = _events(
            village=query.village, public_only=query.viewer is None, organizer=query.organizer
        )
        if events is None:
            return []
        candidates = list(
            events.filter(
                Q(starts_at__lt=query.window_end)
                & (Q(ends_at__gt=query.window_start) | ~Q(rrule=""))
            ).order_by("id")
        )
        return expand_items(((e, event_series(e)) for e in candidates), _item, query)

    def feed_entries(self, *, village: Village, organizer: str = "") -> Iterator[Entry]:
        events = _events(village=village, public_only=True, organizer=organizer)
        if events is None:
            return
        cutoff = timezone.now() - feeds.PAST_HORIZON
        for event in events.filter(Q(ends_at__gte=cutoff) | ~Q(rrule="")).order_by("id"):
            for entry in feeds.series_entries(event):
                yield replace(entry, categories=CATEGORIES)
