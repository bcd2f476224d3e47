"""Answering an event: going, maybe, not going, with the capacity and the waitlist."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.clubs import locks
from dorf.clubs.models import (
    Rsvp,
    RsvpResponse,
)
from dorf.clubs.services._common import (
    _promote_waitlist,
    _require_may_attend,
    _resolve_occurrence,
    going_count,
)
from dorf.core.exceptions import Conflict, ValidationFailed
from dorf.users.models import User


@transaction.atomic
def rsvp_set(
    *, user: User, event_id: int, response: str, occurrence_start: datetime | None = None
) -> Rsvp:
    """Answer going / maybe / not going. "Going" to a full occurrence joins the waitlist;
    leaving "going" hands the place to the first on the waitlist.

    The event row is locked for the whole decision, so concurrent answers on PostgreSQL
    are serialised and never put more people on "going" than the capacity.
    """
    if response not in (RsvpResponse.GOING, RsvpResponse.MAYBE, RsvpResponse.NOT_GOING):
        raise ValidationFailed(fields={"response": [_("Not a valid answer.")]})
    event = locks.event_for(user, event_id)
    _require_may_attend(user, event)
    occurrence = _resolve_occurrence(event, occurrence_start)
    if occurrence.ends_at <= timezone.now():
        raise Conflict(_("This occurrence is over."), code="past")
    key = occurrence.original_start
    rsvp = Rsvp.objects.filter(event=event, occurrence_start=key, user=user).first()
    previous = rsvp.response if rsvp else None
    if response == RsvpResponse.GOING and previous in (RsvpResponse.GOING, RsvpResponse.WAITLISTED):
        assert rsvp is not None
        return rsvp
    new_response = response
    waitlisted_at = None
    if (
        response == RsvpResponse.GOING
        and event.capacity is not None
        and going_count(event, key) >= event.capacity
    ):
        new_response = RsvpResponse.WAITLISTED
        waitlisted_at = timezone.now()
    if rsvp is None:
        rsvp = Rsvp.objects.create(
            event=event,
            occurrence_start=key,
            user=user,
            response=new_response,
            waitlisted_at=waitlisted_at,
        )
    else:
        rsvp.response = new_response
        rsvp.waitlisted_at = waitlisted_at
        rsvp.save(update_fields=["response", "waitlisted_at", "updated_at"])
    if previous == RsvpResponse.GOING and new_response != RsvpResponse.GOING:
        _promote_waitlist(event, key)
    return rsvp
