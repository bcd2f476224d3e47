"""Rough spots a new resident met in the chat: finding groups, the square's unread count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dorf.chat import services
from dorf.chat.models import MemberState, Room
from dorf.villages.models import Membership, Village
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _groups_url(village: Village) -> str:
    return reverse("chat:group-create", kwargs={"slug": village.slug})


def test_a_resident_lists_the_open_groups_of_the_village_with_member_counts(
    village, alice, bob, outsider, client_for, django_assert_num_queries
) -> None:
    # given an open group with two members and a pending request, a closed group, a
    # club's room, and an open group of another village
    choir = services.group_create(membership=alice, title="Chor", is_open=True)
    services.group_join(user=bob.user, room_id=choir.pk)
    hiking = services.group_create(membership=bob, title="Wandern", is_open=True)
    services.group_create(membership=alice, title="Vorstand intern", is_open=False)
    services.room_for_subject(
        village=village, subject_type="club", subject_id=1, title="Sportverein", members=[]
    )
    services.group_create(membership=outsider, title="Anderswo", is_open=True)
    newcomer = MembershipFactory(village=village)
    client = client_for(newcomer.user)
    client.get(_groups_url(village))

    # when a resident who is in no group yet asks for the open groups
    with django_assert_num_queries(3):  # token, membership, groups with counts
        response = client.get(_groups_url(village))

    # then they see the two open groups of their village, newest first, with counts
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["id"], r["title"], r["member_count"], r["is_member"]) for r in rows] == [
        (hiking.pk, "Wandern", 1, False),
        (choir.pk, "Chor", 2, False),
    ]
    # and can join one of them at once
    join = client.post(reverse("chat:room-join", kwargs={"room_id": choir.pk}))
    assert join.status_code == 200
    assert client.get(_groups_url(village)).json()["results"][1]["member_count"] == 3


def test_a_member_of_another_village_cannot_list_its_groups(village, outsider, client_for) -> None:
    assert client_for(outsider.user).get(_groups_url(village)).status_code == 404


def test_a_new_members_unread_count_in_the_square_starts_at_their_join(
    village: Village, square: Room, alice: Membership, client_for
) -> None:
    # given a square with a long history
    for n in range(5):
        services.message_send(
            user=alice.user, room_id=square.pk, text=f"Alt {n}", client_msg_id=f"a{n}"
        )
    # when a new resident is verified and joins the square
    newcomer = MembershipFactory(village=village)
    services.village_member_verified(membership=newcomer)
    client = client_for(newcomer.user)

    def unread() -> int:
        data = client.get(reverse("chat:room-list")).json()
        rooms = data["results"] if isinstance(data, dict) else data
        return int(next(r for r in rooms if r["id"] == square.pk)["unread_count"])

    # then the old messages are history, not unread
    assert unread() == 0
    # and what is said after their arrival counts
    services.message_send(user=alice.user, room_id=square.pk, text="Willkommen!", client_msg_id="w")
    assert unread() == 1
    member = square.members.get(user=newcomer.user)
    assert member.state == MemberState.ACTIVE
