"""Each club has a chat room; its active members, and only they, are in it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dorf.chat.models import Message, Room, RoomKind, RoomMember
from dorf.clubs import services
from dorf.clubs.models import CLUB_SUBJECT, Club, ClubMembership, ClubMemberState, ClubRole
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _room(club: Club) -> Room:
    return Room.objects.get(subject_type=CLUB_SUBJECT, subject_id=club.pk)


def _room_user_ids(club: Club) -> set[int]:
    return set(RoomMember.objects.filter(room=_room(club)).values_list("user_id", flat=True))


def _history_status(client, club: Club) -> int:
    url = reverse("chat:message-list", kwargs={"room_id": _room(club).pk})
    return int(client.get(url).status_code)


def test_a_new_club_gets_its_chat_room_with_the_founder_in_it(village, member, client_for) -> None:
    # when
    response = client_for(member.user).post(
        reverse("clubs:club-list", kwargs={"slug": village.slug}), {"name": "Heimatverein"}
    )
    # then
    club = Club.objects.get(pk=response.json()["id"])
    room = _room(club)
    assert (room.kind, room.title, room.village_id) == (RoomKind.CLUB, "Heimatverein", village.pk)
    assert _room_user_ids(club) == {member.user_id}
    detail = client_for(member.user).get(reverse("clubs:club-detail", kwargs={"club_id": club.pk}))
    assert detail.json()["room_id"] == room.pk


def test_joining_an_open_club_joins_its_room_and_leaving_removes_them(
    club, board, member, client_for
) -> None:
    client = client_for(member.user)
    # when: joining
    client.post(reverse("clubs:club-join", kwargs={"club_id": club.pk}))
    # then
    assert _room_user_ids(club) == {board.user_id, member.user_id}
    assert _history_status(client, club) == 200
    # when: leaving
    assert client.post(reverse("clubs:club-leave", kwargs={"club_id": club.pk})).status_code == 204
    # then
    assert _room_user_ids(club) == {board.user_id}
    assert _history_status(client, club) == 404


def test_a_pending_member_joins_the_room_only_once_the_board_approves(
    club, board, member, client_for
) -> None:
    # given: a club that asks the board
    club.membership_policy = "approval"
    club.save()
    asked = client_for(member.user).post(reverse("clubs:club-join", kwargs={"club_id": club.pk}))
    assert asked.json()["state"] == ClubMemberState.PENDING
    assert member.user_id not in _room_user_ids(club)
    # when
    url = reverse(
        "clubs:member-detail", kwargs={"club_id": club.pk, "club_membership_id": asked.json()["id"]}
    )
    assert client_for(board.user).patch(url, {"approve": True}).status_code == 200
    # then
    assert member.user_id in _room_user_ids(club)


def test_the_board_removes_a_member_from_the_club_and_its_room(
    club, board, member, client_for
) -> None:
    # given
    services.club_join(user=member.user, club_id=club.pk)
    target = ClubMembership.objects.get(club=club, user=member.user)
    url = reverse(
        "clubs:member-detail", kwargs={"club_id": club.pk, "club_membership_id": target.pk}
    )
    other = MembershipFactory(village=club.village)
    services.club_join(user=other.user, club_id=club.pk)
    # when: a plain member tries, then the board
    refused = client_for(other.user).delete(url)
    removed = client_for(board.user).delete(url)
    # then
    assert refused.status_code == 403
    assert removed.status_code == 204
    assert not ClubMembership.objects.filter(pk=target.pk).exists()
    assert _room_user_ids(club) == {board.user_id, other.user_id}
    assert _history_status(client_for(member.user), club) == 404


def test_the_last_board_member_cannot_be_removed(club, board, client_for) -> None:
    own = ClubMembership.objects.get(club=club, user=board.user)
    url = reverse("clubs:member-detail", kwargs={"club_id": club.pk, "club_membership_id": own.pk})
    assert client_for(board.user).delete(url).status_code == 409
    assert ClubMembership.objects.filter(pk=own.pk, role=ClubRole.BOARD).exists()
    assert _room_user_ids(club) == {board.user_id}


def test_a_club_room_cannot_be_left_through_the_chat(club, board, client_for) -> None:
    url = reverse("chat:room-leave", kwargs={"room_id": _room(club).pk})
    response = client_for(board.user).post(url)
    assert response.status_code == 403
    assert _room_user_ids(club) == {board.user_id}


def test_an_announcement_is_also_posted_into_the_club_room(club, board, member) -> None:
    # given
    services.club_join(user=member.user, club_id=club.pk)
    # when
    announcement = services.announcement_create(
        user=board.user, club_id=club.pk, title="Training fällt aus", text="Wegen Regen."
    )
    # then
    message = Message.objects.get(room=_room(club))
    assert message.sender_id == board.user_id
    assert message.text == "Training fällt aus\n\nWegen Regen."
    assert message.client_msg_id == f"club-announcement-{announcement.pk}"


def test_renaming_a_club_renames_its_room(club, board) -> None:
    services.club_update(user=board.user, club_id=club.pk, name="TuS Musterdorf")
    assert _room(club).title == "TuS Musterdorf"
