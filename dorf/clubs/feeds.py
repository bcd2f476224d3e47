"""The calendar feeds: per club, per village (public events) and per user (token URL)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from dorf.clubs import recurrence
from dorf.clubs.ical import FeedEvent, Writer
from dorf.clubs.models import ClubEvent, Rsvp, RsvpResponse, ShiftSignup
from dorf.users.models import User

# Feeds leave out single events that ended longer ago than this.
PAST_HORIZON = timedelta(days=180)


def _uid(event: ClubEvent) -> str:
    return f"{event.uid}@dorf"


def series_entries(event: ClubEvent) -> Iterator[FeedEvent]:
    """The master VEVENT (with RRULE and EXDATE for cancelled occurrences) and one VEVENT
    with RECURRENCE-ID per moved occurrence."""
    overrides = list(event.overrides.all())
    geo = (
        (event.latitude, event.longitude)
        if event.latitude is not None and event.longitude is not None
        else None
    )
    yield FeedEvent(
        uid=_uid(event),
        summary=f"{event.title} ({event.club.name})",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        description=event.description,
        location=event.place,
        geo=geo,
        rrule=event.rrule,
        exdates=sorted(o.original_start for o in overrides if o.cancelled) if event.rrule else [],
        sequence=event.sequence,
        updated_at=event.updated_at,
    )
    if not event.rrule:
        return
    for override in sorted(overrides, key=lambda o: o.original_start):
        if override.cancelled or override.starts_at is None or override.ends_at is None:
            continue
        yield FeedEvent(
            uid=_uid(event),
            summary=f"{event.title} ({event.club.name})",
            starts_at=override.starts_at,
            ends_at=override.ends_at,
            description=override.note or event.description,
            location=event.place,
            geo=geo,
            recurrence_id=override.original_start,
            sequence=event.sequence,
            updated_at=event.updated_at,
        )


def _recent(events: Iterable[ClubEvent]) -> Iterator[ClubEvent]:
    cutoff = timezone.now() - PAST_HORIZON
    for event in events:
        if event.rrule or event.ends_at >= cutoff:
            yield event


def events_feed(*, name: str, events: Iterable[ClubEvent]) -> str:
    writer = Writer(name=name, tz_name=settings.TIME_ZONE)
    return writer.render(entry for event in _recent(events) for entry in series_entries(event))


def user_feed(*, user: User) -> str:
    """ "My events and shifts": every occurrence I said going/maybe to (or wait for), and
    every shift I signed up for, as single VEVENTs."""
    cutoff = timezone.now() - PAST_HORIZON
    entries: list[FeedEvent] = []
    rsvps = (
        Rsvp.objects.filter(
            user=user,
            response__in=(RsvpResponse.GOING, RsvpResponse.MAYBE, RsvpResponse.WAITLISTED),
            occurrence_start__gte=cutoff,
        )
        .select_related("event__club", "event__village")
        .prefetch_related("event__overrides")
        .order_by("occurrence_start")
    )
    for rsvp in rsvps:
        event = rsvp.event
        found = recurrence.find_occurrence(
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            rule=event.rrule,
            tz=ZoneInfo(event.village.timezone),
            original_start=rsvp.occurrence_start,
            overrides={
                o.original_start: recurrence.OverrideData(o.cancelled, o.starts_at, o.ends_at)
                for o in event.overrides.all()
            },
        )
        if found is None or found.cancelled:
            continue
        prefix = "" if rsvp.response == RsvpResponse.GOING else f"[{rsvp.get_response_display()}] "
        entries.append(
            FeedEvent(
                uid=f"rsvp-{rsvp.pk}@dorf",
                summary=f"{prefix}{event.title} ({event.club.name})",
                starts_at=found.starts_at,
                ends_at=found.ends_at,
                description=event.description,
                location=event.place,
                sequence=event.sequence,
                updated_at=rsvp.updated_at,
            )
        )
    signups = (
        ShiftSignup.objects.filter(user=user, shift__ends_at__gte=cutoff)
        .select_related("shift__event__club")
        .order_by("shift__starts_at")
    )
    for signup in signups:
        shift = signup.shift
        entries.append(
            FeedEvent(
                uid=f"shift-{signup.pk}@dorf",
                summary=f"Helferschicht: {shift.title} ({shift.event.club.name})",
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                description=shift.event.title,
                location=shift.event.place,
                updated_at=shift.updated_at,
            )
        )
    return Writer(name=f"dorf: {user.display_name}", tz_name=settings.TIME_ZONE).render(entries)
