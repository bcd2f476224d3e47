from __future__ import annotations

import pytest
from django.urls import reverse

from dorf.clubs.models import Club, ClubMembership, ClubMemberState, ClubRole
from dorf.ledger.models import AccountKind
from dorf.notifications.models import Notification
from tests.clubs.factories import AnnouncementFactory, ClubFactory, ClubMembershipFactory
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_founding_a_club_puts_the_founder_on_the_board_and_opens_a_club_account(
    village, member, client_for
) -> None:
    response = client_for(member.user).post(
        reverse("clubs:club-list", kwargs={"slug": village.slug}),
        {"name": "Heimatverein", "membership_policy": "approval"},
    )
    assert response.status_code == 201, response.content
    club = Club.objects.get(pk=response.json()["id"])
    assert club.account is not None
    assert club.account.kind == AccountKind.CLUB
    assert ClubMembership.objects.get(club=club).role == ClubRole.BOARD


def test_an_open_club_takes_members_at_once_and_an_approval_club_asks_the_board(
    village, club, board, member, client_for
) -> None:
    # given
    club.membership_policy = "approval"
    club.save()
    open_club = ClubFactory(village=village)
    client = client_for(member.user)
    # when
    asked = client.post(reverse("clubs:club-join", kwargs={"club_id": club.pk}))
    joined = client.post(reverse("clubs:club-join", kwargs={"club_id": open_club.pk}))
    again = client.post(reverse("clubs:club-join", kwargs={"club_id": open_club.pk}))
    # then
    assert asked.json()["state"] == ClubMemberState.PENDING
    assert joined.json()["state"] == ClubMemberState.ACTIVE
    assert again.status_code == 409
    assert Notification.objects.filter(user=board.user, link_type="club").count() == 1
    # and the board approves
    url = reverse(
        "clubs:member-detail", kwargs={"club_id": club.pk, "club_membership_id": asked.json()["id"]}
    )
    assert client.patch(url, {"approve": True}).status_code == 403
    approved = client_for(board.user).patch(url, {"approve": True})
    assert approved.json()["state"] == ClubMemberState.ACTIVE


def test_the_last_board_member_cannot_leave_or_step_down(club, board, client_for) -> None:
    client = client_for(board.user)
    assert client.post(reverse("clubs:club-leave", kwargs={"club_id": club.pk})).status_code == 409
    own = ClubMembership.objects.get(club=club, user=board.user)
    url = reverse("clubs:member-detail", kwargs={"club_id": club.pk, "club_membership_id": own.pk})
    assert client.patch(url, {"role": "member"}).status_code == 409
    own.refresh_from_db()
    assert own.role == ClubRole.BOARD


def test_board_announcements_notify_active_members_and_pinned_ones_come_first(
    village, club, board, member, client_for
) -> None:
    # given
    ClubMembershipFactory(club=club, user=member.user)
    pending = MembershipFactory(village=village).user
    ClubMembershipFactory(club=club, user=pending, state=ClubMemberState.PENDING)
    client = client_for(board.user)
    url = reverse("clubs:announcement-list", kwargs={"club_id": club.pk})
    # when
    client.post(url, {"title": "Pinned", "pinned": True})
    client.post(url, {"title": "Neu"})
    # then
    assert [a["title"] for a in client.get(url).json()["results"]] == ["Pinned", "Neu"]
    notes = Notification.objects.filter(category="club", link_type="club_announcement")
    assert sorted(notes.values_list("user_id", flat=True)) == [member.user_id, member.user_id]
    assert client_for(member.user).post(url, {"title": "x"}).status_code == 403


def test_club_list_runs_a_constant_number_of_queries(
    village, member, client_for, django_assert_num_queries
) -> None:
    client = client_for(member.user)
    url = reverse("clubs:club-list", kwargs={"slug": village.slug})
    ClubFactory(village=village)
    client.get(url)
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 1
    for club in ClubFactory.create_batch(5, village=village):
        ClubMembershipFactory(club=club)
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 6


def test_announcement_and_member_lists_run_a_constant_number_of_queries(
    village, club, member, client_for, django_assert_num_queries
) -> None:
    client = client_for(member.user)
    announcements = reverse("clubs:announcement-list", kwargs={"club_id": club.pk})
    members = reverse("clubs:member-list", kwargs={"club_id": club.pk})
    AnnouncementFactory(club=club)
    client.get(announcements)
    client.get(members)
    with django_assert_num_queries(3):
        client.get(announcements)
    with django_assert_num_queries(4):
        client.get(members)
    AnnouncementFactory.create_batch(5, club=club)
    ClubMembershipFactory.create_batch(5, club=club)
    with django_assert_num_queries(3):
        assert len(client.get(announcements).json()["results"]) == 6
    with django_assert_num_queries(4):
        assert len(client.get(members).json()["results"]) == 6
