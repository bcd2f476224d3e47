"""A fast first plan for large problems, built in trips from the pickup points.

OR-Tools' insertion heuristics try every pair of positions for every parcel on every
route; with 300 parcels that takes longer than the whole planning budget. Village
parcels wait at a few pickup points close to each other, so a volunteer's day is
naturally a series of trips: collect a batch at one or more pickup points, deliver
it nearest-first, and repeat. This module builds such trips greedily in linear-ish
time; the search then improves them. Parcels without a pickup stop are left for the
search to insert.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .problem import Matrix, Problem, TravelMode, Volunteer
from .reasons import Visit, earliest_end_and_duration, parcel_visits

Stop = tuple[int, bool]  # (parcel index, is_pickup)


@dataclass
class _Trip:
    """Parcels collected together (at one or more pickup points), delivered in this order."""

    parcels: list[int]


def build_trips(
    problem: Problem,
    matrices: Mapping[TravelMode, Matrix],
    allowed: Mapping[int, Sequence[int]],
    prefixes: Sequence[Sequence[Stop]] | None = None,
    *,
    until: float | None = None,
) -> list[list[Stop]]:
    """Greedy trips per volunteer, as ``(parcel index, is_pickup)`` stops in order.

    ``prefixes`` are routes to keep (a previous plan): new trips are appended after
    their last stop, and their parcels are not planned again. Volunteers who already
    have a route are extended first.

    Then volunteers with the largest vehicles go first, fixed shifts before flexible
    ones (see ``_order_key``). A trip grows by the waiting parcel whose handover
    could start soonest (from any pickup point: a point not yet on the trip counts
    with its detour) while the trip still fits the capacity, every window, the shift
    and the maximum duration; its deliveries are then untangled (``_two_opt``).
    Then the smallest new days (of volunteers without a kept route) are emptied into
    the other volunteers' trips while every parcel still fits, until ``until``
    (``time.monotonic()``; no limit if ``None``): the trips are complete before that,
    emptying days only makes them fewer.
    """
    return _TripBuilder(problem, matrices, allowed).build(prefixes, until)


def day_figures(
    problem: Problem, matrices: Mapping[TravelMode, Matrix], days: Sequence[Sequence[Stop]]
) -> list[tuple[int, int] | None]:
    """Per volunteer: ``(travel_s, shortest duration_s)`` of their day, ``None`` if idle.

    A day that breaks a window, the shift or a limit counts as idle (it never does when
    it comes from ``build_trips``).
    """
    builder = _TripBuilder(problem, matrices, {})
    figures: list[tuple[int, int] | None] = []
    for volunteer, day in zip(problem.volunteers, days, strict=True):
        if not day:
            figures.append(None)
            continue
        matrix = matrices[volunteer.mode]
        visits = builder.visits(day)
        timing = earliest_end_and_duration(volunteer, visits, matrix)
        if timing is None:
            figures.append(None)
            continue
        here, travel_s = volunteer.start, 0
        for visit in visits:
            travel_s += matrix[here][visit.location]
            here = visit.location
        figures.append((travel_s + matrix[here][volunteer.end], timing[1]))
    return figures


def _order_key(volunteer: Volunteer, v: int) -> tuple[int, int, int, int]:
    """Sort key: large vehicles first; among them, fixed shifts before flexible ones.

    A volunteer whose shift leaves no choice of when to work (a morning, an
    afternoon) goes before one who may work any four hours of a long day: the
    flexible days then fill what the fixed ones leave. Then the most time first.
    Village day: 7 volunteers and 36 000 s of travel in the first plan with the most
    time first, 6 and 25 000 s this way.
    """
    shift_s = volunteer.shift.end_s - volunteer.shift.start_s
    available_s = shift_s
    if volunteer.max_duration_s is not None:
        available_s = min(available_s, volunteer.max_duration_s)
    return (-volunteer.capacity_units, shift_s - available_s, -available_s, v)


class _TripBuilder:
    """One problem's trips; every parcel's two visits are built once."""

    def __init__(
        self,
        problem: Problem,
        matrices: Mapping[TravelMode, Matrix],
        allowed: Mapping[int, Sequence[int]],
    ) -> None:
        self.problem = problem
        self.parcels = problem.parcels
        self.matrices = matrices
        self.allowed = allowed
        # A parcel's visits: its pickup (if still to do, else None) and its delivery.
        self.pickup_visit: list[Visit | None] = []
        self.delivery_visit: list[Visit] = []
        for parcel in problem.parcels:
            *pickup, delivery = parcel_visits(parcel)
            self.pickup_visit.append(pickup[0] if pickup else None)
            self.delivery_visit.append(delivery)
        self._delivery_ids = {id(visit) for visit in self.delivery_visit}
        self._visits_memo: dict[tuple[TravelMode, int, tuple[int, ...]], list[Visit]] = {}

    def build(
        self, prefixes: Sequence[Sequence[Stop]] | None, until: float | None = None
    ) -> list[list[Stop]]:
        problem = self.problem
        kept = [list(route) for route in prefixes] if prefixes else [[] for _ in problem.volunteers]
        planned = {p for route in kept for p, _ in route}
        waiting = {
            p
            for p in self.allowed
            if p not in planned
            and self.parcels[p].pickup is not None
            and self.parcels[p].picked_up_by is None
        }
        order = sorted(
            range(len(problem.volunteers)),
            key=lambda v: (not kept[v], _order_key(problem.volunteers[v], v)),
        )
        built: dict[int, list[_Trip]] = {}
        prefix_of: dict[int, list[Visit]] = {}
        for v in order:
            trips: list[_Trip] = []
            prefix = prefix_of[v] = self.visits(kept[v])
            while True:
                trip = self._grow_trip(v, prefix, trips, waiting)
                if trip is None:
                    break
                trips.append(trip)
                waiting -= set(trip.parcels)
            built[v] = trips
        # Kept routes stay; only days of volunteers who had none may be emptied.
        self._eliminate(built, prefix_of, {v for v in built if not kept[v]}, until)
        for v, trips in built.items():
            volunteer = problem.volunteers[v]
            here = _position(volunteer, self.visits(kept[v][-1:]))
            kept[v].extend(self._day_stops(trips, self.matrices[volunteer.mode], here))
        return kept

    # -- stops and visits ----------------------------------------------------

    def visits(self, stops: Sequence[Stop]) -> list[Visit]:
        visits = []
        for p, is_pickup in stops:
            visit = self.pickup_visit[p] if is_pickup else self.delivery_visit[p]
            assert visit is not None
            visits.append(visit)
        return visits

    def _pickup(self, p: int) -> int:
        point = self.parcels[p].pickup
        assert point is not None
        return point

    def _trip_stops(self, trip: _Trip, matrix: Matrix, here: int) -> list[Stop]:
        """The trip's stops: its pickup points nearest-first from ``here``, then deliveries."""
        waiting: dict[int, list[int]] = {}
        for p in trip.parcels:
            waiting.setdefault(self._pickup(p), []).append(p)
        stops: list[Stop] = []
        while waiting:
            point = min(waiting, key=lambda q: (matrix[here][q], q))
            stops.extend((p, True) for p in waiting.pop(point))
            here = point
        stops.extend((p, False) for p in trip.parcels)
        return stops

    def _day_stops(self, trips: Sequence[_Trip], matrix: Matrix, here: int) -> list[Stop]:
        """The stops of ``trips`` in order, for a volunteer who starts them at ``here``."""
        stops: list[Stop] = []
        for trip in trips:
            if trip.parcels:
                stops.extend(self._trip_stops(trip, matrix, here))
                here = self.parcels[trip.parcels[-1]].delivery
        return stops

    def _day_visits(
        self, volunteer: Volunteer, prefix: list[Visit], trips: Sequence[_Trip]
    ) -> list[Visit]:
        here = _position(volunteer, prefix)
        visits = list(prefix)
        for trip in trips:
            if trip.parcels:
                visits += self._trip_visits(trip, volunteer.mode, here)
                here = self.parcels[trip.parcels[-1]].delivery
        return visits

    def _trip_visits(self, trip: _Trip, mode: TravelMode, here: int) -> list[Visit]:
        """The visits of ``_trip_stops``, remembered: emptying a day tries every trip of
        every other volunteer for each parcel, and most trips stay as they were."""
        key = (mode, here, tuple(trip.parcels))
        visits = self._visits_memo.get(key)
        if visits is None:
            if len(self._visits_memo) > 100_000:
                self._visits_memo.clear()
            visits = self.visits(self._trip_stops(trip, self.matrices[mode], here))
            self._visits_memo[key] = visits
        return visits

    def _fits(self, volunteer: Volunteer, prefix: list[Visit], trips: Sequence[_Trip]) -> bool:
        if volunteer.max_stops is not None:
            doors = sum(len(trip.parcels) for trip in trips) + self._prefix_doors(prefix)
            if doors > volunteer.max_stops:
                return False
        if any(
            sum(self.parcels[p].size_units for p in trip.parcels) > volunteer.capacity_units
            for trip in trips
        ):
            return False
        visits = self._day_visits(volunteer, prefix, trips)
        matrix = self.matrices[volunteer.mode]
        return earliest_end_and_duration(volunteer, visits, matrix) is not None

    def _fits_after(
        self, volunteer: Volunteer, done: list[Visit], doors_done: int, trip: _Trip
    ) -> bool:
        """``_fits`` for a day of ``done`` visits (kept route and earlier trips, which
        fit already) and ``trip`` after them: the earlier trips' stops are not built
        again for every parcel tried (a quarter of the first plan's time at 250 parcels).
        """
        if volunteer.max_stops is not None and doors_done + len(trip.parcels) > (
            volunteer.max_stops
        ):
            return False
        if sum(self.parcels[p].size_units for p in trip.parcels) > volunteer.capacity_units:
            return False
        matrix = self.matrices[volunteer.mode]
        here = _position(volunteer, done)
        visits = done + self._trip_visits(trip, volunteer.mode, here) if trip.parcels else done
        return earliest_end_and_duration(volunteer, visits, matrix) is not None

    def _done(
        self, volunteer: Volunteer, prefix: list[Visit], trips: Sequence[_Trip]
    ) -> tuple[list[Visit], int]:
        """The visits of a kept route and earlier trips, and how many doors they have."""
        doors = sum(len(trip.parcels) for trip in trips) + self._prefix_doors(prefix)
        return self._day_visits(volunteer, prefix, trips), doors

    def _prefix_doors(self, prefix: list[Visit]) -> int:
        """How many of a kept route's visits are deliveries (doors)."""
        return sum(1 for visit in prefix if id(visit) in self._delivery_ids)

    # -- building ------------------------------------------------------------

    def _grow_trip(
        self, v: int, prefix: list[Visit], trips: list[_Trip], waiting: set[int]
    ) -> _Trip | None:
        volunteer = self.problem.volunteers[v]
        matrix = self.matrices[volunteer.mode]
        trip = _Trip([])
        done, doors_done = self._done(volunteer, prefix, trips)
        start = here = _position(volunteer, done)
        points: set[int] = set()
        pool = sorted(p for p in waiting if v in self.allowed[p])
        while pool:
            # Rank by when the handover could start (travel plus waiting for the
            # window), not by distance alone: a near parcel due in the afternoon would
            # otherwise keep a morning volunteer waiting.
            so_far = self._trip_visits(trip, volunteer.mode, start) if trip.parcels else []
            now_s = _departure_after(volunteer, done + so_far, matrix)
            ranked = []
            for p in pool:
                parcel = self.parcels[p]
                point = self._pickup(p)
                if not points:
                    start_s = now_s + matrix[here][point] + matrix[point][parcel.delivery]
                else:
                    start_s = now_s + matrix[here][parcel.delivery]
                    if point not in points:
                        start_s += 2 * min(matrix[q][point] for q in points)
                if parcel.window is not None:
                    if start_s > parcel.window.end_s:
                        continue
                    start_s = max(start_s, parcel.window.start_s)
                ranked.append((start_s, p))
            ranked.sort()
            for _, p in ranked[:12]:  # the first few are enough and keep this fast
                trip.parcels.append(p)
                if self._fits_after(volunteer, done, doors_done, trip):
                    pool.remove(p)
                    here = self.parcels[p].delivery
                    points.add(self._pickup(p))
                    break
                trip.parcels.pop()
            else:
                break
        if not trip.parcels:
            return None
        self._two_opt(volunteer, done, doors_done, trip)
        return trip

    def _two_opt(
        self, volunteer: Volunteer, done: list[Visit], doors_done: int, trip: _Trip
    ) -> None:
        """Shorten the trip's deliveries by reversing stretches of them while it still fits.

        The trip grew greedily, one nearest handover after the other; untangling the
        crossings this leaves frees time for more trips. Village day, first plan:
        31 400 s of travel without it, 24 900 s with it.
        """
        matrix = self.matrices[volunteer.mode]
        here = _position(volunteer, done)
        last_pickup = self._trip_stops(trip, matrix, here)[len(trip.parcels) - 1][0]
        # The trip leaves from its last pickup point and the next one starts near it
        # (the points lie close together): both ends of the deliveries are that point.
        point = self._pickup(last_pickup)
        path = [point, *(self.parcels[p].delivery for p in trip.parcels), point]
        improved = True
        while improved:
            improved = False
            for i in range(1, len(path) - 2):
                for j in range(i + 1, len(path) - 1):
                    a, b, c, d = path[i - 1], path[i], path[j], path[j + 1]
                    if matrix[a][c] + matrix[b][d] >= matrix[a][b] + matrix[c][d]:
                        continue
                    trip.parcels[i - 1 : j] = reversed(trip.parcels[i - 1 : j])
                    if self._fits_after(volunteer, done, doors_done, trip):
                        path[i : j + 1] = reversed(path[i : j + 1])
                        improved = True
                    else:
                        trip.parcels[i - 1 : j] = reversed(trip.parcels[i - 1 : j])

    # -- fewer volunteers ----------------------------------------------------

    def _eliminate(
        self,
        built: dict[int, list[_Trip]],
        prefix_of: dict[int, list[Visit]],
        victims: set[int],
        until: float | None = None,
    ) -> None:
        """Empty the smallest days of ``victims`` into the others' trips while that succeeds.

        Re-plans empty only the days of volunteers who had no route: measured on the
        village day, re-planning after each of the six volunteers of the 5 s plan
        declines in turn (1 s each), 43 volunteers and 198 370 s of travel in all
        against 48 and 197 917 s when re-plans emptied no day.
        """
        failed: set[int] = set()
        while until is None or time.monotonic() < until:
            working = [v for v, trips in built.items() if trips or prefix_of[v]]
            candidates = [v for v in working if v in victims and built[v] and v not in failed]
            if not candidates or len(working) <= 1:
                return
            victim = min(candidates, key=lambda v: (sum(len(t.parcels) for t in built[v]), v))
            others = {v: [_Trip(list(t.parcels)) for t in built[v]] for v in working if v != victim}
            if all(self._insert(others, prefix_of, p) for t in built[victim] for p in t.parcels):
                built[victim] = []
                built.update(others)
            else:
                failed.add(victim)

    def _insert(
        self, routes: dict[int, list[_Trip]], prefix_of: dict[int, list[Visit]], p: int
    ) -> bool:
        """Put parcel ``p`` into the first trip (or new trip) where it fits; ``False`` if none.

        Within a trip only the places beside its delivery nearest to ``p``'s and the
        end are tried: trying every place made emptying a day several times slower.
        """
        delivery = self.parcels[p].delivery
        for v, trips in routes.items():
            if v not in self.allowed[p]:
                continue
            volunteer = self.problem.volunteers[v]
            matrix = self.matrices[volunteer.mode]
            for trip in trips:
                nearest = min(
                    range(len(trip.parcels)),
                    key=lambda k: matrix[self.parcels[trip.parcels[k]].delivery][delivery],
                )
                for k in sorted({nearest, nearest + 1, len(trip.parcels)}):
                    trip.parcels.insert(k, p)
                    if self._fits(volunteer, prefix_of[v], trips):
                        return True
                    del trip.parcels[k]
            for k in range(len(trips) + 1):
                trips.insert(k, _Trip([p]))
                if self._fits(volunteer, prefix_of[v], trips):
                    return True
                del trips[k]
        return False


def _position(volunteer: Volunteer, visits: Sequence[Visit]) -> int:
    """Where the volunteer is after ``visits`` (at the start of the shift if none)."""
    return visits[-1].location if visits else volunteer.start


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
