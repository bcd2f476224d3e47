"""Helpers the event, RSVP and shift use-cases share: occurrences, locking, capacity.

Lock order: an event row before its RSVPs. Every RSVP change locks its event
(``select_for_update``), which serialises the capacity check and the waitlist per event on
PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.calendar.recurrence import Occurrence, find_occurrence
from dorf.clubs.models import (
    ClubEvent,
    Rsvp,
    RsvpResponse,
    Visibility,
)
from dorf.clubs.series import event_series
from dorf.clubs.services.clubs import club_membership_of
from dorf.core.exceptions import Conflict, Forbidden, ValidationFailed
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many
from dorf.users.models import User


def event_tz(event: ClubEvent) -> ZoneInfo:
    return ZoneInfo(event.village.timezone)


def _validate_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"ends_at": [_("The end must be after the start.")]})


def _resolve_occurrence(event: ClubEvent, occurrence_start: datetime | None) -> Occurrence:
    if occurrence_start is None:
        if event.is_recurring:
            raise ValidationFailed(
                fields={"occurrence_start": [_("Say which occurrence you mean.")]}
            )
        occurrence_start = event.starts_at
    found = find_occurrence(event_series(event), original_start=occurrence_start)
    if found is None:
        raise ValidationFailed(
            fields={"occurrence_start": [_("The event has no occurrence at this time.")]},
            code="no_such_occurrence",
        )
    if found.cancelled:
        raise Conflict(_("This occurrence is cancelled."), code="cancelled")
    return found


def _require_may_attend(user: User, event: ClubEvent) -> None:
    if event.visibility == Visibility.MEMBERS and club_membership_of(user, event.club) is None:
        raise Forbidden(_("This event is for club members only."), code="members_only")


def going_count(event: ClubEvent, occurrence_start: datetime) -> int:
    return Rsvp.objects.filter(
        event=event, occurrence_start=occurrence_start, response=RsvpResponse.GOING
    ).count()


def _promote_waitlist(event: ClubEvent, occurrence_start: datetime) -> list[Rsvp]:
    """Move people up from the waitlist while there is room (event row locked)."""
    promoted: list[Rsvp] = []
    going = going_count(event, occurrence_start)
    while event.capacity is None or going < event.capacity:
        first = (
            Rsvp.objects.filter(
                event=event, occurrence_start=occurrence_start, response=RsvpResponse.WAITLISTED
            )
            .select_related("user")
            .order_by("waitlisted_at", "id")
            .first()
        )
        if first is None:
            break
        first.response = RsvpResponse.GOING
        first.waitlisted_at = None
        first.save(update_fields=["response", "waitlisted_at", "updated_at"])
        going += 1
        promoted.append(first)
    if promoted:
        local = occurrence_start.astimezone(event_tz(event))
        notify_many(
            recipients=[rsvp.user for rsvp in promoted],
            category=Category.RSVP,
            title=gettext_lazy("You are in: %(title)s"),
            body=gettext_lazy("A place became free on %(when)s."),
            params={"title": event.title, "when": local.strftime("%d.%m.%Y %H:%M")},
            village=event.village,
            link_type="club_event",
            link_id=event.pk,
        )
    return promoted
