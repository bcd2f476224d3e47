"""Deliveries that cannot be gamed: handovers on the route's day, reasons from a list,
payment only for the stops served (issue 20).

These tests use the real handover tolerance (30 minutes) and travel in time to the
route's day; the other delivery tests allow handovers at any time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from dorf.deliveries import services
from dorf.deliveries.models import (
    Parcel,
    ParcelEvent,
    ParcelStatus,
    Route,
    RouteStatus,
    Stop,
    StopKind,
)
from dorf.deliveries.pins import pin_from_salt
from dorf.ledger.models import Account, Transfer
from dorf.notifications.models import Notification
from dorf.villages.models import Village
from tests.deliveries.factories import tomorrow
from tests.deliveries.helpers import Day, make_people, register_day

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _real_tolerance(settings) -> None:
    settings.DORF_HANDOVER_TOLERANCE_MIN = 30


def _planned(village: Village, client_for: Any, *, recipients: int) -> tuple[Day, Route]:
    """Tomorrow planned for one bike volunteer (09:00-13:00), the route accepted."""
    day = register_day(make_people(village, recipients=recipients), client_for)
    job = services.plan_request(actor=day.coordinator, date=tomorrow())
    services.planning_job_run(job_id=job.pk)
    route = Route.objects.get(job=job)
    services.route_accept(membership=day.volunteers[0], route_id=route.pk)
    return day, route


def _at(moment: dt.datetime) -> Any:
    return freeze_time(moment.astimezone(dt.UTC), tick=True)


def _stop(route: Route, parcel_id: int, kind: StopKind) -> Stop:
    return route.stops.get(parcel_id=parcel_id, kind=kind)


def test_pickups_the_day_before_and_made_up_reasons_are_refused_and_pay_nothing(
    village: Village, client_for
) -> None:
    # given: a route planned and accepted for tomorrow
    day, route = _planned(village, client_for, recipients=3)
    volunteer = client_for(day.volunteers[0].user)
    # when: the volunteer "picks up" every parcel today and fails each with an excuse
    pickups = [volunteer.post(day.url(f"parcels/{p}/pickup/")) for p in day.parcel_ids]
    fails = [
        volunteer.post(day.url(f"parcels/{p}/fail/"), {"reason": "keine Lust"})
        for p in day.parcel_ids
    ]
    # then: all refused, nothing changed, nothing paid
    assert {r.status_code for r in pickups} == {409}
    assert {r.json()["error"]["code"] for r in pickups} == {"outside_shift"}
    assert {r.status_code for r in fails} == {400}
    assert set(Parcel.objects.values_list("status", flat=True)) == {ParcelStatus.PLANNED}
    route.refresh_from_db()
    assert route.status == RouteStatus.ACCEPTED
    assert not Transfer.objects.filter(link_type="route").exists()
    assert not ParcelEvent.objects.filter(to_status=ParcelStatus.PICKED_UP).exists()


def test_a_failure_is_accepted_only_at_the_door_and_from_the_list(
    village: Village, client_for, settings
) -> None:
    # given: the parcel picked up during the shift
    day, route = _planned(village, client_for, recipients=1)
    volunteer = client_for(day.volunteers[0].user)
    parcel_id = day.parcel_ids[0]
    delivery = _stop(route, parcel_id, StopKind.DELIVERY)
    pickup = _stop(route, parcel_id, StopKind.PICKUP)
    with _at(pickup.arrival_at):
        assert volunteer.post(day.url(f"parcels/{parcel_id}/pickup/")).status_code == 200
    # when: failing it 31 minutes before the planned arrival at the door
    with _at(delivery.arrival_at - dt.timedelta(minutes=31)):
        early = volunteer.post(day.url(f"parcels/{parcel_id}/fail/"), {"reason": "refused"})
    # and at the door, with a reason that is not on the list, then with one that is
    with _at(delivery.arrival_at):
        made_up = volunteer.post(day.url(f"parcels/{parcel_id}/fail/"), {"reason": "keine Lust"})
        at_door = volunteer.post(day.url(f"parcels/{parcel_id}/fail/"), {"reason": "refused"})
    # then
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "too_early"
    assert made_up.status_code == 400
    assert at_door.status_code == 200, at_door.content
    steps = list(
        ParcelEvent.objects.filter(parcel_id=parcel_id).values_list("to_status", flat=True)
    )
    assert steps == ["registered", "planned", "picked_up", "failed", "returned"]


def test_a_route_pays_the_planned_minutes_of_the_stops_served_only(
    village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: four parcels picked up in the shift
    day, route = _planned(village, client_for, recipients=4)
    volunteer = client_for(day.volunteers[0].user)
    stops = list(route.stops.order_by("sequence"))
    deliveries = [s for s in stops if s.kind == StopKind.DELIVERY]
    for stop in stops:
        if stop.kind == StopKind.PICKUP:
            with _at(stop.arrival_at):
                assert (
                    volunteer.post(day.url(f"parcels/{stop.parcel_id}/pickup/")).status_code == 200
                )
    # when: the first is handed over, the second refused at the door, two came back damaged
    first, second, *damaged = deliveries
    with _at(first.arrival_at):
        pin = pin_from_salt(Parcel.objects.get(pk=first.parcel_id).pin_salt)
        assert (
            volunteer.post(day.url(f"parcels/{first.parcel_id}/deliver/"), {"pin": pin}).status_code
            == 200
        )
    with _at(second.arrival_at):
        assert (
            volunteer.post(
                day.url(f"parcels/{second.parcel_id}/fail/"), {"reason": "refused"}
            ).status_code
            == 200
        )
    with _at(damaged[-1].arrival_at), django_capture_on_commit_callbacks(execute=True):
        for stop in damaged:
            response = volunteer.post(
                day.url(f"parcels/{stop.parcel_id}/fail/"), {"reason": "damaged"}
            )
            assert response.status_code == 200, response.content
    # then: the route is complete and pays the legs of the two stops served (with their
    # pickups) and the way home, not the damaged parcels' legs
    route.refresh_from_db()
    assert route.status == RouteStatus.COMPLETED

    def leg_s(stop: Stop) -> int:
        before = [s for s in stops if s.sequence < stop.sequence]
        left = before[-1].departure_at if before else route.start_at
        return int((stop.departure_at - left).total_seconds())

    served = {first.parcel_id, second.parcel_id}
    expected_s = sum(leg_s(s) for s in stops if s.parcel_id in served)
    expected_s += int((route.end_at - stops[-1].departure_at).total_seconds())
    assert route.paid_minutes == max(1, round(expected_s / 60))
    assert route.paid_minutes < route.planned_minutes
    assert Account.objects.get(membership=day.volunteers[0]).balance_minutes == route.paid_minutes
    # and the calculation is visible to the volunteer and the coordinator
    for viewer in (day.volunteers[0], day.coordinator):
        shown = client_for(viewer.user).get(day.url(f"routes/{route.pk}/")).json()
        assert shown["paid_minutes"] == route.paid_minutes
        assert shown["payment"]["served_parcels"] == 2
        outcomes = {line["parcel_id"]: line["outcome"] for line in shown["payment"]["parcels"]}
        assert outcomes[first.parcel_id] == "delivered"
        assert outcomes[damaged[0].parcel_id] == "failed:damaged"
        assert shown["anomalies"] == ["many_failures"]
    # and the coordinators were told
    assert Notification.objects.filter(
        user=day.coordinator.user, link_type="route", link_id=route.pk
    ).exists()


def test_a_route_where_nothing_was_served_pays_nothing_and_is_flagged(
    village: Village, client_for
) -> None:
    # given: two parcels picked up in the shift
    day, route = _planned(village, client_for, recipients=2)
    volunteer = client_for(day.volunteers[0].user)
    stops = list(route.stops.order_by("sequence"))
    with _at(stops[0].arrival_at):
        for parcel_id in day.parcel_ids:
            assert volunteer.post(day.url(f"parcels/{parcel_id}/pickup/")).status_code == 200
    # when: both come back "damaged" at the door
    with _at(stops[-1].arrival_at):
        for parcel_id in day.parcel_ids:
            response = volunteer.post(day.url(f"parcels/{parcel_id}/fail/"), {"reason": "damaged"})
            assert response.status_code == 200, response.content
    # then: completed, paid 0, no transfer, flagged
    route.refresh_from_db()
    assert route.status == RouteStatus.COMPLETED
    assert route.paid_minutes == 0
    assert route.transfer_id is None
    assert not Transfer.objects.filter(link_type="route", link_id=route.pk).exists()
    assert set(route.anomalies) >= {"nothing_served", "everything_failed"}


@pytest.mark.parametrize("day_of_change", [dt.date(2026, 3, 29), dt.date(2026, 10, 25)])
def test_the_pickup_window_is_the_shift_in_local_time_on_both_clock_changes(
    village: Village, client_for, day_of_change: dt.date
) -> None:
    # given: the day before the clock change, a shift 09:00-13:00 local for the change day
    with _at(dt.datetime.combine(day_of_change - dt.timedelta(days=1), dt.time(12), BERLIN)):
        day = make_people(village, recipients=1)
        staff = day.staff
        point = services.pickup_point_create(
            actor=staff, name="Dorfladen", kind="shop", latitude=50.7905, longitude=7.8725
        )
        recipient = day.recipients[0]
        assert recipient.household is not None
        parcel = services.parcel_register(
            actor=staff,
            pickup_point_id=point.pk,
            household_id=recipient.household.pk,
            size_units=1,
            delivery_date=day_of_change,
        )
        services.delivery_shift_create(
            membership=day.volunteers[0],
            date=day_of_change,
            start_time=dt.time(9),
            end_time=dt.time(13),
            vehicle="bike",
        )
        job = services.plan_request(actor=day.coordinator, date=day_of_change)
        services.planning_job_run(job_id=job.pk)
        route = Route.objects.get(job=job)
        services.route_accept(membership=day.volunteers[0], route_id=route.pk)
    volunteer = day.volunteers[0]
    url = f"/api/v1/villages/{village.slug}/deliveries/parcels/{parcel.pk}/pickup/"
    client = client_for(volunteer.user)
    # when: 08:20 local (40 minutes early), then 08:40 local (within the tolerance)
    with _at(dt.datetime.combine(day_of_change, dt.time(8, 20), BERLIN)):
        too_early = client.post(url)
    with _at(dt.datetime.combine(day_of_change, dt.time(8, 40), BERLIN)):
        in_time = client.post(url)
    # then
    assert too_early.status_code == 409
    assert "09:00" in too_early.json()["error"]["message"]
    assert in_time.status_code == 200, in_time.content
