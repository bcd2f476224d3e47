"""Write use-cases of clubs: membership, announcements, events, RSVPs, shifts.

Lock order: an event row before its RSVPs; a shift row before its signups. Every RSVP
change locks its event (``select_for_update``), which serialises the capacity check
and the waitlist per event on PostgreSQL.
"""

from dorf.clubs.services._common import (
    event_tz,
    going_count,
)
from dorf.clubs.services.announcements import announcement_create
from dorf.clubs.services.clubs import (
    club_create,
    club_join,
    club_leave,
    club_member_remove,
    club_member_update,
    club_membership_of,
    club_room,
    club_update,
    require_board,
)
from dorf.clubs.services.events import (
    event_create,
    event_update,
    occurrence_override_set,
)
from dorf.clubs.services.rsvps import rsvp_set
from dorf.clubs.services.shifts import (
    shift_confirm_attendance,
    shift_create,
    shift_signup,
    shift_withdraw,
)

__all__ = [
    "announcement_create",
    "club_create",
    "club_join",
    "club_leave",
    "club_member_remove",
    "club_member_update",
    "club_membership_of",
    "club_room",
    "club_update",
    "event_create",
    "event_tz",
    "event_update",
    "going_count",
    "occurrence_override_set",
    "require_board",
    "rsvp_set",
    "shift_confirm_attendance",
    "shift_create",
    "shift_signup",
    "shift_withdraw",
]
