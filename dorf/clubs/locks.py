"""The one place that loads the club rows a write changes.

Every helper takes the acting user and finds the row only in villages where that user is
a verified member: a service called with another village's id answers 404, whoever calls
it (a view, a consumer, a task or a test). Rows are locked (``select_for_update``) so the
capacity check and the waitlist of an event, or the last-board-member rule of a club, are
serialised per row.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from dorf.clubs.models import Club, ClubEvent, ClubMembership, Shift
from dorf.core.exceptions import NotFound
from dorf.users.models import User
from dorf.villages.scoping import member_village_ids

M = TypeVar("M", bound=Model)


def _one(queryset: QuerySet[M], pk: int) -> M:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def club_for(user: User, club_id: int, *, lock: bool = True) -> Club:
    clubs = Club.objects.select_related("village").filter(village__in=member_village_ids(user))
    return _one(clubs.select_for_update(of=("self",)) if lock else clubs, club_id)


def event_for(user: User, event_id: int) -> ClubEvent:
    events = ClubEvent.objects.select_for_update().select_related("club", "village")
    return _one(events.filter(village__in=member_village_ids(user)), event_id)


def shift_for(user: User, shift_id: int) -> Shift:
    shifts = Shift.objects.select_for_update(of=("self",)).select_related(
        "event__club__village", "event__village"
    )
    return _one(shifts.filter(event__village__in=member_village_ids(user)), shift_id)


def club_membership_for(user: User, club_membership_id: int) -> ClubMembership:
    memberships = ClubMembership.objects.select_for_update(of=("self",)).select_related(
        "club__village", "user"
    )
    return _one(memberships.filter(club__village__in=member_village_ids(user)), club_membership_id)
