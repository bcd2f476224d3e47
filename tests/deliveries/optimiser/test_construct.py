"""The trip builder that gives large problems their first plan (no database)."""

from __future__ import annotations

from benchmarks.vrp import village_problem
from dorf.deliveries.optimiser import (
    GeodesicProvider,
    Location,
    Parcel,
    Problem,
    TimeWindow,
    TravelMode,
    Volunteer,
)
from dorf.deliveries.optimiser.construct import build_trips
from dorf.deliveries.optimiser.reasons import earliest_end_and_duration, parcel_visits

HOUR_S = 3600
CENTRE = Location(50.790, 7.872)


def _near(north_m: float, east_m: float) -> Location:
    return Location(CENTRE.lat + north_m / 111_320, CENTRE.lon + east_m / 70_300)


def _matrices(problem: Problem) -> dict[TravelMode, list[list[int]]]:
    provider = GeodesicProvider()
    return {mode: provider.travel_times_s(problem.locations, mode) for mode in TravelMode}


def _everyone(problem: Problem) -> dict[int, list[int]]:
    return {p: list(range(len(problem.volunteers))) for p in range(len(problem.parcels))}


def _car(name: str, home: int, shift: TimeWindow, max_duration_s: int | None = None) -> Volunteer:
    return Volunteer(name, TravelMode.CAR, 30, home, home, shift, max_duration_s)


def test_one_trip_collects_parcels_waiting_at_several_pickup_points() -> None:
    # Two pickup points 60 m apart, parcels for six houses along one street: one car
    # load, so one trip that calls at both points before the first delivery.
    locations = (_near(0, 0), _near(0, 60), *(_near(800, 100 * k) for k in range(6)), _near(-50, 0))
    parcels = tuple(
        Parcel(f"p{k}", 1, pickup=k % 2, delivery=2 + k, pickup_service_s=60) for k in range(6)
    )
    day = TimeWindow(9 * HOUR_S, 12 * HOUR_S)
    problem = Problem(locations, (_car("anna", 8, day),), parcels)

    (route,) = build_trips(problem, _matrices(problem), _everyone(problem))

    kinds = [is_pickup for _, is_pickup in route]
    assert kinds == [True] * 6 + [False] * 6
    pickup_points = [problem.parcels[p].pickup or 0 for p, is_pickup in route if is_pickup]
    assert pickup_points in ([0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0])  # each point once
    assert {p for p, _ in route} == set(range(6))


def test_fixed_morning_shift_is_filled_before_a_flexible_long_day() -> None:
    # Both drive the same car; the flexible volunteer could work any four hours of the
    # day, so the parcels go to the one who can only work in the morning.
    locations = (_near(0, 0), *(_near(300 * k, 200) for k in range(1, 5)), _near(-100, 0))
    parcels = tuple(Parcel(f"p{k}", 1, pickup=0, delivery=1 + k) for k in range(4))
    flexible = _car("ben", 5, TimeWindow(9 * HOUR_S, 17 * HOUR_S), 4 * HOUR_S)
    morning = _car("cleo", 5, TimeWindow(9 * HOUR_S, 12 * HOUR_S))
    problem = Problem(locations, (flexible, morning), parcels)

    routes = build_trips(problem, _matrices(problem), _everyone(problem))

    assert routes[0] == []
    assert len(routes[1]) == 8


def test_trips_of_a_village_day_keep_every_window_shift_and_capacity() -> None:
    problem = village_problem(parcels=120, volunteers=12, seed=3)
    matrices = _matrices(problem)

    routes = build_trips(problem, matrices, _everyone(problem))

    served = [p for route in routes for p, is_pickup in route if not is_pickup]
    assert sorted(served) == sorted(set(served))
    # The search inserts what the greedy trips leave (116 of 120 here).
    assert len(served) >= 0.9 * len(problem.parcels)
    for v, route in enumerate(routes):
        volunteer = problem.volunteers[v]
        visits, load = [], 0
        for p, is_pickup in route:
            parcel = problem.parcels[p]
            pickup, delivery = parcel_visits(parcel)
            visits.append(pickup if is_pickup else delivery)
            load += parcel.size_units if is_pickup else -parcel.size_units
            assert 0 <= load <= volunteer.capacity_units
        if route:
            matrix = matrices[volunteer.mode]
            assert earliest_end_and_duration(volunteer, visits, matrix) is not None


def test_a_declined_day_goes_to_the_others_before_anyone_new_helps() -> None:
    problem = village_problem(parcels=120, volunteers=25, seed=3)
    matrices = _matrices(problem)
    routes = build_trips(problem, matrices, _everyone(problem))
    used = [v for v, route in enumerate(routes) if route]
    declined = max(used, key=lambda v: len(routes[v]))
    others = tuple(v for v in range(len(problem.volunteers)) if v != declined)
    rest = Problem(problem.locations, tuple(problem.volunteers[v] for v in others), problem.parcels)
    kept = [routes[v] for v in others]

    replanned = build_trips(rest, matrices, _everyone(rest), kept)

    # Every kept route goes on as it was; no more volunteers than before the decline.
    assert all(new[: len(old)] == old for new, old in zip(replanned, kept, strict=True))
    assert sum(1 for route in replanned if route) <= len(used)
    planned = [p for route in replanned for p, is_pickup in route if not is_pickup]
    assert sorted(planned) == sorted(
        p for route in routes for p, is_pickup in route if not is_pickup
    )
    for volunteer, route in zip(rest.volunteers, replanned, strict=True):
        visits = [parcel_visits(rest.parcels[p])[0 if is_pickup else 1] for p, is_pickup in route]
        if route:
            assert (
                earliest_end_and_duration(volunteer, visits, matrices[volunteer.mode]) is not None
            )
