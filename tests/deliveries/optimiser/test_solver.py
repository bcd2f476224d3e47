"""Behaviour of the route optimiser on small generated village days (no database)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from benchmarks.vrp import village_problem
from dorf.deliveries.optimiser import (
    GeodesicProvider,
    Location,
    Parcel,
    Plan,
    Problem,
    Settings,
    StopKind,
    TimeWindow,
    TravelMode,
    UnassignedReason,
    Volunteer,
    solve,
)
from dorf.deliveries.optimiser.checks import plan_violations
from dorf.deliveries.optimiser.construct import build_trips
from dorf.deliveries.optimiser.solver import _drivers, _Screen, _search_fleet

# Ends on the solution limit long before the time limit: quick and reproducible.
QUICK = Settings(time_limit_s=5.0, solution_limit=40)


def matrices_of(problem: Problem) -> dict[TravelMode, list[list[int]]]:
    provider = GeodesicProvider()
    return {mode: provider.travel_times_s(problem.locations, mode) for mode in TravelMode}


@pytest.fixture(scope="module")
def day() -> Problem:
    return village_problem(parcels=30, volunteers=5, seed=11)


@pytest.fixture(scope="module")
def plan(day: Problem) -> Plan:
    return solve(day, QUICK)


def test_every_parcel_is_routed_or_reported_unassigned_exactly_once(
    day: Problem, plan: Plan
) -> None:
    delivered = [pid for route in plan.routes for pid in route.parcel_ids]
    unassigned = [item.parcel_id for item in plan.unassigned]

    assert sorted(delivered + unassigned) == sorted(p.id for p in day.parcels)
    assert len(delivered) >= 25  # the generated day is easy: nearly all are served


def test_plan_keeps_capacity_windows_shifts_and_pickup_order(day: Problem, plan: Plan) -> None:
    assert plan_violations(day, plan, matrices_of(day)) == []


def test_loads_stay_within_each_vehicle_capacity(day: Problem, plan: Plan) -> None:
    capacity = {v.id: v.capacity_units for v in day.volunteers}
    for route in plan.routes:
        assert all(0 <= stop.load_units <= capacity[route.volunteer_id] for stop in route.stops)


def test_deliveries_start_within_their_windows(day: Problem, plan: Plan) -> None:
    parcels = {p.id: p for p in day.parcels}
    windowed = 0
    for route in plan.routes:
        for stop in route.stops:
            window = parcels[stop.parcel_id].window
            if stop.kind is StopKind.DELIVERY and window is not None:
                windowed += 1
                assert window.start_s <= stop.service_start_s <= window.end_s
    assert windowed > 0


def test_pickup_comes_before_its_delivery_on_the_same_route(plan: Plan) -> None:
    for route in plan.routes:
        kinds = [(stop.parcel_id, stop.kind) for stop in route.stops]
        for parcel_id in route.parcel_ids:
            assert kinds.index((parcel_id, StopKind.PICKUP)) < kinds.index(
                (parcel_id, StopKind.DELIVERY)
            )


def test_the_same_input_and_settings_give_the_same_plan(day: Problem, plan: Plan) -> None:
    assert solve(day, QUICK) == plan


# -- a hand-made street: locations 0 depot, 1..4 houses, 5 far farm, 6 volunteer's home

STREET = (
    Location(50.7900, 7.8720),
    Location(50.7910, 7.8720),
    Location(50.7920, 7.8720),
    Location(50.7930, 7.8720),
    Location(50.7940, 7.8720),
    Location(50.9000, 7.8720),  # 12 km away
    Location(50.7900, 7.8730),
)
MORNING = TimeWindow(9 * 3600, 12 * 3600)


def helper(name: str, capacity: int = 10, mode: TravelMode = TravelMode.BIKE) -> Volunteer:
    return Volunteer(name, mode, capacity, start=6, end=6, shift=MORNING)


def parcel(name: str, house: int, size: int = 1, **extra: Any) -> Parcel:
    return Parcel(
        name, size, pickup=0, delivery=house, pickup_service_s=30, delivery_service_s=60, **extra
    )


def street(*parcels: Parcel, volunteers: tuple[Volunteer, ...] | None = None) -> Problem:
    return Problem(STREET, volunteers or (helper("anna"), helper("ben")), parcels)


def test_parcel_too_big_for_every_vehicle_is_unassigned_as_too_big() -> None:
    plan = solve(street(parcel("sofa", 1, size=50), parcel("book", 2)), QUICK)

    assert [(u.parcel_id, u.reason) for u in plan.unassigned] == [
        ("sofa", UnassignedReason.TOO_BIG)
    ]
    assert [route.parcel_ids for route in plan.routes] == [("book",)]


def test_parcel_nobody_can_reach_within_its_window_is_unassigned_as_out_of_reach() -> None:
    hurry = parcel("hurry", 5, window=TimeWindow(9 * 3600, 9 * 3600 + 600))

    plan = solve(street(hurry, parcel("book", 2)), QUICK)

    assert [(u.parcel_id, u.reason) for u in plan.unassigned] == [
        ("hurry", UnassignedReason.OUT_OF_REACH)
    ]


def test_parcels_beyond_the_fleet_capacity_are_unassigned_with_no_capacity_left() -> None:
    # One walker with room for two parcels; every parcel must arrive within 8 minutes
    # of the start at the depot. Each alone is reachable, all six together are not.
    window = TimeWindow(9 * 3600, 9 * 3600 + 480)
    walker = Volunteer("walker", TravelMode.FOOT, 2, start=0, end=0, shift=MORNING)
    parcels = [parcel(f"p{k}", 1 + k % 4, window=window) for k in range(6)]
    problem = street(*parcels, volunteers=(walker,))

    plan = solve(problem, QUICK)

    served = plan.routes[0].parcel_ids
    assert 1 <= len(served) <= 3
    assert len(served) + len(plan.unassigned) == 6
    assert {u.reason for u in plan.unassigned} == {UnassignedReason.NO_CAPACITY_LEFT}
    assert plan_violations(problem, plan, matrices_of(problem)) == []


def test_one_volunteer_does_everything_when_one_suffices() -> None:
    parcels = [parcel(f"p{k}", 1 + k % 4) for k in range(6)]
    team = tuple(helper(f"h{k}") for k in range(4))

    plan = solve(street(*parcels, volunteers=team), QUICK)

    assert plan.volunteers_used == 1
    assert plan.unassigned == ()


def test_idle_twins_are_left_out_of_the_search_but_every_other_volunteer_stays() -> None:
    twins = tuple(helper(f"twin{k}", capacity=3) for k in range(12))
    walker = Volunteer("walker", TravelMode.FOOT, 3, start=0, end=0, shift=MORNING)
    soon = TimeWindow(9 * 3600, 9 * 3600 + 1200)  # no time for a second trip
    parcels = [parcel(f"p{k}", 1 + k % 4, window=soon) for k in range(8)]
    problem = street(*parcels, volunteers=(*twins, walker))
    matrices = matrices_of(problem)

    fleet = _search_fleet(
        problem, QUICK, matrices, _Screen(problem, matrices), time.monotonic() + 5
    )

    assert fleet is not None
    assert 12 in fleet  # the walker has no twin
    # The search keeps the twins a first plan uses (at least one) and one idle twin.
    assert 2 <= len([v for v in fleet if v < 12]) < 12
    plan = solve(problem, QUICK)
    assert plan.unassigned == ()
    assert plan_violations(problem, plan, matrices) == []


def test_volunteers_without_twins_are_all_searched() -> None:
    problem = street(parcel("book", 2), volunteers=(helper("anna"), helper("ben", capacity=4)))
    matrices = matrices_of(problem)

    assert (
        _search_fleet(problem, QUICK, matrices, _Screen(problem, matrices), time.monotonic() + 5)
        is None
    )


def test_explicit_matrix_is_used_instead_of_computed_travel_times() -> None:
    # On this matrix house 4 is next door and house 1 is an hour away.
    size = len(STREET)
    matrix = [[0 if a == b else 600 for b in range(size)] for a in range(size)]
    for a in range(size):
        matrix[a][1] = matrix[1][a] = 0 if a == 1 else 3600
    problem = replace(
        street(parcel("near", 4), parcel("far", 1)), travel_times_s={TravelMode.BIKE: matrix}
    )

    plan = solve(problem, QUICK)

    # home to depot, depot to house 4, house 4 to house 1, house 1 home
    assert plan.travel_s == 600 + 600 + 3600 + 3600


def test_warm_start_keeps_picked_up_parcels_on_their_volunteer(day: Problem, plan: Plan) -> None:
    # Everyone picked up the first parcel of their route; then the first volunteer with
    # a route declines the rest and another one becomes available instead.
    first = {route.stops[0].parcel_id: route.volunteer_id for route in plan.routes}
    parcels = tuple(
        replace(p, picked_up_by=first[p.id]) if p.id in first else p for p in day.parcels
    )
    replanned_problem = replace(day, parcels=parcels)

    replanned = solve(replanned_problem, QUICK, previous=plan)

    for parcel_id, volunteer_id in first.items():
        route = replanned.route_of(volunteer_id)
        assert route is not None
        assert parcel_id in route.parcel_ids
        kinds = [s.kind for s in route.stops if s.parcel_id == parcel_id]
        assert kinds == [StopKind.DELIVERY]
    assert plan_violations(replanned_problem, replanned, matrices_of(day)) == []


def test_replanning_after_a_decline_gives_the_parcels_to_the_others(
    day: Problem, plan: Plan
) -> None:
    declined = plan.routes[0].volunteer_id
    problem = replace(day, volunteers=tuple(v for v in day.volunteers if v.id != declined))

    replanned = solve(problem, QUICK, previous=plan)

    assert replanned.route_of(declined) is None
    assert plan_violations(problem, replanned, matrices_of(day)) == []
    served_before = sum(len(r.parcel_ids) for r in plan.routes)
    served_after = sum(len(r.parcel_ids) for r in replanned.routes)
    assert served_after >= served_before - len(plan.routes[0].parcel_ids)
    assert served_after > served_before - len(plan.routes[0].parcel_ids) or not plan.unassigned


def test_a_large_day_is_planned_from_trips_and_keeps_every_rule() -> None:
    # 140 parcels make 280 stops: above the size where OR-Tools' own first solution
    # is replaced by trips from the pickup points.
    big = village_problem(parcels=140, volunteers=25, seed=5)

    plan = solve(big, Settings(time_limit_s=10, solution_limit=20))

    assert plan_violations(big, plan, matrices_of(big)) == []
    assert len(plan.unassigned) <= 5
    assert plan.volunteers_used < 25


def test_a_large_day_is_improved_only_by_the_volunteers_its_trips_use() -> None:
    big = village_problem(parcels=140, volunteers=25, seed=5)
    matrices = matrices_of(big)
    screen = _Screen(big, matrices)
    trips = build_trips(big, matrices, screen.allowed)
    used = [v for v, trip in enumerate(trips) if trip]
    assert 0 < len(used) < 25

    assert _drivers(trips, screen) == used
    # A parcel the trips leave out may need someone else: then everyone stays.
    left_out = trips[used[0]][0][0]
    without = [[stop for stop in trip if stop[0] != left_out] for trip in trips]
    assert _drivers(without, screen) is None


def test_replanning_a_large_day_after_a_decline_serves_the_declined_parcels() -> None:
    big = village_problem(parcels=140, volunteers=25, seed=5)
    plan = solve(big, Settings(time_limit_s=10, solution_limit=20))
    declined = max(plan.routes, key=lambda route: len(route.stops)).volunteer_id
    smaller = replace(big, volunteers=tuple(v for v in big.volunteers if v.id != declined))

    replanned = solve(smaller, Settings(time_limit_s=2.0), previous=plan)

    assert plan_violations(smaller, replanned, matrices_of(big)) == []
    assert len(replanned.unassigned) <= len(plan.unassigned) + 2
