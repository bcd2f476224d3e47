"""Own-village URLs with another village's ids are 404 too; lists have constant query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dorf.deliveries import clock, services
from dorf.villages.models import Role, Village
from tests.deliveries.factories import DeliveryShiftFactory, ParcelFactory, tomorrow
from tests.deliveries.helpers import make_people, register_day
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_another_villages_parcel_is_not_found_under_my_own_village(
    village: Village, other_village: Village, client_for
) -> None:
    # given: staff of my village, a parcel and a shift in the other village
    staff = MembershipFactory(village=village, role=Role.STAFF)
    parcel = ParcelFactory(village=other_village)
    shift = DeliveryShiftFactory(village=other_village)
    client = client_for(staff.user)
    base = f"/api/v1/villages/{village.slug}/deliveries/"
    # when / then
    assert client.get(f"{base}parcels/{parcel.pk}/").status_code == 404
    assert client.post(f"{base}parcels/{parcel.pk}/pin-reset/").status_code == 404
    assert client.get(f"{base}shifts/{shift.pk}/").status_code == 404


def _count(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("staff", "parcels/"),
        ("staff", "pickup-points/"),
        ("recipient", "parcels/mine/"),
        ("volunteer", "shifts/"),
        ("coordinator", "shifts/?all=1"),
        ("coordinator", "plans/"),
        ("volunteer", "routes/"),
        ("coordinator", "routes/"),
    ],
)
def test_list_endpoints_use_a_constant_number_of_queries(
    village: Village, client_for, django_assert_num_queries, who: str, path: str
) -> None:
    # given: a planned day, measured once
    day = register_day(make_people(village, recipients=2), client_for)
    members = {
        "staff": day.staff,
        "recipient": day.recipients[0],
        "volunteer": day.volunteers[0],
        "coordinator": day.coordinator,
    }
    client = client_for(members[who].user)
    job = services.plan_request(actor=day.coordinator, date=tomorrow())
    services.planning_job_run(job_id=job.pk)
    url = day.url(path)
    response = client.get(url)
    assert response.status_code == 200
    small = len(response.json()["results"])
    baseline = _count(lambda: client.get(url))

    # when: many more rows of every kind exist
    for _ in range(4):
        assert day.recipients[0].household is not None
        services.parcel_register(
            actor=day.staff,
            pickup_point_id=day.point_id,
            household_id=day.recipients[0].household.pk,
            size_units=1,
            delivery_date=tomorrow(),
        )
        services.delivery_shift_create(
            membership=day.volunteers[0],
            date=tomorrow(),
            start_time=dt.time(14),
            end_time=dt.time(18),
            vehicle="car",
        )
        services.pickup_point_create(
            actor=day.staff, name="Packstation", kind="locker", latitude=50.79, longitude=7.872
        )
    job = services.plan_request(actor=day.coordinator, date=tomorrow())
    services.planning_job_run(job_id=job.pk)

    # then: the same number of queries for a longer page
    with django_assert_num_queries(baseline):
        response = client.get(url)
    assert len(response.json()["results"]) > small or path == "routes/"


def test_local_seconds_are_real_elapsed_seconds_across_dst_changes() -> None:
    # given: the spring and autumn changes of 2026 in Berlin
    for day, hours_to_ten in ((dt.date(2026, 3, 29), 9), (dt.date(2026, 10, 25), 11)):
        midnight = clock.local_midnight_utc(day, "Europe/Berlin")
        ten = clock.local_datetime(day, dt.time(10), "Europe/Berlin")
        # when
        seconds = clock.to_seconds(ten, midnight)
        back = clock.from_seconds(seconds, midnight)
        # then: 10:00 local is 9 h (spring) or 11 h (autumn) after midnight, and back again
        assert seconds == hours_to_ten * 3600
        assert back == ten
        assert back.astimezone(ten.tzinfo).hour == 10
