from __future__ import annotations

import pytest

from dorf.users.models import Block
from dorf.users.selectors import blocked_user_ids
from dorf.villages.models import Membership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BLOCKS = "/api/v1/me/blocks/"


def test_a_member_can_block_and_unblock_a_neighbour(member: Membership, client_for) -> None:
    neighbour = MembershipFactory(village=member.village)
    client = client_for(member.user)
    # when
    created = client.post(BLOCKS, {"user_id": neighbour.user_id})
    # then
    assert created.status_code == 201
    assert created.json()["user"]["id"] == neighbour.user_id
    assert blocked_user_ids(member.user) == {neighbour.user_id}
    assert blocked_user_ids(neighbour.user) == {member.user_id}  # both directions are hidden
    assert [b["user"]["id"] for b in client.get(BLOCKS).json()] == [neighbour.user_id]
    assert client.delete(f"{BLOCKS}{neighbour.user_id}/").status_code == 204
    assert not Block.objects.exists()


def test_blocking_twice_keeps_one_block(member: Membership, client_for) -> None:
    neighbour = MembershipFactory(village=member.village)
    client = client_for(member.user)
    client.post(BLOCKS, {"user_id": neighbour.user_id})
    client.post(BLOCKS, {"user_id": neighbour.user_id})
    assert Block.objects.count() == 1


def test_a_person_of_another_village_cannot_be_found_to_block(
    member: Membership, outsider: Membership, client_for
) -> None:
    response = client_for(member.user).post(BLOCKS, {"user_id": outsider.user_id})
    assert response.status_code == 404
    assert not Block.objects.exists()


def test_blocking_oneself_is_refused(member: Membership, client_for) -> None:
    response = client_for(member.user).post(BLOCKS, {"user_id": member.user_id})
    assert response.status_code == 400
    assert not Block.objects.exists()


def test_the_block_list_needs_a_constant_number_of_queries(
    member: Membership, client_for, django_assert_max_num_queries
) -> None:
    client = client_for(member.user)
    for _ in range(5):
        client.post(BLOCKS, {"user_id": MembershipFactory(village=member.village).user_id})
    with django_assert_max_num_queries(3):
        response = client.get(BLOCKS)
    assert len(response.json()) == 5
