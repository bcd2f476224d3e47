"""The calendar-source registry: one village calendar made of many apps' dates.

The village calendar shows club events, the municipality's and other publishers' events,
imported external calendars, council meetings, waste collections ... Each of these lives
in a feature app, and feature apps may not import each other; the calendar floor sits
below all of them. So every app that has dates for the village calendar *registers a
source* here (from its ``AppConfig.ready()``), and the merged calendar (the API and the
public village feed) asks every registered source, never an app by name.

A source answers two questions:

- ``occurrences(query)``: the occurrences (recurring series already expanded, in the
  village's time zone) whose start lies in ``[query.window_start, query.window_end)``,
  sorted by ``CalendarItem.sort_key``, at most ``query.limit`` of them, filtered by
  ``query.categories`` / ``query.organizer``; with ``query.viewer`` None only public ones;
- ``feed_entries(village=..., organizer=...)``: the public series as iCalendar entries
  (one VEVENT per series with RRULE/EXDATE, plus RECURRENCE-ID entries for moved
  occurrences), for the subscribable village feed.

Sources expand with ``query.budget`` (a shared ``StepBudget``), so one request never
walks more than ``MAX_STEPS_PER_REQUEST`` dates whatever the number of sources.

docs/calendar.md ("The village calendar") has the how-to for a new source.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Protocol, TypeVar, runtime_checkable

from django.db import models
from django.utils.translation import gettext_lazy as _

from dorf.calendar.ics import Entry
from dorf.calendar.recurrence import (
    MAX_OCCURRENCES_PER_WINDOW,
    Occurrence,
    Series,
    StepBudget,
    expand_many,
)
from dorf.users.models import User
from dorf.villages.models import Village

logger = logging.getLogger(__name__)


class CalendarCategory(models.TextChoices):
    """The one vocabulary of the village calendar's ``category`` filter. Every source maps
    its own notion onto these (a club event is ``club``, a council meeting ``council``)."""

    MUNICIPALITY = "municipality", _("Municipality")
    CLUB = "club", _("Clubs")
    CHURCH = "church", _("Church")
    CULTURE = "culture", _("Culture")
    SPORT = "sport", _("Sport")
    MARKET = "market", _("Markets")
    EDUCATION = "education", _("Education")
    COUNCIL = "council", _("Council and participation")
    WASTE = "waste", _("Waste collection")
    OTHER = "other", _("Other")


@dataclass(frozen=True)
class Organizer:
    """Who organises an item. ``kind`` names the sort (``club``, ``publisher``,
    ``external``, ``council``, ...), ``id`` the row in its app; ``key`` is what the
    ``organizer`` filter takes, e.g. ``club:12``."""

    kind: str
    id: int
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class CalendarItem:
    """One occurrence in the merged calendar (times aware, UTC).

    ``series`` identifies the series across requests and sources (``<source>:<id>``);
    ``original_start`` identifies the occurrence in it even after a move."""

    source: str
    series: str
    title: str
    starts_at: datetime
    ends_at: datetime
    original_start: datetime
    organizer: Organizer
    categories: tuple[str, ...] = ()
    place: str = ""
    description: str = ""
    public: bool = True
    capacity: int | None = None
    moved: bool = False
    recurring: bool = False
    # The API path of the item's own object ("" when it has none), e.g. "/api/v1/club-events/3/".
    detail_path: str = ""

    @property
    def sort_key(self) -> tuple[datetime, str, datetime]:
        """The order of the merged calendar: total, so a cursor can point between items."""
        return (self.starts_at, self.series, self.original_start)


@dataclass
class CalendarQuery:
    """What the merged calendar asks every source."""

    village: Village
    window_start: datetime
    window_end: datetime
    # None: the public view (feeds, anonymous): public items only.
    viewer: User | None = None
    # Empty: every category; else items with at least one of these.
    categories: frozenset[str] = frozenset()
    # "" or an ``Organizer.key``.
    organizer: str = ""
    limit: int = MAX_OCCURRENCES_PER_WINDOW
    budget: StepBudget = field(default_factory=StepBudget)

    def wants(self, item: CalendarItem) -> bool:
        """The filters every source must apply (the merge applies them again)."""
        if self.viewer is None and not item.public:
            return False
        if self.categories and not self.categories.intersection(item.categories):
            return False
        return not (self.organizer and item.organizer.key != self.organizer)

    def organizer_kind_and_id(self) -> tuple[str, int] | None:
        """The organizer filter split into (kind, id), or None when there is none or it
        is malformed (then nothing matches: ``wants`` compares the whole key)."""
        kind, _sep, raw_id = self.organizer.partition(":")
        if not kind or not raw_id.isdigit():
            return None
        return kind, int(raw_id)


@runtime_checkable
class CalendarSource(Protocol):
    """What an app registers. ``name`` is unique (usually the app label)."""

    name: str

    def occurrences(self, query: CalendarQuery) -> Iterable[CalendarItem]: ...

    def feed_entries(self, *, village: Village, organizer: str = "") -> Iterable[Entry]: ...


_SOURCES: dict[str, CalendarSource] = {}


def register(source: CalendarSource) -> CalendarSource:
    """Add ``source`` (call it from ``AppConfig.ready()``); registering the same name
    again replaces the earlier one, so a re-run ``ready()`` is harmless."""
    if not isinstance(source, CalendarSource):
        raise TypeError(f"{source!r} does not implement CalendarSource")
    _SOURCES[source.name] = source
    return source


def unregister(name: str) -> None:
    _SOURCES.pop(name, None)


def registered_sources() -> list[CalendarSource]:
    """Every registered source, by name (a stable order for ties and feeds)."""
    return [_SOURCES[name] for name in sorted(_SOURCES)]


@contextmanager
def registered(source: CalendarSource) -> Iterator[CalendarSource]:
    """Register ``source`` for the duration of a block (tests)."""
    previous = _SOURCES.get(source.name)
    register(source)
    try:
        yield source
    finally:
        if previous is None:
            unregister(source.name)
        else:
            _SOURCES[source.name] = previous


def calendar_items(query: CalendarQuery) -> list[CalendarItem]:
    """Every source's occurrences in the window, merged by ``sort_key``, filtered,
    at most ``query.limit``."""
    streams = [
        (item for item in source.occurrences(query) if query.wants(item))
        for source in registered_sources()
    ]
    merged = heapq.merge(*streams, key=lambda item: item.sort_key)
    return list(islice(merged, query.limit))


def feed_entries(*, village: Village, organizer: str = "") -> list[Entry]:
    """Every source's public series for the village feed."""
    return [
        entry
        for source in registered_sources()
        for entry in source.feed_entries(village=village, organizer=organizer)
    ]


T = TypeVar("T")


def expand_items(
    rows: Iterable[tuple[T, Series]],
    make: Callable[[T, Occurrence], CalendarItem],
    query: CalendarQuery,
) -> list[CalendarItem]:
    """A helper for sources: expand ``(row, series)`` pairs in the query's window with its
    budget, turn each occurrence into an item with ``make`` and keep what the query
    wants, sorted by ``sort_key``. (``expand_many`` orders by start only; equal starts
    are put in ``sort_key`` order here.)"""
    pairs = expand_many(
        rows,
        window_start=query.window_start,
        window_end=query.window_end,
        limit=query.limit,
        budget=query.budget,
    )
    items = [item for item in (make(row, occ) for row, occ in pairs) if query.wants(item)]
    items.sort(key=lambda item: item.sort_key)
    return items


# Occurrences that start at the same instant as a page's last one and may follow it: a
# page asks the sources for this many more than it shows, so the next page finds them.
TIE_SLACK = 100


@dataclass(frozen=True)
class CalendarPage:
    items: list[CalendarItem]
    # The sort key of the last item when more follow, else None.
    next_after: tuple[datetime, str, datetime] | None


def calendar_page(
    query: CalendarQuery,
    *,
    page_size: int,
    after: tuple[datetime, str, datetime] | None = None,
) -> CalendarPage:
    """One page of the merged calendar: the first ``page_size`` items whose ``sort_key``
    comes after ``after`` (the previous page's last item). The window is narrowed to
    start at ``after``'s start, so a late page costs no more than the first."""
    if after is not None and after[0] > query.window_start:
        query.window_start = after[0]
    query.limit = page_size + 1 + (TIE_SLACK if after is not None else 0)
    items = calendar_items(query)
    if after is not None:
        items = [item for item in items if item.sort_key > after]
    page = items[:page_size]
    more = len(items) > page_size
    return CalendarPage(items=page, next_after=page[-1].sort_key if more and page else None)
