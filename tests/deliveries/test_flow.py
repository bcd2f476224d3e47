"""The whole working day through the API: register, shifts, plan, accept, pickup, deliver, paid."""

from __future__ import annotations

from typing import Any

import pytest

from dorf.deliveries import selectors
from dorf.deliveries.api import MyParcelSerializer
from dorf.deliveries.models import Parcel, ParcelEvent, ParcelStatus, Route, RouteStatus
from dorf.deliveries.services import parcel_events, parcels, planning_jobs, routes
from dorf.ledger.models import Account, Transfer, TransferKind
from dorf.villages.models import Village
from tests.deliveries.factories import tomorrow
from tests.deliveries.helpers import make_people, register_day

pytestmark = pytest.mark.django_db


def test_a_day_is_planned_accepted_delivered_with_pins_and_paid(
    village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: two parcels at the shop for two households, one volunteer on a bike
    day = register_day(make_people(village), client_for)
    coordinator = client_for(day.coordinator.user)
    volunteer = day.volunteers[0]
    volunteer_client = client_for(volunteer.user)

    # when: the coordinator asks for tomorrow's plan (the job runs inline on commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(day.url("plans/"), {"date": tomorrow().isoformat()})
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]

    # then: the job is done, with one route and nobody left out
    job = coordinator.get(day.url(f"plans/{job_id}/")).json()
    assert job["status"] == "done"
    assert job["unassigned"] == []
    assert len(job["routes"]) == 1
    # the coordinator sees the order, never the households' addresses
    assert all(
        stop["place"] is None for stop in job["routes"][0]["stops"] if stop["kind"] == "delivery"
    )

    # the volunteer sees their route with the addresses of their stops and ETAs
    routes = volunteer_client.get(day.url("routes/")).json()["results"]
    assert len(routes) == 1
    route = routes[0]
    deliveries = [s for s in route["stops"] if s["kind"] == "delivery"]
    assert {s["parcel_id"] for s in deliveries} == set(day.parcel_ids)
    assert all(s["place"]["street"] for s in deliveries)
    assert route["distance_m"] > 0
    assert route["planned_minutes"] >= 1

    # the recipient sees the ETA and the PIN
    recipient_client = client_for(day.recipients[0].user)
    mine = recipient_client.get(day.url("parcels/mine/")).json()["results"]
    assert len(mine) == 1
    assert mine[0]["status"] == "planned"
    assert mine[0]["eta"] is not None
    assert len(mine[0]["pin"]) == 6

    # when: the volunteer accepts, picks up and delivers both parcels with the PINs
    assert volunteer_client.post(day.url(f"routes/{route['id']}/accept/")).status_code == 200
    for parcel_id, recipient in zip(day.parcel_ids, day.recipients, strict=True):
        response = volunteer_client.post(day.url(f"parcels/{parcel_id}/pickup/"))
        assert response.status_code == 200, response.content
        pin = client_for(recipient.user).get(day.url("parcels/mine/")).json()["results"][0]["pin"]
        with django_capture_on_commit_callbacks(execute=True):
            response = volunteer_client.post(day.url(f"parcels/{parcel_id}/deliver/"), {"pin": pin})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "delivered"

    # then: the route is completed and paid once, from the community account
    stored = Route.objects.get(pk=route["id"])
    assert stored.status == RouteStatus.COMPLETED
    assert stored.paid_minutes == stored.planned_minutes
    transfer = Transfer.objects.get(link_type="route", link_id=stored.pk)
    assert transfer.kind == TransferKind.DELIVERY
    account = Account.objects.get(membership=volunteer)
    assert account.balance_minutes == stored.planned_minutes
    assert volunteer_client.get(day.url(f"routes/{stored.pk}/")).json()["paid_minutes"] == (
        stored.planned_minutes
    )
    # and each parcel's history has every step with who made it
    for parcel_id in day.parcel_ids:
        steps = list(
            ParcelEvent.objects.filter(parcel_id=parcel_id).values_list("to_status", flat=True)
        )
        assert steps == ["registered", "planned", "picked_up", "delivered"]
    assert set(Parcel.objects.values_list("status", flat=True)) == {ParcelStatus.DELIVERED}


def test_recipients_get_their_eta_live_when_planned_and_when_picked_up(
    village: Village, client_for, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: every live event is recorded
    sent: list[tuple[list[int], str, dict[str, Any]]] = []
    # (patched in every services module that sends: the parcel announcer, plans, routes)
    for module in (parcel_events, planning_jobs, routes):
        monkeypatch.setattr(
            module,
            "send_to_users_on_commit",
            lambda users, event, payload: sent.append((list(users), event, payload)),
        )
    day = register_day(make_people(village, recipients=1), client_for)
    recipient = day.recipients[0].user_id
    # when: the day is planned
    with django_capture_on_commit_callbacks(execute=True):
        client_for(day.coordinator.user).post(day.url("plans/"), {"date": tomorrow().isoformat()})
    # then: the recipient got the ETA of their parcel
    etas = [p for users, event, p in sent if event == "delivery.eta" and recipient in users]
    assert etas == [{"parcel_id": day.parcel_ids[0], "status": "planned", "eta": etas[0]["eta"]}]
    assert etas[0]["eta"].startswith(tomorrow().isoformat())
    # and the volunteer was told about the route
    assert any(
        e == "delivery.route" and users == [day.volunteers[0].user_id] for users, e, _ in sent
    )
    # when: picked up, the recipient hears it again
    route = Route.objects.get()
    volunteer = client_for(day.volunteers[0].user)
    volunteer.post(day.url(f"routes/{route.pk}/accept/"))
    volunteer.post(day.url(f"parcels/{day.parcel_ids[0]}/pickup/"))
    last = [p for users, e, p in sent if e == "delivery.eta" and recipient in users][-1]
    assert last["status"] == "picked_up"
    assert last["eta"] == etas[0]["eta"]


def test_a_row_of_my_parcels_is_the_parcel_as_its_serializer_shows_it(
    village: Village, client_for: Any
) -> None:
    # given: a planned parcel (ETA, volunteer, PIN) and one registered after the plan
    day = register_day(make_people(village, recipients=1), client_for)
    recipient = day.recipients[0]
    job = planning_jobs.plan_request(actor=day.coordinator, date=tomorrow())
    planning_jobs.planning_job_run(job_id=job.pk)
    assert recipient.household is not None
    later = parcels.parcel_register(
        actor=day.staff,
        pickup_point_id=day.point_id,
        household_id=recipient.household.pk,
        size_units=2,
        delivery_date=tomorrow(),
    )
    # when
    rows = client_for(recipient.user).get(day.url("parcels/mine/")).json()["results"]
    # then: field for field (and in the same order) what MyParcelSerializer answers
    expected = {
        pk: MyParcelSerializer(selectors.parcel_get(membership=recipient, parcel_id=pk)).data
        for pk in (*day.parcel_ids, later.pk)
    }
    assert {row["id"]: row for row in rows} == expected
    assert [list(row) for row in rows] == [list(expected[row["id"]]) for row in rows]
    planned = expected[day.parcel_ids[0]]
    assert planned["eta"] is not None
    assert planned["volunteer"] == day.volunteers[0].user.display_name
    assert expected[later.pk]["eta"] is None
