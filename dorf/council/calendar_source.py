"""Council meetings in the village calendar: the council's source of
``dorf.calendar.sources``. Meetings are public (the council system publishes them) and
never recur; a cancelled meeting leaves the calendar and is marked CANCELLED in the feed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from dorf.calendar.ics import Entry
from dorf.calendar.sources import CalendarCategory, CalendarItem, CalendarQuery, Organizer
from dorf.council.models import Meeting
from dorf.villages.models import Village

SOURCE = "council"
ORGANIZER_KIND = "council"
CATEGORIES = (CalendarCategory.COUNCIL.value,)
# A meeting without an end in the council system is shown two hours long.
DEFAULT_DURATION = timedelta(hours=2)
FEED_PAST_HORIZON = timedelta(days=90)


def _meetings(*, village: Village, organizer: str) -> QuerySet[Meeting] | None:
    meetings = Meeting.objects.filter(village=village, deleted=False, start__isnull=False)
    if organizer:
        kind, _sep, raw_id = organizer.partition(":")
        if kind != ORGANIZER_KIND or not raw_id.isdigit():
            return None
        meetings = meetings.filter(organizations__id=int(raw_id))
    return meetings.prefetch_related("organizations")


def _organizer(meeting: Meeting) -> Organizer:
    organizations = sorted(meeting.organizations.all(), key=lambda o: o.pk)
    if not organizations:
        return Organizer(kind=ORGANIZER_KIND, id=0, name=meeting.name)
    first = organizations[0]
    return Organizer(kind=ORGANIZER_KIND, id=first.pk, name=first.name)


def _end(meeting: Meeting) -> datetime:
    assert meeting.start is not None
    if meeting.end is not None and meeting.end > meeting.start:
        return meeting.end
    return meeting.start + DEFAULT_DURATION


def _item(meeting: Meeting) -> CalendarItem:
    assert meeting.start is not None
    return CalendarItem(
        source=SOURCE,
        series=f"{SOURCE}:{meeting.pk}",
        title=meeting.name,
        starts_at=meeting.start,
        ends_at=_end(meeting),
        original_start=meeting.start,
        organizer=_organizer(meeting),
        categories=CATEGORIES,
        place=meeting.location,
        description=meeting.web_url,
        public=True,
        detail_path=f"/api/v1/villages/{meeting.village.slug}/council/meetings/{meeting.pk}/",
    )


class CouncilMeetingSource:
    """The imported meetings of the village's council. Two queries: meetings, and their
    organisations."""

    name = SOURCE

    def occurrences(self, query: CalendarQuery) -> Iterable[CalendarItem]:
        if query.categories and not query.categories.intersection(CATEGORIES):
            return []
        meetings = _meetings(village=query.village, organizer=query.organizer)
        if meetings is None:
            return []
        rows = meetings.filter(
            cancelled=False, start__gte=query.window_start, start__lt=query.window_end
        ).select_related("village")
        # Ordered by start in the database; ties are put in ``sort_key`` order (the series
        # string) here, with room for them beyond the limit.
        items = sorted(
            (_item(m) for m in rows.order_by("start", "pk")[: query.limit * 2]),
            key=lambda item: item.sort_key,
        )
        return [item for item in items if query.wants(item)][: query.limit]

    def feed_entries(self, *, village: Village, organizer: str = "") -> Iterator[Entry]:
        meetings = _meetings(village=village, organizer=organizer)
        if meetings is None:
            return
        cutoff = timezone.now() - FEED_PAST_HORIZON
        for meeting in meetings.filter(start__gte=cutoff).order_by("start", "pk"):
            assert meeting.start is not None
            yield Entry(
                uid=f"council-meeting-{meeting.pk}@dorf",
                summary=meeting.name,
                starts_at=meeting.start,
                ends_at=_end(meeting),
                location=meeting.location,
                url=meeting.web_url,
                status="CANCELLED" if meeting.cancelled else "CONFIRMED",
                updated_at=meeting.modified,
                categories=CATEGORIES,
            )
