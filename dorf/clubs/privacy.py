"""GDPR for clubs: export memberships, answers and shifts; erasure replaces free texts.

RSVPs and shift signups stay as records of what happened (a paid shift is part of the
books); the erased person leaves their clubs (no longer counted as a member), their
announcements lose their words and the personal calendar URL stops working.
"""

from __future__ import annotations

from typing import Any

from dorf.calendar import selectors as calendar_selectors
from dorf.calendar import services as calendar_services
from dorf.clubs.models import Announcement, ClubMembership, Rsvp, ShiftSignup
from dorf.clubs.series import FEED_SCOPE
from dorf.core.privacy import ERASED as ERASED_TEXT
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "club_memberships": [
            {
                "club": m.club.name,
                "role": m.role,
                "state": m.state,
                "since": m.created_at.isoformat(),
            }
            for m in ClubMembership.objects.filter(user=user).select_related("club").order_by("id")
        ],
        "announcements": [
            {"club_id": a.club_id, "title": a.title, "text": a.text, "at": a.created_at.isoformat()}
            for a in Announcement.objects.filter(author=user).order_by("id")
        ],
        "rsvps": [
            {
                "event": r.event.title,
                "occurrence_start": r.occurrence_start.isoformat(),
                "response": r.response,
            }
            for r in Rsvp.objects.filter(user=user).select_related("event").order_by("id")
        ],
        "shifts": [
            {"shift": s.shift.title, "starts_at": s.shift.starts_at.isoformat(), "status": s.status}
            for s in ShiftSignup.objects.filter(user=user).select_related("shift").order_by("id")
        ],
        "has_calendar_feed": calendar_selectors.feed_token_exists(user=user, scope=FEED_SCOPE),
    }


def erase_personal_data(user: User) -> None:
    Announcement.objects.filter(author=user).update(title=ERASED_TEXT, text="")
    calendar_services.feed_token_revoke(user=user, scope=FEED_SCOPE)
    ClubMembership.objects.filter(user=user).delete()
