"""My household's parcels: exactly what the serializer shows, only my household's, in a
fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest

from dorf.deliveries import selectors
from dorf.deliveries.api import MyParcelSerializer
from dorf.deliveries.models import ParcelStatus
from dorf.deliveries.services import parcels, planning_jobs
from dorf.villages.models import Membership, MembershipState, Village
from tests.deliveries.factories import ParcelFactory, tomorrow
from tests.deliveries.helpers import Day, make_people, register_day
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned_day(village: Village, client_for: Any) -> Day:
    """Two recipients with a planned parcel each (ETA, volunteer, PIN), and the first
    recipient's household with parcels of every other status besides."""
    day = register_day(make_people(village, recipients=2), client_for)
    job = planning_jobs.plan_request(actor=day.coordinator, date=tomorrow())
    planning_jobs.planning_job_run(job_id=job.pk)
    household = day.recipients[0].household
    assert household is not None
    parcels.parcel_register(
        actor=day.staff,
        pickup_point_id=day.point_id,
        household_id=household.pk,
        size_units=2,
        delivery_date=tomorrow(),
    )
    for status in (ParcelStatus.DELIVERED, ParcelStatus.FAILED, ParcelStatus.RETURNED):
        ParcelFactory(
            village=village, household=household, pickup_point_id=day.point_id, status=status
        )
    return day


def _by_serializer(member: Membership, parcel_ids: list[int]) -> list[dict[str, Any]]:
    return [
        MyParcelSerializer(selectors.parcel_get(membership=member, parcel_id=pk)).data
        for pk in parcel_ids
    ]


def test_every_page_of_my_parcels_is_the_parcels_as_their_serializer_shows_them(
    planned_day: Day, client_for: Any
) -> None:
    # given: pages of two, walked forward and back again
    recipient = planned_day.recipients[0]
    client = client_for(recipient.user)
    pages = [client.get(planned_day.url("parcels/mine/"), {"page_size": 2}).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    back = client.get(pages[-1]["previous"]).json()
    # then: newest first, field for field (and in the same order)
    rows = [row for page in pages for row in page["results"]]
    ids = sorted((row["id"] for row in rows), reverse=True)
    expected = _by_serializer(recipient, ids)
    assert len(rows) == 5
    assert rows == expected
    assert [list(row) for row in rows] == [list(row) for row in expected]
    assert back["results"] == pages[-2]["results"]
    planned = next(row for row in rows if row["id"] == planned_day.parcel_ids[0])
    assert planned["eta"] is not None
    assert planned["volunteer"] == planned_day.volunteers[0].user.display_name
    assert {row["status"]: row["pin"] is None for row in rows} == {
        "planned": False,
        "registered": False,
        "delivered": True,
        "failed": True,
        "returned": True,
    }


def test_i_see_my_households_parcels_only(
    planned_day: Day, village: Village, other_village: Village, client_for: Any
) -> None:
    # given: my household's parcel registered in another village, and a housemate
    first, second = planned_day.recipients
    assert first.household is not None
    ParcelFactory(village=other_village, household=first.household)
    housemate = MembershipFactory(village=village, household=first.household)
    # when
    mine = client_for(second.user).get(planned_day.url("parcels/mine/")).json()["results"]
    ours = client_for(housemate.user).get(planned_day.url("parcels/mine/")).json()["results"]
    firsts = client_for(first.user).get(planned_day.url("parcels/mine/")).json()["results"]
    # then
    assert [row["id"] for row in mine] == [planned_day.parcel_ids[1]]
    assert ours == firsts
    assert planned_day.parcel_ids[1] not in {row["id"] for row in firsts}
    assert len(firsts) == 5


def test_a_member_without_a_household_has_no_parcels(planned_day: Day, client_for: Any) -> None:
    nomad = MembershipFactory(village=planned_day.village, household=None)
    page = client_for(nomad.user).get(planned_day.url("parcels/mine/")).json()
    assert page == {"next": None, "previous": None, "results": []}


@pytest.mark.parametrize("state", [MembershipState.PENDING, MembershipState.BANNED])
def test_my_parcels_are_not_found_without_a_verified_membership(
    planned_day: Day, other_village: Village, client_for: Any, state: str
) -> None:
    # given: the first recipient no longer verified, and a member of another village
    recipient = planned_day.recipients[0]
    Membership.objects.filter(pk=recipient.pk).update(state=state)
    stranger = MembershipFactory(village=other_village)
    # when / then
    for user in (recipient.user, stranger.user):
        response = client_for(user).get(planned_day.url("parcels/mine/"))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_my_parcels_take_the_token_and_one_query(
    planned_day: Day, client_for: Any, django_assert_num_queries: Any
) -> None:
    client = client_for(planned_day.recipients[0].user)
    client.get(planned_day.url("parcels/mine/"))  # warm up: the token's first use
    # token; my household's parcels with their ETA and volunteer (scoped to my membership)
    with django_assert_num_queries(2):
        response = client.get(planned_day.url("parcels/mine/"))
    assert len(response.json()["results"]) == 5
