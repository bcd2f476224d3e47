"""Read use-cases of the chat that have no REST endpoint of their own."""

from __future__ import annotations

import pytest

from dorf.chat import selectors
from dorf.chat.models import MemberState, Room, RoomKind, RoomMember
from dorf.users.models import Block, User
from dorf.users.selectors import blocked_user_ids
from dorf.villages.models import Membership, MembershipState
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_socket_state_loads_the_same_rooms_and_blocks_as_the_orm_selectors(alice, bob, square):
    # given: a group alice is in, one she only asked to join, a room of a village where she
    # is not (yet) verified, and blocks both ways plus one between two others
    village = alice.village
    group = Room.objects.create(village=village, kind=RoomKind.GROUP, title="Chor")
    asked = Room.objects.create(village=village, kind=RoomKind.GROUP, title="Skat")
    other = MembershipFactory(user=alice.user, state=MembershipState.PENDING).village
    elsewhere = Room.objects.create(village=other, kind=RoomKind.GROUP, title="Anderswo")
    RoomMember.objects.create(room=group, user=alice.user)
    RoomMember.objects.create(room=asked, user=alice.user, state=MemberState.PENDING)
    RoomMember.objects.create(room=elsewhere, user=alice.user)
    carol, dave = UserFactory(), UserFactory()
    Block.objects.create(blocker=alice.user, blocked=bob.user)
    Block.objects.create(blocker=carol, blocked=alice.user)
    Block.objects.create(blocker=bob.user, blocked=dave)
    # when
    state = selectors.socket_state(user_id=alice.user.pk)
    # then
    assert state is not None
    user, room_ids, hidden_ids = state
    assert room_ids == selectors.active_room_ids(user=alice.user) == {square.pk, group.pk}
    assert hidden_ids == blocked_user_ids(alice.user) == {bob.user.pk, carol.pk}
    assert user.pk == alice.user.pk
    assert user.display_name == alice.user.display_name
    assert (user.email, user.language, user.is_active, user.is_staff) == (
        alice.user.email,
        alice.user.language,
        True,
        False,
    )
    # A column the query does not load comes from the database on access, never wrong.
    assert user.date_joined == User.objects.get(pk=alice.user.pk).date_joined


def test_socket_state_of_a_user_without_rooms_or_blocks_is_empty():
    user = UserFactory()
    state = selectors.socket_state(user_id=user.pk)
    assert state is not None
    assert state[0].pk == user.pk
    assert state[1:] == (set(), set())


def test_socket_state_is_none_for_a_deactivated_or_unknown_user(alice):
    # given
    User.objects.filter(pk=alice.user.pk).update(is_active=False)
    # then
    assert selectors.socket_state(user_id=alice.user.pk) is None
    assert selectors.socket_state(user_id=alice.user.pk + 10_000) is None


def test_socket_state_drops_the_rooms_of_a_village_the_user_was_banned_from(alice, square):
    # given: still a room member on paper, but no longer verified in the village
    Membership.objects.filter(pk=alice.pk).update(state=MembershipState.BANNED)
    # when
    state = selectors.socket_state(user_id=alice.user.pk)
    # then
    assert state is not None
    assert state[1] == set() == selectors.active_room_ids(user=alice.user)
