"""The clubs' calendar feeds: per club, per village (public events) and per user (token
URL). What goes in is decided here; writing iCalendar is the calendar module's job."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dorf.calendar.ics import Entry, render_calendar
from dorf.calendar.recurrence import find_occurrence, rule_within_limits
from dorf.clubs.models import ClubEvent, Rsvp, RsvpResponse, ShiftSignup
from dorf.clubs.series import event_series
from dorf.users.models import User

# Feeds leave out single events that ended longer ago than this.
PAST_HORIZON = timedelta(days=180)
# Calendar apps are asked to fetch a feed again after this long.
REFRESH = timedelta(hours=1)


def _uid(event: ClubEvent) -> str:
    return f"{event.uid}@dorf"


def series_entries(event: ClubEvent) -> Iterator[Entry]:
    """The master VEVENT (with RRULE and EXDATE for cancelled occurrences) and one VEVENT
    with RECURRENCE-ID per moved occurrence."""
    overrides = list(event.overrides.all())
    geo = (
        (event.latitude, event.longitude)
        if event.latitude is not None and event.longitude is not None
        else None
    )
    summary = f"{event.title} ({event.club.name})"
    # A rule stored before today's limits is published as its first date only, as the
    # app lists it, instead of handing calendar apps a rule with millions of dates.
    rule = event.rrule if rule_within_limits(event_series(event)) else ""
    yield Entry(
        uid=_uid(event),
        summary=summary,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        description=event.description,
        location=event.place,
        geo=geo,
        rrule=rule,
        exdates=sorted(o.original_start for o in overrides if o.cancelled) if rule else (),
        sequence=event.sequence,
        updated_at=event.updated_at,
    )
    if not rule:
        return
    for override in sorted(overrides, key=lambda o: o.original_start):
        if override.cancelled or override.starts_at is None or override.ends_at is None:
            continue
        yield Entry(
            uid=_uid(event),
            summary=summary,
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


def events_feed(*, name: str, tz: ZoneInfo, events: Iterable[ClubEvent]) -> bytes:
    return render_calendar(
        name=name,
        tz=tz,
        entries=(entry for event in _recent(events) for entry in series_entries(event)),
        refresh=REFRESH,
    )


def user_feed(*, user: User, tz: ZoneInfo) -> bytes:
    """ "My events and shifts": every occurrence I said going/maybe to (or wait for), and
    every shift I signed up for, as single VEVENTs, in the owner's language (calendar apps
    send no Accept-Language worth following)."""
    with translation.override(user.language):
        return _user_feed(user=user, tz=tz)


def _user_feed(*, user: User, tz: ZoneInfo) -> bytes:
    cutoff = timezone.now() - PAST_HORIZON
    entries: list[Entry] = []
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
        found = find_occurrence(event_series(event), original_start=rsvp.occurrence_start)
        if found is None or found.cancelled:
            continue
        prefix = "" if rsvp.response == RsvpResponse.GOING else f"[{rsvp.get_response_display()}] "
        entries.append(
            Entry(
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
            Entry(
                uid=f"shift-{signup.pk}@dorf",
                summary=_("Volunteer shift: %(shift)s (%(club)s)")
                % {"shift": shift.title, "club": shift.event.club.name},
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                description=shift.event.title,
                location=shift.event.place,
                updated_at=shift.updated_at,
            )
        )
    return render_calendar(
        name=f"dorf: {user.display_name}", tz=tz, entries=entries, refresh=REFRESH
    )
