"""Bad input gets a clear 4xx and writes nothing; nobody sees others' addresses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dorf.deliveries import services
from dorf.deliveries.models import DeliveryShift, Parcel, ParcelEvent, PlanningJob, Route
from dorf.villages.models import Membership, Role, Village
from tests.deliveries.factories import PickupPointFactory, tomorrow
from tests.deliveries.helpers import make_people, register_day
from tests.factories import HouseholdFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _url(village: Village, path: str) -> str:
    return f"/api/v1/villages/{village.slug}/deliveries/{path}"


@pytest.fixture
def staff(village: Village) -> Membership:
    return MembershipFactory(village=village, role=Role.STAFF)


def _parcel_body(point_id: int, household_id: Any, **extra: Any) -> dict[str, Any]:
    return {"pickup_point": point_id, "household": household_id, "size_units": 1, **extra}


def test_a_parcel_without_a_household_is_refused(village, staff, client_for) -> None:
    point = PickupPointFactory(village=village)
    body = _parcel_body(point.pk, None)
    response = client_for(staff.user).post(_url(village, "parcels/"), body)
    assert response.status_code == 400
    assert "household" in response.json()["error"]["fields"]
    assert not Parcel.objects.exists()


def test_a_parcel_for_a_household_far_outside_the_village_is_refused(
    village, staff, client_for
) -> None:
    point = PickupPointFactory(village=village)
    far = HouseholdFactory(village=village, latitude=51.5, longitude=7.0)
    response = client_for(staff.user).post(
        _url(village, "parcels/"), _parcel_body(point.pk, far.pk)
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "outside_village"
    assert not Parcel.objects.exists()
    assert not ParcelEvent.objects.exists()


def test_a_parcel_for_another_villages_household_is_refused(
    village, other_village, staff, client_for
) -> None:
    point = PickupPointFactory(village=village)
    foreign = HouseholdFactory(village=other_village)
    response = client_for(staff.user).post(
        _url(village, "parcels/"), _parcel_body(point.pk, foreign.pk)
    )
    assert response.status_code == 400
    assert not Parcel.objects.exists()


def test_only_staff_register_parcels(village, member, client_for) -> None:
    point = PickupPointFactory(village=village)
    household = HouseholdFactory(village=village)
    response = client_for(member.user).post(
        _url(village, "parcels/"), _parcel_body(point.pk, household.pk)
    )
    assert response.status_code == 403
    assert not Parcel.objects.exists()


def test_a_window_that_ends_before_it_starts_is_refused(village, staff, client_for) -> None:
    point = PickupPointFactory(village=village)
    household = HouseholdFactory(village=village)
    start = dt.datetime.combine(tomorrow(), dt.time(12), tzinfo=dt.UTC)
    body = _parcel_body(
        point.pk,
        household.pk,
        window_start_at=start.isoformat(),
        window_end_at=(start - dt.timedelta(hours=1)).isoformat(),
    )
    response = client_for(staff.user).post(_url(village, "parcels/"), body)
    assert response.status_code == 400
    assert not Parcel.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_time": "12:00", "end_time": "09:00"}, "end_time"),
        ({"capacity_units": 0}, "capacity_units"),
        ({"date": "2020-01-01"}, "date"),
        ({"vehicle": "rocket"}, "vehicle"),
    ],
)
def test_a_bad_shift_is_refused(village, client_for, change, field) -> None:
    volunteer = MembershipFactory(village=village, household=HouseholdFactory(village=village))
    body = {
        "date": tomorrow().isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "vehicle": "bike",
        **change,
    }
    response = client_for(volunteer.user).post(_url(village, "shifts/"), body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not DeliveryShift.objects.exists()


def test_a_shift_gets_the_vehicle_defaults_and_starts_at_home(village, client_for) -> None:
    home = HouseholdFactory(village=village)
    volunteer = MembershipFactory(village=village, household=home)
    body = {
        "date": tomorrow().isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "vehicle": "cargo_bike",
    }
    response = client_for(volunteer.user).post(_url(village, "shifts/"), body)
    assert response.status_code == 201
    data = response.json()
    assert data["capacity_units"] == 12
    assert data["speed_kmh"] == 11.9
    assert data["places"]["start_latitude"] == home.latitude
    assert data["starts_at"].startswith(f"{tomorrow().isoformat()}T")


def test_a_plan_for_a_past_date_is_refused(village, moderator, client_for) -> None:
    yesterday = tomorrow() - dt.timedelta(days=2)
    response = client_for(moderator.user).post(
        _url(village, "plans/"), {"date": yesterday.isoformat()}
    )
    assert response.status_code == 400
    assert not PlanningJob.objects.exists()


def test_a_resident_cannot_ask_for_a_plan(village, member, client_for) -> None:
    response = client_for(member.user).post(
        _url(village, "plans/"), {"date": tomorrow().isoformat()}
    )
    assert response.status_code == 403
    assert not PlanningJob.objects.exists()


def _two_routes(village: Village, client_for) -> tuple[Any, Route, Route]:
    day = register_day(make_people(village, volunteers=2, recipients=4), client_for)
    DeliveryShift.objects.update(capacity_units=2)
    from django.db.models import F

    DeliveryShift.objects.update(ends_at=F("starts_at") + dt.timedelta(minutes=12))
    job = services.plan_request(actor=day.coordinator, date=tomorrow())
    services.planning_job_run(job_id=job.pk)
    first, second = Route.objects.filter(job=job).order_by("pk")
    return day, first, second


def test_a_volunteer_never_sees_the_addresses_of_another_volunteers_stops(
    village, client_for
) -> None:
    # given: two routes of two volunteers
    day, first, second = _two_routes(village, client_for)
    owner = next(v for v in day.volunteers if v.user_id == first.shift.volunteer_id)
    other_parcels = set(second.stops.values_list("parcel_id", flat=True))
    client = client_for(owner.user)
    # when
    mine = client.get(day.url("routes/")).json()["results"]
    foreign = client.get(day.url(f"routes/{second.pk}/"))
    parcel = client.get(day.url(f"parcels/{next(iter(other_parcels))}/"))
    # then: only my route, with my addresses; the other route and its parcels are hidden
    assert [r["id"] for r in mine] == [first.pk]
    assert not {s["parcel_id"] for s in mine[0]["stops"]} & other_parcels
    assert foreign.status_code == 404
    assert parcel.status_code == 404
    # and no coordinates of the other route's households appear in mine
    theirs = set(
        Parcel.objects.filter(pk__in=other_parcels).values_list(
            "household__latitude", "household__longitude"
        )
    )
    shown = {
        (s["place"]["latitude"], s["place"]["longitude"])
        for s in mine[0]["stops"]
        if s["kind"] == "delivery"
    }
    assert shown
    assert not shown & theirs


def test_confirming_someone_elses_route_is_refused_and_changes_nothing(village, client_for) -> None:
    day, first, second = _two_routes(village, client_for)
    intruder = next(v for v in day.volunteers if v.user_id == first.shift.volunteer_id)
    client = client_for(intruder.user)
    services.route_accept(
        membership=next(v for v in day.volunteers if v.user_id == second.shift.volunteer_id),
        route_id=second.pk,
    )
    foreign_parcel = second.stops.first().parcel_id  # type: ignore[union-attr]
    # when
    accept = client.post(day.url(f"routes/{second.pk}/accept/"))
    decline = client.post(day.url(f"routes/{second.pk}/decline/"))
    pickup = client.post(day.url(f"parcels/{foreign_parcel}/pickup/"))
    # then
    assert accept.status_code == 403
    assert decline.status_code == 403
    assert pickup.status_code == 403
    assert pickup.json()["error"]["code"] == "not_your_route"
    second.refresh_from_db()
    assert second.status == "accepted"
    assert Parcel.objects.get(pk=foreign_parcel).status == "planned"


def test_a_recipient_sees_the_pin_but_staff_of_another_household_do_not(
    village, client_for
) -> None:
    day = register_day(make_people(village, recipients=1), client_for)
    parcel_id = day.parcel_ids[0]
    recipient = client_for(day.recipients[0].user).get(day.url(f"parcels/{parcel_id}/")).json()
    staff = client_for(day.staff.user).get(day.url(f"parcels/{parcel_id}/")).json()
    stranger = client_for(day.volunteers[0].user).get(day.url(f"parcels/{parcel_id}/"))
    assert len(recipient["pin"]) == 6
    assert recipient["qr_payload"].endswith(recipient["pin"])
    assert staff["pin"] is None
    assert stranger.status_code == 404
