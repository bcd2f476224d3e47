"""A club's events: creating, editing, and overriding single occurrences of a series."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from dorf.calendar.recurrence import Series, find_occurrence, validate_rule
from dorf.clubs import locks
from dorf.clubs.models import (
    ClubEvent,
    OccurrenceOverride,
    Rsvp,
    RsvpResponse,
    Visibility,
)
from dorf.clubs.services._common import _promote_waitlist, _validate_times, event_tz
from dorf.clubs.services.clubs import require_board
from dorf.core.exceptions import Conflict, ValidationFailed
from dorf.notifications.models import Category
from dorf.notifications.services import notify
from dorf.users.models import User


def _validate_geo(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(fields={"longitude": [_("Give both coordinates or none.")]})


def _going_counts(event: ClubEvent) -> dict[datetime, int]:
    counts: dict[datetime, int] = {}
    for start in Rsvp.objects.filter(event=event, response=RsvpResponse.GOING).values_list(
        "occurrence_start", flat=True
    ):
        counts[start] = counts.get(start, 0) + 1
    return counts


@transaction.atomic
def event_create(
    *,
    user: User,
    club_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    place: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    visibility: str = Visibility.PUBLIC,
    capacity: int | None = None,
    rrule: str = "",
) -> ClubEvent:
    club = locks.club_for(user, club_id, lock=False)
    require_board(user, club)
    _validate_times(starts_at, ends_at)
    _validate_geo(latitude, longitude)
    rule = validate_rule(rrule, starts_at=starts_at, tz=ZoneInfo(club.village.timezone))
    return ClubEvent.objects.create(
        club=club,
        village=club.village,
        title=title,
        description=description,
        place=place,
        latitude=latitude,
        longitude=longitude,
        starts_at=starts_at,
        ends_at=ends_at,
        visibility=visibility,
        capacity=capacity,
        rrule=rule,
    )


@transaction.atomic
def event_update(*, user: User, event_id: int, **fields: Any) -> ClubEvent:
    """Change an event. The capacity cannot drop below an occurrence's "going" count;
    a raised capacity moves people up from the waitlist."""
    event = locks.event_for(user, event_id)
    require_board(user, event.club)
    if (
        "rrule" in fields
        and event.rrule != fields["rrule"]
        and Rsvp.objects.filter(event=event).exists()
    ):
        raise Conflict(_("The rule cannot change once people have answered."), code="has_rsvps")
    for name, value in fields.items():
        setattr(event, name, value)
    _validate_times(event.starts_at, event.ends_at)
    _validate_geo(event.latitude, event.longitude)
    event.rrule = validate_rule(event.rrule, starts_at=event.starts_at, tz=event_tz(event))
    counts = _going_counts(event)
    if event.capacity is not None and counts and max(counts.values()) > event.capacity:
        raise ValidationFailed(
            fields={
                "capacity": [_("%(n)d people are already going.") % {"n": max(counts.values())}]
            },
            code="capacity_below_going",
        )
    event.sequence += 1
    event.save()
    for occurrence_start in (
        Rsvp.objects.filter(event=event, response=RsvpResponse.WAITLISTED)
        .values_list("occurrence_start", flat=True)
        .distinct()
    ):
        _promote_waitlist(event, occurrence_start)
    return event


@transaction.atomic
def occurrence_override_set(
    *,
    user: User,
    event_id: int,
    original_start: datetime,
    cancelled: bool = False,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    note: str = "",
) -> OccurrenceOverride:
    """Cancel or move one occurrence of a recurring event (keyed by its original start)."""
    event = locks.event_for(user, event_id)
    require_board(user, event.club)
    if not event.is_recurring:
        raise ValidationFailed(
            _("Only occurrences of a recurring event can be changed one by one."),
            code="not_recurring",
        )
    if (starts_at is None) != (ends_at is None):
        raise ValidationFailed(fields={"ends_at": [_("Give both the new start and end.")]})
    if starts_at is not None and ends_at is not None:
        _validate_times(starts_at, ends_at)
    if not cancelled and starts_at is None:
        raise ValidationFailed(_("Cancel the occurrence or give it a new time."), code="no_change")
    # The series without its overrides: a moved or cancelled occurrence can change again.
    series = Series(
        starts_at=event.starts_at, ends_at=event.ends_at, tz=event_tz(event), rule=event.rrule
    )
    found = find_occurrence(series, original_start=original_start)
    if found is None:
        raise ValidationFailed(
            fields={"original_start": [_("The event has no occurrence at this time.")]},
            code="no_such_occurrence",
        )
    override, _created = OccurrenceOverride.objects.update_or_create(
        event=event,
        original_start=found.original_start,
        defaults={
            "cancelled": cancelled,
            "starts_at": None if cancelled else starts_at,
            "ends_at": None if cancelled else ends_at,
            "note": note,
        },
    )
    ClubEvent.objects.filter(pk=event.pk).update(sequence=event.sequence + 1)
    affected = Rsvp.objects.filter(
        event=event,
        occurrence_start=found.original_start,
        response__in=(RsvpResponse.GOING, RsvpResponse.WAITLISTED, RsvpResponse.MAYBE),
    ).select_related("user")
    title = (_("Cancelled: %(title)s") if cancelled else _("New time: %(title)s")) % {
        "title": event.title
    }
    for rsvp in affected:
        notify(
            user=rsvp.user,
            category=Category.RSVP,
            title=title,
            body=note,
            village=event.village,
            link_type="club_event",
            link_id=event.pk,
        )
    return override
