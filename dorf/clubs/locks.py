"""The one place that loads the club rows a write changes.

Every helper takes the acting user and finds the row only in villages where that user is
a verified member: a service called with another village's id answers 404, whoever calls
it (a view, a consumer, a task or a test). Rows are locked (``select_for_update``) so the
capacity check and the waitlist of an event, or the last-board-member rule of a club, are
serialised per row.
"""

from __future__ import annotations

from dorf.clubs.models import Club, ClubEvent, ClubMembership, Shift
from dorf.users.models import User
from dorf.villages.scoping import get_scoped_or_404, member_village_ids


def club_for(user: User, club_id: int, *, lock: bool = True) -> Club:
    clubs = Club.objects.select_related("village").filter(village__in=member_village_ids(user))
    return get_scoped_or_404(clubs.select_for_update(of=("self",)) if lock else clubs, pk=club_id)


def event_for(user: User, event_id: int) -> ClubEvent:
    events = ClubEvent.objects.select_for_update().select_related("club", "village")
    return get_scoped_or_404(events.filter(village__in=member_village_ids(user)), pk=event_id)


def shift_for(user: User, shift_id: int) -> Shift:
    shifts = Shift.objects.select_for_update(of=("self",)).select_related(
        "event__club__village", "event__village"
    )
    return get_scoped_or_404(
        shifts.filter(event__village__in=member_village_ids(user)), pk=shift_id
    )


def club_membership_for(user: User, club_membership_id: int) -> ClubMembership:
    memberships = ClubMembership.objects.select_for_update(of=("self",)).select_related(
        "club__village", "user"
    )
    return get_scoped_or_404(
        memberships.filter(club__village__in=member_village_ids(user)), pk=club_membership_id
    )
