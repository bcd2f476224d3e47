"""An erased account leaves its villages and clubs: not verified, not counted."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from dorf.clubs.models import ClubMembership
from dorf.villages.models import Membership, MembershipState
from tests.clubs.factories import ClubFactory, ClubMembershipFactory
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def _village_row(client, village) -> dict[str, Any]:
    rows = client.get(reverse("villages:village-list")).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    return next(r for r in rows if r["slug"] == village.slug)


def _club_row(client, club) -> dict[str, Any]:
    response = client.get(reverse("clubs:club-detail", kwargs={"club_id": club.pk}))
    assert response.status_code == 200
    return dict(response.json())


def test_an_erased_resident_leaves_village_and_clubs_and_no_longer_counts(
    village, member, client_for
) -> None:
    # given a verified resident in a club, and a neighbour looking at the counts
    neighbour = client_for(MembershipFactory(village=village).user)
    club = ClubFactory(village=village)
    ClubMembershipFactory(club=club, user=member.user)
    ClubMembershipFactory(club=club)
    village_before = _village_row(neighbour, village)["member_count"]
    club_before = _club_row(neighbour, club)["member_count"]

    # when the resident erases their account
    response = client_for(member.user).delete("/api/v1/me/", {"password": TEST_PASSWORD})

    # then their memberships end: not verified, not counted, the row kept for the books
    assert response.status_code == 204
    membership = Membership.objects.get(pk=member.pk)
    assert membership.state == MembershipState.LEFT
    assert _village_row(neighbour, village)["member_count"] == village_before - 1
    assert _club_row(neighbour, club)["member_count"] == club_before - 1
    assert not ClubMembership.objects.filter(user=member.user).exists()
    members = neighbour.get(reverse("villages:member-list", kwargs={"slug": village.slug})).json()
    members = members["results"] if isinstance(members, dict) else members
    assert member.pk not in {m["id"] for m in members}


def test_a_moderator_cannot_verify_an_erased_account_again(
    village, member, moderator, client_for
) -> None:
    client_for(member.user).delete("/api/v1/me/", {"password": TEST_PASSWORD})
    url = reverse(
        "villages:member-verify", kwargs={"slug": village.slug, "membership_id": member.pk}
    )
    response = client_for(moderator.user).post(url)
    assert response.status_code == 409
    assert Membership.objects.get(pk=member.pk).state == MembershipState.LEFT
