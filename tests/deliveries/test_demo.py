from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from dorf.deliveries import clock
from dorf.deliveries.models import DeliveryShift, Parcel, PickupPoint, Route, RouteStatus
from dorf.deliveries.pins import pin_from_salt
from dorf.ledger.models import Transfer
from dorf.users.models import User
from dorf.villages.models import Membership, Village

pytestmark = pytest.mark.django_db


def test_the_demo_day_can_be_planned_accepted_delivered_and_paid_through_the_api(
    client_for, django_capture_on_commit_callbacks
) -> None:
    # given: the demo village
    call_command("seed_demo", residents=40, stdout=io.StringIO())
    village = Village.objects.get(slug="musterdorf")
    assert set(PickupPoint.objects.values_list("name", flat=True)) == {
        "Dorfladen",
        "Rathaus-Depot",
        "Packstation am Bahnhof",
    }
    assert DeliveryShift.objects.filter(date=clock.local_today(village)).exists()
    # and tomorrow is planned with the default policy: several moderate rounds, the demo
    # helper's among them
    planned = Route.objects.filter(
        date=clock.local_today(village) + dt.timedelta(days=1), status=RouteStatus.PROPOSED
    )
    assert planned.count() >= 3
    assert planned.filter(shift__volunteer__email="jonas.weber@musterdorf.example").exists()
    durations = [(r.end_at - r.start_at).total_seconds() for r in planned]
    assert max(durations) <= 2 * 3600
    base = "/api/v1/villages/musterdorf/deliveries/"
    maria = client_for(User.objects.get(email="maria.schmidt@musterdorf.example"))
    # when: Maria plans tomorrow
    tomorrow = (clock.local_today(village) + dt.timedelta(days=1)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = maria.post(f"{base}plans/", {"date": tomorrow})
    job = maria.get(f"{base}plans/{response.json()['id']}/").json()
    # then: routes exist; the first volunteer accepts, fetches and hands over everything
    assert job["status"] == "done", job
    assert job["routes"]
    route = Route.objects.filter(job_id=job["id"]).order_by("pk").first()
    assert route is not None
    volunteer = client_for(route.shift.volunteer)
    assert volunteer.post(f"{base}routes/{route.pk}/accept/").status_code == 200
    for stop in route.stops.order_by("sequence"):
        if stop.kind == "pickup":
            assert volunteer.post(f"{base}parcels/{stop.parcel_id}/pickup/").status_code == 200
        else:
            parcel = Parcel.objects.get(pk=stop.parcel_id)
            response = volunteer.post(
                f"{base}parcels/{parcel.pk}/deliver/", {"pin": pin_from_salt(parcel.pin_salt)}
            )
            assert response.status_code == 200, response.content
    route.refresh_from_db()
    assert route.status == RouteStatus.COMPLETED
    assert Transfer.objects.filter(link_type="route", link_id=route.pk).count() == 1
    assert Membership.objects.filter(user=route.shift.volunteer, village=village).exists()
