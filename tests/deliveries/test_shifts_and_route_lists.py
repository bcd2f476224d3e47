"""A volunteer withdraws a shift before it is planned; coordinators list the plans' routes."""

from __future__ import annotations

import pytest

from dorf.deliveries.models import DeliveryShift, DeliveryShiftStatus, PlanningJob, Route
from dorf.villages.models import Village
from tests.deliveries.factories import tomorrow
from tests.deliveries.helpers import make_people, register_day

pytestmark = pytest.mark.django_db


def test_a_volunteer_withdraws_a_shift_before_planning_and_the_plan_leaves_it_out(
    village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: two volunteers offered shifts for tomorrow, nothing planned yet
    day = register_day(make_people(village, volunteers=2, recipients=2), client_for)
    volunteer = client_for(day.volunteers[0].user)
    shift_id = day.shift_ids[0]
    # when: the first takes their shift back
    response = volunteer.post(day.url(f"shifts/{shift_id}/withdraw/"))
    # then: it is withdrawn, the second call changes nothing, and a plan does not use it
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert volunteer.post(day.url(f"shifts/{shift_id}/withdraw/")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client_for(day.coordinator.user).post(day.url("plans/"), {"date": tomorrow().isoformat()})
    assert PlanningJob.objects.get().status == "done"
    assert set(Route.objects.values_list("shift_id", flat=True)) == {day.shift_ids[1]}


def test_a_planned_shift_cannot_be_withdrawn_and_nobody_withdraws_anothers_shift(
    village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: a planned day
    day = register_day(make_people(village, volunteers=1, recipients=1), client_for)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(day.coordinator.user).post(day.url("plans/"), {"date": tomorrow().isoformat()})
    shift_id = day.shift_ids[0]
    # when: the volunteer tries to withdraw, and the coordinator too
    own = client_for(day.volunteers[0].user).post(day.url(f"shifts/{shift_id}/withdraw/"))
    other = client_for(day.coordinator.user).post(day.url(f"shifts/{shift_id}/withdraw/"))
    # then: the route must be declined instead; it is not the coordinator's shift
    assert own.status_code == 409
    assert own.json()["error"]["code"] == "shift_planned"
    assert other.status_code == 403
    assert DeliveryShift.objects.get(pk=shift_id).status == DeliveryShiftStatus.ACTIVE


def test_a_coordinator_lists_every_route_of_the_plans_without_addresses_of_others(
    village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: a day planned for two volunteers
    day = register_day(make_people(village, volunteers=2, recipients=2), client_for)
    coordinator = client_for(day.coordinator.user)
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(day.url("plans/"), {"date": tomorrow().isoformat()})
    planned = set(Route.objects.values_list("pk", flat=True))
    assert planned
    # when
    everyone = coordinator.get(day.url("routes/"))
    of_the_day = coordinator.get(day.url(f"routes/?date={tomorrow().isoformat()}"))
    other_day = coordinator.get(day.url("routes/?date=2020-01-01"))
    mine = coordinator.get(day.url("routes/?mine=true"))
    volunteer = client_for(day.volunteers[0].user).get(day.url("routes/"))
    bad = coordinator.get(day.url("routes/?date=tomorrow"))
    # then: the coordinator sees the plan's routes; delivery addresses stay hidden
    assert everyone.status_code == 200
    assert {r["id"] for r in everyone.json()["results"]} == planned
    assert {r["id"] for r in of_the_day.json()["results"]} == planned
    assert other_day.json()["results"] == []
    assert mine.json()["results"] == []
    deliveries = [
        s for r in everyone.json()["results"] for s in r["stops"] if s["kind"] == "delivery"
    ]
    assert deliveries
    assert all(s["place"] is None for s in deliveries)
    # and a volunteer still sees only their own routes
    own = {r["id"] for r in volunteer.json()["results"]}
    assert own == set(
        Route.objects.filter(shift__volunteer=day.volunteers[0].user).values_list("pk", flat=True)
    )
    assert bad.status_code == 400
