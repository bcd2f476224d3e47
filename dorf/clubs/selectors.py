"""Read use-cases of clubs, scoped to the viewer's villages and already prefetched."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from dorf.calendar.recurrence import Occurrence, expand_many
from dorf.chat.models import Room
from dorf.clubs.models import (
    CLUB_SUBJECT,
    Announcement,
    Club,
    ClubEvent,
    ClubMembership,
    ClubMemberState,
    OccurrenceOverride,
    Rsvp,
    RsvpResponse,
    Shift,
    ShiftSignup,
    Visibility,
)
from dorf.clubs.series import event_series
from dorf.core.pagination import CompiledRows, page_slice
from dorf.core.sql import CompiledQuery, prepared_cursor
from dorf.users.models import User
from dorf.villages.scoping import member_village_ids_sql, scope_to_member_villages

MAX_OCCURRENCES = 500


def club_visible(*, user: User) -> QuerySet[Club]:
    return scope_to_member_villages(Club.objects.select_related("village"), user)


def club_name_visible(*, user: User, club_id: int) -> str | None:
    """The name of a club of the viewer's villages, or None: ``club_visible`` for a view
    that needs nothing else of the club, in one hand-written query (dorf.core.sql)."""
    villages, params = member_village_ids_sql(user.pk)
    table = connection.ops.quote_name(Club._meta.db_table)
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT name FROM {table} WHERE id = %s AND village_id IN ({villages})",  # noqa: S608
            [club_id, *params],
        )
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def club_list(*, user: User, village_id: int) -> QuerySet[Club]:
    return (
        club_visible(user=user)
        .filter(village_id=village_id)
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__state=ClubMemberState.ACTIVE)),
            room_id=Subquery(
                Room.objects.filter(subject_type=CLUB_SUBJECT, subject_id=OuterRef("pk")).values(
                    "pk"
                )[:1]
            ),
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=ClubMembership.objects.filter(user=user),
                to_attr="viewer_memberships",
            )
        )
    )


def club_member_list(*, club: Club, viewer_is_board: bool) -> QuerySet[ClubMembership]:
    members = ClubMembership.objects.filter(club=club).select_related("user")
    if not viewer_is_board:
        members = members.filter(state=ClubMemberState.ACTIVE)
    return members


def announcement_list(*, club: Club) -> QuerySet[Announcement]:
    return Announcement.objects.filter(club=club).select_related("author")


def event_visible(*, user: User) -> QuerySet[ClubEvent]:
    """Events of the viewer's villages. Members-only events are listed too (attending
    them needs club membership); the public feeds leave them out."""
    return scope_to_member_villages(
        ClubEvent.objects.select_related("club", "village"), user
    ).prefetch_related("overrides")


# What a list row shows of an event (``EventSerializer``'s fields but the club's name and
# the overrides): not the whole rows, whose model instances cost more CPU than the query.
EVENT_ROW_FIELDS = (
    "id",
    "club_id",
    "title",
    "description",
    "place",
    "latitude",
    "longitude",
    "starts_at",
    "ends_at",
    "visibility",
    "capacity",
    "rrule",
)


def event_list(*, club_id: int) -> CompiledRows:
    """The events of a club the caller found visible (``club_name_visible``), as
    ``EVENT_ROW_FIELDS`` rows and ``has_overrides`` for the cursor paginator (the
    overrides: ``event_override_rows``); one prepared query a page."""
    return CompiledRows(_EVENT_PAGE, ClubEvent, club_id=club_id)


def _event_page(*, club_id: int, **page: Any) -> QuerySet[ClubEvent, dict[str, Any]]:
    # Whether a row has overrides: their query runs only for a page that shows some.
    events = ClubEvent.objects.filter(club_id=club_id).annotate(
        has_overrides=Exists(OccurrenceOverride.objects.filter(event_id=OuterRef("pk")))
    )
    return page_slice(events.values(*EVENT_ROW_FIELDS, "has_overrides"), **page)


# Compiled once per shape (dorf.core.sql): a club's page is opened often.
_EVENT_PAGE = CompiledQuery(_event_page, params={"club_id": int, "before": int, "after": int})

# What a list shows of an occurrence override (``override_json``).
OVERRIDE_ROW_FIELDS = ("original_start", "cancelled", "starts_at", "ends_at", "note")


def _override_rows(*, event_ids: list[int]) -> QuerySet[OccurrenceOverride, Any]:
    rows: QuerySet[OccurrenceOverride, Any] = OccurrenceOverride.objects.filter(
        event_id__in=event_ids
    ).values("event_id", *OVERRIDE_ROW_FIELDS)
    return rows


_OVERRIDE_ROWS = CompiledQuery(_override_rows, params={"event_ids": list})


def event_override_rows(event_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The occurrence overrides of these events by event id, as ``OVERRIDE_ROW_FIELDS``
    rows; one query (none for no events)."""
    by_event: dict[int, list[dict[str, Any]]] = {}
    for row in _OVERRIDE_ROWS.rows(event_ids=list(event_ids)):
        by_event.setdefault(row.pop("event_id"), []).append(row)
    return by_event


@dataclass(frozen=True)
class OccurrenceRow:
    event: ClubEvent
    occurrence: Occurrence
    going: int
    waitlisted: int
    my_response: str | None


def occurrence_list(
    *,
    user: User,
    events: QuerySet[ClubEvent],
    window_start: datetime,
    window_end: datetime,
) -> list[OccurrenceRow]:
    """Every occurrence in the window (recurring events expanded), with RSVP counts.

    Three queries whatever the number of events: events, their overrides, RSVP rows.
    """
    candidates = list(
        events.filter(Q(starts_at__lt=window_end) & (Q(ends_at__gt=window_start) | ~Q(rrule="")))
        .order_by("id")
        .prefetch_related("overrides")
    )
    # Merged lazily by start (ties by event id) and cut at MAX_OCCURRENCES: a series
    # that repeats often costs its share of the step budget, not a whole list.
    rows = expand_many(
        ((event, event_series(event)) for event in candidates),
        window_start=window_start,
        window_end=window_end,
        limit=MAX_OCCURRENCES,
    )
    counts: Counter[tuple[int, datetime, str]] = Counter()
    mine: dict[tuple[int, datetime], str] = {}
    event_ids = {event.pk for event, _occ in rows}
    for event_id, start, response, user_id in Rsvp.objects.filter(
        event_id__in=event_ids
    ).values_list("event_id", "occurrence_start", "response", "user_id"):
        counts[(event_id, start, response)] += 1
        if user_id == user.pk:
            mine[(event_id, start)] = response
    return [
        OccurrenceRow(
            event=event,
            occurrence=occ,
            going=counts[(event.pk, occ.original_start, RsvpResponse.GOING)],
            waitlisted=counts[(event.pk, occ.original_start, RsvpResponse.WAITLISTED)],
            my_response=mine.get((event.pk, occ.original_start)),
        )
        for event, occ in rows
    ]


def rsvp_list(*, event: ClubEvent, occurrence_start: datetime) -> QuerySet[Rsvp]:
    return (
        Rsvp.objects.filter(event=event, occurrence_start=occurrence_start)
        .exclude(response=RsvpResponse.NOT_GOING)
        .select_related("user")
    )


def shift_list(*, event: ClubEvent, user: User) -> QuerySet[Shift]:
    return (
        Shift.objects.filter(event=event)
        .annotate(signup_count=Count("signups"))
        .prefetch_related(
            Prefetch(
                "signups",
                queryset=ShiftSignup.objects.filter(user=user),
                to_attr="viewer_signups",
            )
        )
        .order_by("starts_at", "id")
    )


def shift_visible(*, user: User) -> QuerySet[Shift]:
    return scope_to_member_villages(
        Shift.objects.select_related("event__club", "event__village"), user, "event__village"
    )


def public_events(*, village_id: int, club: Club | None = None) -> QuerySet[ClubEvent]:
    events = ClubEvent.objects.filter(village_id=village_id, visibility=Visibility.PUBLIC)
    if club is not None:
        events = events.filter(club=club)
    return events.select_related("club", "village").prefetch_related("overrides")
