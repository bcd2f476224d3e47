"""A fast first plan for large problems, built in trips from the pickup points.

OR-Tools' insertion heuristics try every pair of positions for every parcel on every
route; with 300 parcels that takes longer than the whole planning budget. Village
parcels wait at a few pickup points, so a volunteer's day is naturally a series of
trips: go to a pickup point, load a batch, deliver it nearest-first, and repeat.
This module builds such trips greedily in linear-ish time; the search then improves
them. Parcels without a pickup stop are left for the search to insert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .problem import Matrix, Parcel, Problem, TravelMode, Volunteer
from .reasons import Visit, earliest_end_and_duration


@dataclass
class _Trip:
    pickup: int
    parcels: list[int]


def _visits(problem: Problem, trips: Sequence[_Trip]) -> list[Visit]:
    visits: list[Visit] = []
    for trip in trips:
        for p in trip.parcels:
            parcel = problem.parcels[p]
            visits.append(Visit(trip.pickup, parcel.pickup_service_s, parcel.pickup_window))
        for p in trip.parcels:
            parcel = problem.parcels[p]
            visits.append(Visit(parcel.delivery, parcel.delivery_service_s, parcel.window))
    return visits


def _productivity(volunteer: Volunteer, v: int) -> tuple[int, int, int]:
    """Sort key: large vehicles first, then those with the most time on the road."""
    available_s = volunteer.shift.end_s - volunteer.shift.start_s
    if volunteer.max_duration_s is not None:
        available_s = min(available_s, volunteer.max_duration_s)
    return (-volunteer.capacity_units, -available_s, v)


def _stop_visits(problem: Problem, stops: Sequence[tuple[int, bool]]) -> list[Visit]:
    visits = []
    for p, is_pickup in stops:
        parcel = problem.parcels[p]
        if is_pickup:
            assert parcel.pickup is not None
            visits.append(Visit(parcel.pickup, parcel.pickup_service_s, parcel.pickup_window))
        else:
            visits.append(Visit(parcel.delivery, parcel.delivery_service_s, parcel.window))
    return visits


def _fits(
    problem: Problem,
    volunteer: Volunteer,
    prefix: list[Visit],
    trips: Sequence[_Trip],
    matrix: Matrix,
) -> bool:
    if any(
        sum(problem.parcels[p].size_units for p in trip.parcels) > volunteer.capacity_units
        for trip in trips
    ):
        return False
    visits = prefix + _visits(problem, trips)
    return earliest_end_and_duration(volunteer, visits, matrix) is not None


def build_trips(
    problem: Problem,
    matrices: Mapping[TravelMode, Matrix],
    allowed: Mapping[int, Sequence[int]],
    prefixes: Sequence[Sequence[tuple[int, bool]]] | None = None,
) -> list[list[tuple[int, bool]]]:
    """Greedy trips per volunteer, as ``(parcel index, is_pickup)`` stops in order.

    ``prefixes`` are routes to keep (a previous plan): new trips are appended after
    their last stop, and their parcels are not planned again. Volunteers who already
    have a route are extended first.

    Then volunteers with the largest vehicles and the most time go first. Each trip
    starts at the pickup point nearest to where the volunteer is, with parcels waiting there; it grows by
    the parcel whose delivery is quickest to reach from the last one while the trip
    still fits the capacity, every window, the shift and the maximum duration.
    Without ``prefixes``, the smallest days are then emptied into the other
    volunteers' trips while every parcel still fits (village day: 10 -> 8 volunteers).
    """
    kept = [list(route) for route in prefixes] if prefixes else [[] for _ in problem.volunteers]
    planned = {p for route in kept for p, _ in route}
    waiting: dict[int, set[int]] = {}
    for p in allowed:
        if p in planned:
            continue
        parcel: Parcel = problem.parcels[p]
        if parcel.pickup is not None and parcel.picked_up_by is None:
            waiting.setdefault(parcel.pickup, set()).add(p)
    order = sorted(
        range(len(problem.volunteers)),
        key=lambda v: (not kept[v], _productivity(problem.volunteers[v], v)),
    )
    routes = kept
    built: dict[int, list[_Trip]] = {}
    for v in order:
        volunteer = problem.volunteers[v]
        matrix = matrices[volunteer.mode]
        trips: list[_Trip] = []
        prefix = _stop_visits(problem, kept[v])
        here = prefix[-1].location if prefix else volunteer.start
        while True:
            points = sorted(
                (
                    point
                    for point, parcels in waiting.items()
                    if any(v in allowed[p] for p in parcels)
                ),
                key=lambda point: (matrix[here][point], point),
            )
            trip = None
            for point in points:
                trip = _grow_trip(
                    problem, volunteer, v, prefix, trips, point, waiting[point], matrix, allowed
                )
                if trip is not None:
                    break
            if trip is None:
                break
            trips.append(trip)
            waiting[trip.pickup] -= set(trip.parcels)
            here = problem.parcels[trip.parcels[-1]].delivery
        built[v] = trips
    if not prefixes:
        _eliminate(problem, matrices, allowed, built)
    for v, trips in built.items():
        for trip in trips:
            routes[v].extend((p, True) for p in trip.parcels)
            routes[v].extend((p, False) for p in trip.parcels)
    return routes


def _eliminate(
    problem: Problem,
    matrices: Mapping[TravelMode, Matrix],
    allowed: Mapping[int, Sequence[int]],
    built: dict[int, list[_Trip]],
) -> None:
    """Empty the smallest volunteers' days into the others' trips while that succeeds."""
    failed: set[int] = set()
    while True:
        candidates = [v for v, trips in built.items() if trips and v not in failed]
        if len(candidates) <= 1:
            return
        victim = min(candidates, key=lambda v: (sum(len(t.parcels) for t in built[v]), v))
        others = {
            v: [_Trip(t.pickup, list(t.parcels)) for t in trips]
            for v, trips in built.items()
            if trips and v != victim
        }
        ok = True
        for p in [p for t in built[victim] for p in t.parcels]:
            if not _insert(problem, matrices, allowed, others, p):
                ok = False
                break
        if not ok:
            failed.add(victim)
            continue
        built[victim] = []
        built.update(others)


def _insert(
    problem: Problem,
    matrices: Mapping[TravelMode, Matrix],
    allowed: Mapping[int, Sequence[int]],
    routes: dict[int, list[_Trip]],
    p: int,
) -> bool:
    parcel = problem.parcels[p]
    for v, trips in routes.items():
        if v not in allowed[p]:
            continue
        volunteer = problem.volunteers[v]
        matrix = matrices[volunteer.mode]
        for trip in trips:
            if trip.pickup != parcel.pickup:
                continue
            for k in range(len(trip.parcels) + 1):
                trip.parcels.insert(k, p)
                if _fits(problem, volunteer, [], trips, matrix):
                    return True
                del trip.parcels[k]
        for k in range(len(trips) + 1):
            assert parcel.pickup is not None
            trips.insert(k, _Trip(parcel.pickup, [p]))
            if _fits(problem, volunteer, [], trips, matrix):
                return True
            del trips[k]
    return False


def _grow_trip(
    problem: Problem,
    volunteer: Volunteer,
    v: int,
    prefix: list[Visit],
    trips: list[_Trip],
    point: int,
    candidates: set[int],
    matrix: Matrix,
    allowed: Mapping[int, Sequence[int]],
) -> _Trip | None:
    trip = _Trip(point, [])
    last = point
    pool = sorted(p for p in candidates if v in allowed[p])
    while pool:
        # Rank by when the handover could start (travel plus waiting for the
        # window), not by distance alone: a near parcel due in the afternoon would
        # otherwise keep a morning volunteer waiting.
        now_s = _departure_after(volunteer, prefix + _visits(problem, [*trips, trip]), matrix)
        ranked = []
        for p in pool:
            parcel = problem.parcels[p]
            start_s = now_s + matrix[last][parcel.delivery]
            if parcel.window is not None:
                if start_s > parcel.window.end_s:
                    continue
                start_s = max(start_s, parcel.window.start_s)
            ranked.append((start_s, p))
        ranked.sort()
        for _, p in ranked[:12]:  # the first few are enough and keep this fast
            trip.parcels.append(p)
            if _fits(problem, volunteer, prefix, [*trips, trip], matrix):
                pool.remove(p)
                last = problem.parcels[p].delivery
                break
            trip.parcels.pop()
        else:
            break
    return trip if trip.parcels else None


def _departure_after(volunteer: Volunteer, visits: Sequence[Visit], matrix: Matrix) -> int:
    """When the volunteer leaves the last of ``visits`` at the earliest (shift start if none)."""
    time_s = volunteer.shift.start_s
    here = volunteer.start
    for visit in visits:
        time_s += matrix[here][visit.location]
        if visit.window is not None:
            time_s = max(time_s, visit.window.start_s)
        time_s += visit.service_s
        here = visit.location
    return time_s
