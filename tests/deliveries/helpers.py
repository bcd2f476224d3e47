"""A small delivery day built through the API, shared by the flow tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rest_framework.test import APIClient

from dorf.villages.models import Household, Membership, Role, Village
from tests.deliveries.factories import tomorrow
from tests.factories import HouseholdFactory, MembershipFactory


@dataclass
class Day:
    village: Village
    staff: Membership
    coordinator: Membership
    volunteers: list[Membership]
    recipients: list[Membership]
    point_id: int = 0
    parcel_ids: list[int] = field(default_factory=list)
    shift_ids: list[int] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"/api/v1/villages/{self.village.slug}/deliveries/{path}"


def make_people(village: Village, *, volunteers: int = 1, recipients: int = 2) -> Day:
    staff = MembershipFactory(village=village, role=Role.STAFF)
    coordinator = MembershipFactory(village=village, role=Role.MODERATOR)

    # Fixed places within ~150 m of the shop (50.7905, 7.8725), so that how long a
    # round takes does not depend on factory sequence numbers.
    def home(index: int) -> Household:
        return HouseholdFactory(
            village=village,
            latitude=50.7900 + (index % 5) * 0.0003,
            longitude=7.8720 + (index // 5) * 0.0003,
        )

    return Day(
        village=village,
        staff=staff,
        coordinator=coordinator,
        volunteers=[
            MembershipFactory(village=village, household=home(i)) for i in range(volunteers)
        ],
        recipients=[
            MembershipFactory(village=village, household=home(volunteers + i))
            for i in range(recipients)
        ],
    )


def register_day(day: Day, client_for: Any, *, vehicle: str = "bike") -> Day:
    """Pickup point, one parcel per recipient, one shift per volunteer (tomorrow)."""
    staff: APIClient = client_for(day.staff.user)
    response = staff.post(
        day.url("pickup-points/"),
        {"name": "Dorfladen", "kind": "shop", "latitude": 50.7905, "longitude": 7.8725},
    )
    assert response.status_code == 201, response.content
    day.point_id = response.json()["id"]
    for recipient in day.recipients:
        assert recipient.household is not None
        response = staff.post(
            day.url("parcels/"),
            {
                "pickup_point": day.point_id,
                "household": recipient.household.pk,
                "size_units": 1,
                "delivery_date": tomorrow().isoformat(),
                "note": "Bitte beim Nachbarn klingeln",
            },
        )
        assert response.status_code == 201, response.content
        day.parcel_ids.append(response.json()["id"])
    for volunteer in day.volunteers:
        response = client_for(volunteer.user).post(
            day.url("shifts/"),
            {
                "date": tomorrow().isoformat(),
                "start_time": "09:00",
                "end_time": "13:00",
                "vehicle": vehicle,
            },
        )
        assert response.status_code == 201, response.content
        day.shift_ids.append(response.json()["id"])
    return day


def accept_pickup_deliver(day: Day, client_for: Any, job_id: int) -> int:
    """From a done plan: the volunteer accepts, picks up and delivers with the PINs.

    Returns the route id.
    """
    coordinator: APIClient = client_for(day.coordinator.user)
    job = coordinator.get(day.url(f"plans/{job_id}/")).json()
    assert job["status"] == "done", job
    assert job["unassigned"] == []
    assert len(job["routes"]) == 1
    volunteer: APIClient = client_for(day.volunteers[0].user)
    route_id: int = volunteer.get(day.url("routes/")).json()["results"][0]["id"]
    assert volunteer.post(day.url(f"routes/{route_id}/accept/")).status_code == 200
    for parcel_id, recipient in zip(day.parcel_ids, day.recipients, strict=True):
        response = volunteer.post(day.url(f"parcels/{parcel_id}/pickup/"))
        assert response.status_code == 200, response.content
        mine = client_for(recipient.user).get(day.url("parcels/mine/")).json()["results"]
        response = volunteer.post(day.url(f"parcels/{parcel_id}/deliver/"), {"pin": mine[0]["pin"]})
        assert response.status_code == 200, response.content
    return route_id
