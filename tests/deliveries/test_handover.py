"""Handover with the PIN, failed deliveries, payment exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from dorf.core.exceptions import DomainError
from dorf.deliveries import services
from dorf.deliveries.models import (
    Parcel,
    ParcelEvent,
    ParcelStatus,
    PlanningJob,
    Route,
    RouteStatus,
)
from dorf.deliveries.pins import pin_from_salt
from dorf.ledger.models import Account, Transfer
from dorf.villages.models import Village
from tests.deliveries.factories import tomorrow
from tests.deliveries.helpers import Day, make_people, register_day


def _ready_day(village: Village, client_for: Any, *, recipients: int = 1) -> tuple[Day, Route]:
    """A planned day whose only route is accepted and whose parcels are picked up."""
    day = register_day(make_people(village, recipients=recipients), client_for)
    job = services.plan_request(actor=day.coordinator, date=tomorrow())
    services.planning_job_run(job_id=job.pk)
    route = Route.objects.get(job=job)
    volunteer = day.volunteers[0]
    services.route_accept(membership=volunteer, route_id=route.pk)
    for parcel_id in day.parcel_ids:
        services.parcel_pickup(membership=volunteer, parcel_id=parcel_id)
    return day, route


@pytest.mark.django_db
def test_five_wrong_pins_lock_the_parcel_until_staff_reset_it(village: Village, client_for) -> None:
    # given
    day, _route = _ready_day(village, client_for)
    volunteer = client_for(day.volunteers[0].user)
    parcel = Parcel.objects.get(pk=day.parcel_ids[0])
    url = day.url(f"parcels/{parcel.pk}/deliver/")
    wrong = "000000" if pin_from_salt(parcel.pin_salt) != "000000" else "111111"
    # when: five wrong PINs
    codes = [volunteer.post(url, {"pin": wrong}).json()["error"]["code"] for _ in range(5)]
    # then: each is refused and counted, the last one locks the parcel
    assert codes == ["wrong_pin"] * 4 + ["pin_locked"]
    parcel.refresh_from_db()
    assert parcel.pin_attempts == 5
    assert parcel.status == ParcelStatus.PICKED_UP
    # even the right PIN is refused now
    right = pin_from_salt(parcel.pin_salt)
    response = volunteer.post(url, {"pin": right})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "pin_locked"
    # a volunteer cannot unlock; staff can, and then the right PIN works
    assert volunteer.post(day.url(f"parcels/{parcel.pk}/pin-reset/")).status_code == 403
    staff = client_for(day.staff.user)
    assert staff.post(day.url(f"parcels/{parcel.pk}/pin-reset/")).status_code == 200
    assert volunteer.post(url, {"pin": right}).status_code == 200


@pytest.mark.django_db
def test_a_failed_delivery_records_why_returns_the_parcel_and_completes_the_route(
    village: Village, client_for
) -> None:
    # given
    day, route = _ready_day(village, client_for)
    volunteer = client_for(day.volunteers[0].user)
    parcel_id = day.parcel_ids[0]
    # when
    response = volunteer.post(
        day.url(f"parcels/{parcel_id}/fail/"),
        {"reason": "recipient_absent", "note": "Niemand zu Hause"},
    )
    # then
    assert response.status_code == 200, response.content
    parcel = Parcel.objects.get(pk=parcel_id)
    assert parcel.status == ParcelStatus.RETURNED
    assert parcel.failure_reason == "recipient_absent"
    assert parcel.pickup_point_id == day.point_id
    steps = list(ParcelEvent.objects.filter(parcel=parcel).values_list("to_status", "note"))
    assert steps[-2:] == [
        ("failed", "recipient_absent: Niemand zu Hause"),
        ("returned", "Dorfladen"),
    ]
    route.refresh_from_db()
    assert route.status == RouteStatus.COMPLETED
    assert route.paid_minutes == route.planned_minutes
    # staff can put it back into planning
    response = client_for(day.staff.user).post(
        day.url(f"parcels/{parcel_id}/reschedule/"), {"delivery_date": tomorrow().isoformat()}
    )
    assert response.status_code == 200
    assert Parcel.objects.get(pk=parcel_id).status == ParcelStatus.REGISTERED


@pytest.mark.django_db
def test_a_double_tap_on_the_last_handover_pays_once(village: Village, client_for) -> None:
    # given
    day, route = _ready_day(village, client_for)
    volunteer = client_for(day.volunteers[0].user)
    parcel = Parcel.objects.get(pk=day.parcel_ids[0])
    url = day.url(f"parcels/{parcel.pk}/deliver/")
    pin = pin_from_salt(parcel.pin_salt)
    # when
    first = volunteer.post(url, {"pin": pin})
    second = volunteer.post(url, {"pin": pin})
    again = services.route_complete_if_finished(route_id=route.pk, village_id=route.village_id)
    # then
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_delivered"
    assert again is False
    assert Transfer.objects.filter(link_type="route", link_id=route.pk).count() == 1
    assert Account.objects.get(membership=day.volunteers[0]).balance_minutes == (
        Route.objects.get(pk=route.pk).planned_minutes
    )


def _race(workers: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = workers[index]()
        except DomainError as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_last_handovers_and_completions_pay_the_route_exactly_once(
    village: Village, client_for
) -> None:
    # given: two picked-up parcels on one accepted route
    day, route = _ready_day(village, client_for, recipients=2)
    volunteer = day.volunteers[0]
    pins = {p.pk: pin_from_salt(p.pin_salt) for p in Parcel.objects.all()}

    # when: both last handovers, twice each, and two completion checks race
    def deliver(parcel_id: int) -> Callable[[], Any]:
        return lambda: services.parcel_deliver(
            membership=volunteer, parcel_id=parcel_id, pin=pins[parcel_id]
        )

    def complete() -> Any:
        from django.db import transaction

        with transaction.atomic():
            return services.route_complete_if_finished(
                route_id=route.pk, village_id=route.village_id
            )

    results = _race([deliver(day.parcel_ids[0]), deliver(day.parcel_ids[1])] * 2 + [complete] * 2)

    # then: each parcel delivered once, the route paid once
    delivered = [r for r in results[:4] if isinstance(r, Parcel)]
    assert len(delivered) == 2
    assert Transfer.objects.filter(link_type="route", link_id=route.pk).count() == 1
    route.refresh_from_db()
    assert route.status == RouteStatus.COMPLETED
    assert Account.objects.get(membership=volunteer).balance_minutes == route.planned_minutes
    assert PlanningJob.objects.count() == 1
