from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.clubs.factories import ClubEventFactory, ClubFactory, ClubMembershipFactory, ShiftFactory
from tests.cross_village import Case, exempt, register


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _club(village: Village) -> dict[str, Any]:
    return {"club_id": ClubFactory(village=village).pk}


def _club_member(village: Village) -> dict[str, Any]:
    membership = ClubMembershipFactory(club__village=village)
    return {"club_id": membership.club_id, "club_membership_id": membership.pk}


def _event(village: Village) -> dict[str, Any]:
    return {"event_id": ClubEventFactory(club__village=village).pk}


def _shift(village: Village) -> dict[str, Any]:
    return {"shift_id": ShiftFactory(event__club__village=village).pk}


register(Case("clubs:club-list", _slug, methods=("get", "post"), body={"name": "Fremdverein"}))
register(Case("clubs:village-events", _slug))
register(Case("clubs:club-detail", _club, methods=("get", "patch"), body={"description": "x"}))
register(Case("clubs:club-join", _club, methods=("post",)))
register(Case("clubs:club-leave", _club, methods=("post",)))
register(Case("clubs:member-list", _club))
register(
    Case("clubs:member-detail", _club_member, methods=("patch", "delete"), body={"approve": True})
)
register(Case("clubs:announcement-list", _club, methods=("get", "post"), body={"title": "x"}))
register(Case("clubs:event-list", _club, methods=("get", "post"), body={"title": "x"}))
exempt("clubs:club-feed", "public: a club's public events, for calendar apps without login")
register(Case("clubs:event-detail", _event, methods=("get", "patch"), body={"title": "x"}))
register(
    Case(
        "clubs:event-occurrences",
        _event,
        methods=("get", "post"),
        body={"original_start": "2030-01-01T10:00:00Z", "cancelled": True},
    )
)
register(Case("clubs:event-rsvp", _event, methods=("get", "put"), body={"response": "going"}))
register(Case("clubs:shift-list", _event, methods=("get", "post"), body={"title": "x"}))
register(Case("clubs:shift-signup", _shift, methods=("post", "delete")))
register(Case("clubs:shift-attendance", _shift, methods=("post",), body={"attended_user_ids": [1]}))
exempt(
    "clubs:user-feed",
    "reachable without auth by design (calendar apps); the secret token is the credential, "
    "a wrong token is 404 (tests/clubs/test_feeds.py)",
)
