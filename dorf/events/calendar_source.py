"""The events of this app in the village calendar: the source of ``dorf.calendar.sources``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from dorf.calendar.ics import Entry
from dorf.calendar.recurrence import Occurrence, rule_within_limits
from dorf.calendar.sources import CalendarItem, CalendarQuery, Organizer, expand_items
from dorf.events.models import VillageEvent
from dorf.events.series import event_series
from dorf.villages.models import Village

SOURCE = "events"
PUBLISHER = "publisher"
EXTERNAL = "external"
# Feeds leave out single events that ended longer ago than this (as the clubs' feeds do).
PAST_HORIZON = timedelta(days=180)


def organizer_of(event: VillageEvent) -> Organizer:
    """Needs ``publisher`` and ``calendar`` loaded."""
    if event.calendar_id is not None and event.calendar is not None:
        return Organizer(kind=EXTERNAL, id=event.calendar_id, name=event.calendar.name)
    if event.publisher_id is not None and event.publisher is not None:
        return Organizer(kind=PUBLISHER, id=event.publisher_id, name=event.publisher.name)
    return Organizer(kind=PUBLISHER, id=0, name="")


def _events(
    *, village: Village, public_only: bool, organizer: str, categories: frozenset[str]
) -> QuerySet[VillageEvent] | None:
    events = VillageEvent.objects.filter(village=village)
    if public_only:
        events = events.filter(public=True)
    if categories:
        events = events.filter(category__in=categories)
    if organizer:
        kind, _sep, raw_id = organizer.partition(":")
        if not raw_id.isdigit() or kind not in (PUBLISHER, EXTERNAL):
            return None
        field = "publisher_id" if kind == PUBLISHER else "calendar_id"
        events = events.filter(**{field: int(raw_id)})
    return events.select_related("publisher", "calendar")


def _item(event: VillageEvent, occurrence: Occurrence) -> CalendarItem:
    return CalendarItem(
        source=SOURCE,
        series=f"{SOURCE}:{event.pk}",
        title=event.title,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        original_start=occurrence.original_start,
        organizer=organizer_of(event),
        categories=(event.category,),
        place=event.place,
        description=event.description,
        public=event.public,
        capacity=event.capacity,
        moved=occurrence.moved,
        recurring=event.is_recurring,
        detail_path=f"/api/v1/calendar-events/{event.pk}/",
    )


def feed_uid(event: VillageEvent) -> str:
    return (
        f"villageevent-{event.uid}@dorf"
        if event.calendar_id is None
        else (f"imported-{event.calendar_id}-{event.pk}@dorf")
    )


def _day(value: datetime, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date()


def feed_entry(event: VillageEvent) -> Entry:
    """The series as one VEVENT with its RRULE and EXDATEs (an all-day event as dates)."""
    series = event_series(event)
    rule = event.rrule if rule_within_limits(series) else ""
    tz = ZoneInfo(event.timezone)
    starts: datetime | date = event.starts_at
    ends: datetime | date = event.ends_at
    left_out = sorted(series.exdates) if rule else []
    exdates: list[datetime | date] = list(left_out)
    if event.all_day:
        starts, ends = _day(event.starts_at, tz), _day(event.ends_at, tz)
        exdates = [_day(d, tz) for d in left_out]
    geo = (
        (event.latitude, event.longitude)
        if event.latitude is not None and event.longitude is not None
        else None
    )
    organizer = organizer_of(event)
    return Entry(
        uid=feed_uid(event),
        summary=f"{event.title} ({organizer.name})" if organizer.name else event.title,
        starts_at=starts,
        ends_at=ends,
        description=event.description,
        location=event.place,
        geo=geo,
        rrule=rule,
        exdates=exdates,
        sequence=event.sequence,
        updated_at=event.updated_at,
        categories=(event.category,),
        tz=tz,
    )


class VillageEventSource:
    """Public events for everyone, members-only ones for the village's members. One
    query (events with their publisher and calendar)."""

    name = SOURCE

    def occurrences(self, query: CalendarQuery) -> Iterable[CalendarItem]:
        events = _events(
            village=query.village,
            public_only=query.viewer is None,
            organizer=query.organizer,
            categories=query.categories,
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
        events = _events(
            village=village, public_only=True, organizer=organizer, categories=frozenset()
        )
        if events is None:
            return
        cutoff = timezone.now().astimezone(UTC) - PAST_HORIZON
        for event in events.filter(Q(ends_at__gte=cutoff) | ~Q(rrule="")).order_by("id"):
            yield feed_entry(event)
