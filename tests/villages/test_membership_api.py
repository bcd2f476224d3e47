from __future__ import annotations

import pytest

from dorf.villages.models import Membership, MembershipState, Role, Village
from dorf.villages.signals import membership_verified
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(village: Village, tail: str) -> str:
    return f"/api/v1/villages/{village.slug}/{tail}"


def test_joining_with_the_invite_code_verifies_at_once(village: Village, client_for) -> None:
    user = UserFactory()
    received: list[Membership] = []

    def receiver(sender: object, membership: Membership, **kwargs: object) -> None:
        received.append(membership)

    membership_verified.connect(receiver)
    try:
        response = client_for(user).post(
            _url(village, "join/"), {"invite_code": village.invite_code}
        )
    finally:
        membership_verified.disconnect(receiver)
    assert response.status_code == 201
    assert response.json()["state"] == "verified"
    assert [m.user_id for m in received] == [user.pk]


def test_joining_with_a_wrong_code_is_refused_and_writes_nothing(
    village: Village, client_for
) -> None:
    response = client_for(UserFactory()).post(_url(village, "join/"), {"invite_code": "falsch"})
    assert response.status_code == 400
    assert "invite_code" in response.json()["error"]["fields"]
    assert not Membership.objects.exists()


def test_joining_by_request_waits_for_a_moderator(
    village: Village, moderator: Membership, client_for
) -> None:
    applicant = UserFactory()
    response = client_for(applicant).post(_url(village, "join/"), {"message": "Neu im Lindenweg"})
    assert response.status_code == 201
    assert response.json()["state"] == "pending"
    membership_id = response.json()["id"]

    # the applicant cannot see members yet: the village's inside is 404 to them
    assert client_for(applicant).get(_url(village, "members/")).status_code == 404

    # the moderator sees the request in the queue and verifies it
    mod_client = client_for(moderator.user)
    queue = mod_client.get(_url(village, "members/"), {"state": "pending"}).json()["results"]
    assert [(m["id"], m["request_message"]) for m in queue] == [(membership_id, "Neu im Lindenweg")]
    verified = mod_client.post(_url(village, f"members/{membership_id}/verify/"))
    assert verified.status_code == 200
    assert verified.json()["state"] == "verified"
    assert client_for(applicant).get(_url(village, "members/")).status_code == 200


def test_a_resident_cannot_verify_anyone(village: Village, member: Membership, client_for) -> None:
    pending = MembershipFactory(village=village, state=MembershipState.PENDING)
    response = client_for(member.user).post(_url(village, f"members/{pending.pk}/verify/"))
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.state == MembershipState.PENDING


def test_residents_see_only_verified_members_without_request_messages(
    village: Village, member: Membership, client_for
) -> None:
    MembershipFactory(village=village, state=MembershipState.PENDING, request_message="geheim")
    response = client_for(member.user).get(_url(village, "members/"), {"state": "pending"})
    results = response.json()["results"]
    assert [m["id"] for m in results] == [member.pk]
    assert all(m["request_message"] == "" for m in results)


def test_a_moderator_bans_a_member_who_then_loses_access(
    village: Village, moderator: Membership, member: Membership, client_for
) -> None:
    member_client = client_for(member.user)
    response = client_for(moderator.user).post(
        _url(village, f"members/{member.pk}/ban/"), {"reason": "Beleidigungen im Plausch"}
    )
    assert response.status_code == 200
    assert response.json()["state"] == "banned"
    assert member_client.get(_url(village, "members/")).status_code == 404
    rejoin = member_client.post(_url(village, "join/"), {"invite_code": village.invite_code})
    assert rejoin.status_code == 403
    assert rejoin.json()["error"]["code"] == "banned"


def test_a_moderator_cannot_ban_staff(village: Village, moderator: Membership, client_for) -> None:
    staff = MembershipFactory(village=village, role=Role.STAFF)
    response = client_for(moderator.user).post(
        _url(village, f"members/{staff.pk}/ban/"), {"reason": "x"}
    )
    assert response.status_code == 403
    staff.refresh_from_db()
    assert staff.state == MembershipState.VERIFIED


def test_joining_twice_is_a_conflict(member: Membership, client_for) -> None:
    response = client_for(member.user).post(
        _url(member.village, "join/"), {"invite_code": member.village.invite_code}
    )
    assert response.status_code == 409


def test_rotating_the_invite_code_invalidates_the_old_one(
    village: Village, moderator: Membership, client_for
) -> None:
    old = village.invite_code
    new = client_for(moderator.user).post(_url(village, "invite-code/")).json()["invite_code"]
    assert new != old
    response = client_for(UserFactory()).post(_url(village, "join/"), {"invite_code": old})
    assert response.status_code == 400


def test_the_member_list_needs_a_constant_number_of_queries(
    village: Village, member: Membership, client_for, django_assert_num_queries
) -> None:
    client = client_for(member.user)
    client.get("/api/v1/me/")  # the token's first use records last_used_at once
    MembershipFactory.create_batch(3, village=village)
    with django_assert_num_queries(3):  # token, membership, page
        client.get(_url(village, "members/"))
    MembershipFactory.create_batch(10, village=village)
    with django_assert_num_queries(3):
        response = client.get(_url(village, "members/"))
    assert len(response.json()["results"]) == 14


def test_the_village_list_shows_my_membership_in_constant_queries(
    member: Membership, other_village: Village, client_for, django_assert_num_queries
) -> None:
    client = client_for(member.user)
    client.get("/api/v1/me/")
    with django_assert_num_queries(3):  # token, villages with counts, my memberships
        response = client.get("/api/v1/villages/")
    by_slug = {v["slug"]: v for v in response.json()["results"]}
    assert by_slug[member.village.slug]["my_membership"]["state"] == "verified"
    assert by_slug[other_village.slug]["my_membership"] is None
