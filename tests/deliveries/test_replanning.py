"""A decline re-plans what is not picked up, from the current plan, keeping carried parcels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import F

from dorf.deliveries import optimiser, services, snapshot
from dorf.deliveries.models import (
    DeliveryShift,
    DeliveryShiftStatus,
    JobStatus,
    JobTrigger,
    Parcel,
    ParcelStatus,
    PlanningJob,
    Route,
    RouteStatus,
    Stop,
    StopKind,
)
from dorf.villages.models import Village
from tests.deliveries.factories import tomorrow
from tests.deliveries.helpers import make_people, register_day

pytestmark = pytest.mark.django_db


def _plan(day, client_for, capture) -> Any:
    with capture(execute=True):
        response = client_for(day.coordinator.user).post(
            day.url("plans/"), {"date": tomorrow().isoformat()}
        )
    assert response.status_code == 202
    return client_for(day.coordinator.user).get(day.url(f"plans/{response.json()['id']}/")).json()


def test_a_decline_replans_from_the_current_plan_and_keeps_picked_up_parcels_on_their_carrier(
    village: Village, client_for, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: four parcels and two volunteers who can carry two parcels each
    day = register_day(make_people(village, volunteers=2, recipients=4), client_for)
    # (and twelve minutes each: time for one round, so both are needed)
    DeliveryShift.objects.update(
        capacity_units=2, ends_at=F("starts_at") + dt.timedelta(minutes=12)
    )
    job = _plan(day, client_for, django_capture_on_commit_callbacks)
    assert job["unassigned"] == []
    assert len(job["routes"]) == 2
    routes = {r["id"]: r for r in job["routes"]}
    route_a = Route.objects.get(pk=next(iter(routes)), status=RouteStatus.PROPOSED)
    route_b = Route.objects.exclude(pk=route_a.pk).get(status=RouteStatus.PROPOSED)
    volunteer_a = next(v for v in day.volunteers if v.user_id == route_a.shift.volunteer_id)
    volunteer_b = next(v for v in day.volunteers if v.user_id == route_b.shift.volunteer_id)
    # volunteer A accepts and picks up one parcel
    client_a = client_for(volunteer_a.user)
    assert client_a.post(day.url(f"routes/{route_a.pk}/accept/")).status_code == 200
    carried_id = route_a.stops.filter(kind=StopKind.PICKUP).order_by("sequence")[0].parcel_id
    assert client_a.post(day.url(f"parcels/{carried_id}/pickup/")).status_code == 200
    previous_plans: list[Any] = []
    real_solve = optimiser.solve

    def spy(problem, settings=None, **kwargs):
        previous_plans.append(kwargs.get("previous"))
        return real_solve(problem, settings, **kwargs)

    monkeypatch.setattr(optimiser, "solve", spy)

    # when: volunteer B declines
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(volunteer_b.user).post(
            day.url(f"routes/{route_b.pk}/decline/"), {"reason": "Auto kaputt"}
        )
    assert response.status_code == 202, response.content

    # then: a re-plan ran from the current plan (warm start) without B's shift
    replan = PlanningJob.objects.get(pk=response.json()["id"])
    assert replan.trigger == JobTrigger.DECLINE
    assert replan.status == JobStatus.DONE
    assert len(previous_plans) == 1
    assert previous_plans[0] is not None
    # (the current plan: A's accepted route; B's declined one is no longer in it)
    (warm_route,) = previous_plans[0].routes
    assert warm_route.volunteer_id == str(route_a.shift_id)
    assert str(carried_id) in warm_route.parcel_ids
    assert DeliveryShift.objects.get(pk=route_b.shift_id).status == DeliveryShiftStatus.WITHDRAWN
    route_b.refresh_from_db()
    assert route_b.status == RouteStatus.DECLINED
    # the carried parcel stays picked up by A, on A's new (still accepted) route
    carried = Parcel.objects.get(pk=carried_id)
    assert carried.status == ParcelStatus.PICKED_UP
    assert carried.carrier_shift_id == route_a.shift_id
    new_route = Route.objects.get(job=replan, shift_id=route_a.shift_id)
    assert new_route.status == RouteStatus.ACCEPTED
    carried_stops = list(
        new_route.stops.filter(parcel_id=carried_id).values_list("kind", flat=True)
    )
    assert carried_stops == [StopKind.DELIVERY]
    # nothing is on B any more; every other parcel is planned on A or reported
    assert not Stop.objects.filter(route__job=replan, route__shift_id=route_b.shift_id).exists()
    on_routes = set(
        Stop.objects.filter(route__job=replan, kind=StopKind.DELIVERY).values_list(
            "parcel_id", flat=True
        )
    )
    reported = {u["parcel_id"] for u in replan.unassigned}
    assert on_routes | reported == set(day.parcel_ids)
    assert Route.objects.get(pk=route_a.pk).status == RouteStatus.REPLACED


def test_a_plan_solved_while_a_parcel_was_picked_up_is_not_stored_but_planned_again(
    village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: a planned and accepted day, and a re-plan whose snapshot was taken
    day = register_day(make_people(village), client_for)
    _plan(day, client_for, django_capture_on_commit_callbacks)
    route = Route.objects.get(status=RouteStatus.PROPOSED)
    volunteer = client_for(day.volunteers[0].user)
    volunteer.post(day.url(f"routes/{route.pk}/accept/"))
    job = PlanningJob.objects.create(village=village, date=tomorrow(), status=JobStatus.SOLVING)
    snap = snapshot.snapshot_take(job)
    plan, distances = snapshot.snapshot_solve(snap)
    # when: the volunteer picks a parcel up before the plan is stored
    assert volunteer.post(day.url(f"parcels/{day.parcel_ids[0]}/pickup/")).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stored = services.plan_store(snap=snap, plan=plan, distances=distances, solve_ms=1)
    # then: the stale plan is dropped and a retry is queued; the accepted route stays
    assert stored.status == JobStatus.FAILED
    assert stored.error_code == "stale"
    assert PlanningJob.objects.filter(trigger=JobTrigger.RETRY, attempt=2).exists()
    assert len(callbacks) == 1
    route.refresh_from_db()
    assert route.status == RouteStatus.ACCEPTED


def test_an_infeasible_day_is_a_plan_that_names_the_unassigned_parcels_and_why(
    village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: a parcel bigger than any vehicle
    day = register_day(make_people(village, recipients=1), client_for, vehicle="foot")
    Parcel.objects.filter(pk=day.parcel_ids[0]).update(size_units=50)
    # when
    job = _plan(day, client_for, django_capture_on_commit_callbacks)
    # then
    assert job["status"] == "done"
    assert job["routes"] == []
    assert job["unassigned"] == [
        {
            "parcel_id": day.parcel_ids[0],
            "reason": "too_big",
            "detail": job["unassigned"][0]["detail"],
        }
    ]
    assert Parcel.objects.get(pk=day.parcel_ids[0]).status == ParcelStatus.REGISTERED


def test_a_late_parcel_is_fitted_into_the_planned_day(
    village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: a planned day
    day = register_day(make_people(village, recipients=2), client_for)
    _plan(day, client_for, django_capture_on_commit_callbacks)
    household = day.recipients[0].household
    assert household is not None
    # when: staff register one more parcel for that day
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(day.staff.user).post(
            day.url("parcels/"),
            {
                "pickup_point": day.point_id,
                "household": household.pk,
                "delivery_date": tomorrow().isoformat(),
            },
        )
    assert response.status_code == 201
    # then: a re-plan ran and the parcel is on the volunteer's route
    late = PlanningJob.objects.get(trigger=JobTrigger.LATE_PARCEL)
    assert late.status == JobStatus.DONE
    assert Stop.objects.filter(
        route__job=late, parcel_id=response.json()["id"], kind=StopKind.DELIVERY
    ).exists()
    assert Parcel.objects.get(pk=response.json()["id"]).status == ParcelStatus.PLANNED


def test_a_no_show_recorded_by_the_coordinator_replans_without_the_volunteer(
    village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given
    day = register_day(make_people(village), client_for)
    _plan(day, client_for, django_capture_on_commit_callbacks)
    route = Route.objects.get(status=RouteStatus.PROPOSED)
    # when: a resident tries, then the coordinator records the no-show
    denied = client_for(day.recipients[0].user).post(day.url(f"routes/{route.pk}/no-show/"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(day.coordinator.user).post(day.url(f"routes/{route.pk}/no-show/"))
    # then
    assert denied.status_code == 403
    assert response.status_code == 202
    job = PlanningJob.objects.get(pk=response.json()["id"])
    assert job.trigger == JobTrigger.NO_SHOW
    assert job.status == JobStatus.DONE
    assert DeliveryShift.objects.get(pk=route.shift_id).status == DeliveryShiftStatus.WITHDRAWN
    # nobody is left to deliver: the parcels are back to registered and reported
    assert {u["parcel_id"] for u in job.unassigned} == set(day.parcel_ids)
    assert set(Parcel.objects.values_list("status", flat=True)) == {ParcelStatus.REGISTERED}
