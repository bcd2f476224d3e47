"""The OR-Tools model: pickup and delivery with time windows, capacities and shifts.

Objective, in strict order of importance, each level outweighing everything below:

1. serve as many parcels as possible (dropping a parcel costs more than any fleet),
2. use as few volunteers as possible (a fixed cost per used volunteer that is larger
   than any total of travel times the plan could have),
3. travel as little as possible (sum of travel seconds).

With ``Policy.SPREAD`` level 2 changes: the work is shared out (see ``_spread``), and
each round's duration above the share costs more than the travel it could save.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from ortools.constraint_solver import (
    pywrapcp,
    routing_enums_pb2,
    routing_heuristic_parameters_pb2,
    routing_ils_pb2,
)
from ortools.util import optional_boolean_pb2

from .budget import TimeLimitTooShort, minimum_time_limit_s, part_count
from .cluster import Part, global_routes, split_day, subproblem
from .construct import build_trips, day_figures
from .matrix import UNREACHABLE_S, GeodesicProvider, TravelTimeProvider
from .problem import Matrix, Policy, Problem, Settings, TimeWindow, TravelMode
from .reasons import (
    capable_volunteers,
    earliest_end_and_duration,
    no_capacity_left,
    parcel_visits,
)
from .solution import Plan, Route, Stop, StopKind, Timing, Unassigned, UnassignedReason
from .validation import InvalidProblem, check_matrix, validate

logger = logging.getLogger(__name__)

#: Share of the time limit for ruin and recreate; the rest goes to one attempt
#: with one volunteer fewer. Measured on LR1 and LRC1 at 10 s (vehicles, mean gap to
#: the BKS): 0.5 with two more attempts and a polish 248 / 3.8 %, 0.7: 249 / 3.5 %,
#: 0.85: 244 / 1.8 %, all of it: 248 / 2.9 %. Checked again with idle twins trimmed
#: (16 hardest Li & Lim): 0.7, 0.85 and 0.95 within run-to-run noise of each other.
_SEARCH_SHARE = 0.85

#: Idle twins (interchangeable volunteers) kept for ruin and recreate beyond those a
#: first plan uses; see ``_search_fleet``.
#: Measured on the 16 hardest Li & Lim instances at 10 s: 1 spare 164 and 166 vehicles,
#: gap sum 3.5 and 7.5 %; 2 spares 165 / 5.8 %; all 25 kept 165-167 / 11.9-13.0 %.
_SPARE_TWINS = 1

#: Above this many stops, the first plan is built by ``construct.build_trips``.
_LARGE_PROBLEM_STOPS = 250

_SLOW_OPERATORS = (
    "use_exchange_pair",
    "use_exchange_subtrip",
    "use_cross",
    "use_lin_kernighan",
    "use_relocate_expensive_chain",
    "use_make_chain_inactive",
    "use_shortest_path_swap_active",
    "use_swap_active_chain",
    "use_shortest_path_two_opt",
    "use_global_cheapest_insertion_path_lns",
)

#: Moving a pair or a subtrip tries every pair of positions on every route: with
#: routes of a hundred stops one descent takes seconds. Measured on the village
#: scenario (300 parcels, 5 s): 11 % less travel without them.
_SLOW_ON_LONG_ROUTES = ("use_relocate_subtrip", "use_exchange_subtrip", "use_relocate_pair")


_PAIR_AT_ONCE = (
    routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters.BEST_PICKUP_DELIVERY_PAIR
)
_RANDOM_ORDER = (
    routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters.SORTING_PROPERTY_RANDOM
)


@dataclass(frozen=True, slots=True)
class _Node:
    """A node of the routing model: a volunteer's start or end, or a parcel's stop."""

    location: int
    service_s: int
    window: TimeWindow | None
    demand_units: int
    parcel: int | None = None  # index into Problem.parcels
    kind: StopKind | None = None


class _Clock:
    """One solve's deadline and where its time went (see ``Timing``)."""

    def __init__(self, limit_s: float, started_s: float | None) -> None:
        now = time.monotonic()
        self.limit_s = limit_s
        self.started = now if started_s is None else min(started_s, now)
        # Reading the plan back after the search takes a moment: keep it inside the limit.
        margin_s = min(0.2 * limit_s, 0.5)
        self.deadline = self.started + limit_s - margin_s
        self.phases: dict[str, float] = {}
        self.search_budget_s = 0.0
        self.parts = 1
        self._mark = self.started
        if now > self.started:
            self.lap("before")

    def lap(self, phase: str) -> None:
        """Count the time since the last lap as ``phase``."""
        now = time.monotonic()
        self.phases[phase] = self.phases.get(phase, 0.0) + (now - self._mark)
        self._mark = now

    def search_until(self, until: float) -> None:
        """A search starts now and may run until ``until``."""
        self.lap("model")
        self.search_budget_s += max(until - time.monotonic(), 0.0)

    def timing(self) -> Timing:
        return Timing(
            limit_s=self.limit_s,
            elapsed_s=round(time.monotonic() - self.started, 4),
            phases_s={phase: round(seconds, 4) for phase, seconds in self.phases.items()},
            search_budget_s=round(self.search_budget_s, 4),
            clusters=self.parts,
        )


def solve(
    problem: Problem,
    settings: Settings | None = None,
    *,
    provider: TravelTimeProvider | None = None,
    previous: Plan | None = None,
    started_s: float | None = None,
) -> Plan:
    """Plan routes for ``problem``; raise ``InvalidProblem`` if it is malformed.

    Travel times come from ``problem.travel_times_s`` and, for modes missing there,
    from ``provider`` (``GeodesicProvider()`` by default). ``previous`` is a plan to
    start from (a warm start): its routes are kept as far as they are still
    feasible, then improved. Parcels with ``picked_up_by`` stay on that volunteer's
    route whatever ``previous`` says.

    The time limit covers everything: computing the matrices, first plans, building
    the models and the search; ``started_s`` (``time.monotonic()``) makes it count
    from earlier, so that work the caller did first (an OSRM request) counts too.
    A limit shorter than ``minimum_time_limit_s(problem)`` raises
    ``TimeLimitTooShort`` before any work is done. ``plan.timing`` tells where the
    time went.

    Without a warm start and without a solution limit, most of the time goes to
    ruin and recreate (string removals, simulated annealing) over the volunteers a
    first plan needs plus one idle twin of each group of interchangeable ones; the
    rest to one attempt at emptying the smallest route into the others with one
    volunteer fewer. Large problems start from trips built from the pickup points
    instead. Days of more than ``budget.SPLIT_ABOVE_PARCELS`` parcels are split into
    parts by area, each planned with its own volunteers in its share of the time
    (``cluster.split_day``).
    """
    settings = settings or Settings()
    clock = _Clock(settings.time_limit_s, started_s)
    validate(problem)
    needed_s = minimum_time_limit_s(problem)
    if settings.time_limit_s < needed_s:
        raise TimeLimitTooShort(needed_s, settings.time_limit_s)
    parts = part_count(len(problem.parcels))
    if parts > 1 and problem.volunteers:
        plan = _solve_split(problem, settings, provider, previous, clock, parts)
    else:
        matrices = _matrices(problem, provider)
        clock.lap("matrix")
        plan = _solve_whole(problem, settings, _as_lists(matrices), previous, clock)
    clock.lap("plan")
    return replace(plan, timing=clock.timing())


def _as_lists(matrices: Mapping[TravelMode, Any]) -> dict[TravelMode, Matrix]:
    """Matrices as lists of lists: the trip builder and the checks index them in Python."""
    return {
        mode: matrix.tolist() if hasattr(matrix, "tolist") else matrix
        for mode, matrix in matrices.items()
    }


def _solve_whole(
    problem: Problem,
    settings: Settings,
    matrices: Mapping[TravelMode, Matrix],
    previous: Plan | None,
    clock: _Clock,
) -> Plan:
    """Plan ``problem`` as one model, searching until ``clock.deadline``."""
    deadline = clock.deadline
    screen = _Screen(problem, matrices, clock)
    clock.lap("screen")
    if previous is not None:
        model = _Model(problem, settings, matrices, screen)
        routes = model.routes_from_plan(previous)
        if screen.stop_count > _LARGE_PROBLEM_STOPS:
            # Give the parcels of a declined route new trips at once; inserting
            # a hundred stops one by one would take the search several seconds.
            trips = build_trips(
                problem, matrices, screen.allowed, model.stops_of(routes), until=deadline
            )
            clock.lap("construction")
            if time.monotonic() + _model_cost_s(screen.stop_count) >= deadline:
                return _plan_from_trips(problem, matrices, screen, trips)
            model, routes = _trips_model(problem, settings, matrices, screen, trips)
        model.improve(routes, deadline)
        return model.plan()
    if settings.policy is Policy.SPREAD:
        return _spread(problem, settings, matrices, screen, deadline).plan()
    deterministic = settings.first_solution_only or settings.solution_limit is not None
    large = screen.stop_count > _LARGE_PROBLEM_STOPS
    budget_s = max(deadline - time.monotonic(), 0.0)
    # On large problems, building a model per route-removal attempt costs more than
    # it brings: the whole budget goes to improving the first plan.
    one_phase = deterministic or large
    first_phase_ends = deadline if one_phase else time.monotonic() + _SEARCH_SHARE * budget_s
    if large:
        # OR-Tools' own first solution takes far longer than the budget here. Emptying
        # the smallest trips into others may take at most half of the time left.
        trips = build_trips(
            problem, matrices, screen.allowed, until=time.monotonic() + budget_s / 2
        )
        clock.lap("construction")
        if time.monotonic() + _model_cost_s(screen.stop_count) >= first_phase_ends:
            # No time left for a model and a search: the trips are the plan.
            return _plan_from_trips(problem, matrices, screen, trips)
        model, routes = _trips_model(problem, settings, matrices, screen, trips)
        model.improve(routes, first_phase_ends)
    else:
        fleet = (
            None
            if settings.first_solution_only
            else _search_fleet(problem, settings, matrices, screen, first_phase_ends)
        )
        model = _Model(problem, settings, matrices, screen, fleet=fleet)
        model.iterated_local_search(first_phase_ends)
    if one_phase:
        return model.plan()
    # A model searches once (OR-Tools keeps the used-up time limit): the attempt
    # with one volunteer fewer builds its own.
    return _with_one_volunteer_fewer(model, deadline).plan()


def _model_cost_s(stops: int) -> float:
    """Roughly what building a model of ``stops`` stops and reading a plan back costs.

    Measured on the village generator's parts (500 stops, a handful of volunteers):
    0.1 s with the machine to itself, 0.3-0.5 s at a load of 17-23 on its 2 cores.
    """
    return 0.05 + 4e-4 * stops


def _plan_from_trips(
    problem: Problem,
    matrices: Mapping[TravelMode, Matrix],
    screen: _Screen,
    trips: list[list[tuple[int, bool]]],
) -> Plan:
    """The trip builder's days as a plan, scheduled here without OR-Tools.

    For a part of a large day that has no time left for a model and a search (a busy
    machine): every route leaves as late as its windows allow, as the solver's plans do.
    """
    routes: list[Route] = []
    served: set[int] = set()
    for v, day in enumerate(trips):
        if not day:
            continue
        volunteer = problem.volunteers[v]
        matrix = matrices[volunteer.mode]
        visits = []
        for p, is_pickup in day:
            both = parcel_visits(problem.parcels[p])
            visits.append(both[0] if is_pickup else both[-1])
        timing = earliest_end_and_duration(volunteer, visits, matrix)
        if timing is None:  # pragma: no cover - the builder only makes days that fit
            continue
        end_s, duration_s = timing
        start_s = end_s - duration_s
        on_board = {p for p, _ in day} - {p for p, is_pickup in day if is_pickup}
        load = sum(problem.parcels[p].size_units for p in on_board)
        here, time_s, travel_s = volunteer.start, start_s, 0
        stops: list[Stop] = []
        for (p, is_pickup), visit in zip(day, visits, strict=True):
            parcel = problem.parcels[p]
            leg_s = matrix[here][visit.location]
            travel_s += leg_s
            arrival_s = time_s + leg_s
            service_start_s = arrival_s
            if visit.window is not None:
                service_start_s = max(service_start_s, visit.window.start_s)
            load += parcel.size_units if is_pickup else -parcel.size_units
            time_s = service_start_s + visit.service_s
            stops.append(
                Stop(
                    kind=StopKind.PICKUP if is_pickup else StopKind.DELIVERY,
                    parcel_id=parcel.id,
                    location=visit.location,
                    arrival_s=arrival_s,
                    service_start_s=service_start_s,
                    departure_s=time_s,
                    load_units=load,
                )
            )
            served.add(p)
            here = visit.location
        travel_s += matrix[here][volunteer.end]
        routes.append(Route(volunteer.id, tuple(stops), start_s, end_s, travel_s))
    unassigned = [
        screen.unassigned.get(p) or no_capacity_left(parcel)
        for p, parcel in enumerate(problem.parcels)
        if p not in served
    ]
    return Plan(tuple(routes), tuple(unassigned), sum(route.travel_s for route in routes))


#: Share of a split day's time kept for giving the parcels no part could serve to the
#: volunteers no part used.
_REPAIR_SHARE = 0.1


class _PartMatrices:
    """Travel times for the parts of a split day.

    Given matrices are cut to each part's places. Modes to compute come from the
    provider per part when it can (``travel_times_arrays``): each part's distances
    only (an eighth of the day's cells at 2,000 parcels), or cut from the day's when
    they are cached (a re-plan); no square matrix of the whole day exists for any mode.
    Other providers give the whole day's.
    """

    def __init__(self, problem: Problem, provider: TravelTimeProvider | None) -> None:
        self.source = provider or GeodesicProvider()
        used = {v.mode for v in problem.volunteers}
        self.arrays: dict[TravelMode, Any] = {
            mode: np.asarray(matrix)
            for mode, matrix in problem.travel_times_s.items()
            if mode in used
        }
        self.missing = sorted(used - set(self.arrays))
        self.per_part = bool(self.missing) and hasattr(self.source, "travel_times_arrays")
        if not self.per_part:
            for mode, matrix in _matrices(problem, self.source).items():
                self.arrays.setdefault(mode, np.asarray(matrix))
            self.missing = []

    def part(self, problem: Problem, part: Part) -> tuple[Problem, list[int]]:
        """``part`` as a problem of its own with its matrices (``cluster.subproblem``)."""
        sub, places = subproblem(problem, part, self.arrays)
        modes = {v.mode for v in sub.volunteers}
        wanted = [mode for mode in self.missing if mode in modes]
        computed: dict[TravelMode, Any] = (
            self.source.travel_times_arrays(sub.locations, wanted)  # type: ignore[attr-defined]
            if wanted
            else {}
        )
        for mode, matrix in computed.items():
            check_matrix(mode, matrix, len(sub.locations))
        if computed:
            sub = replace(sub, travel_times_s={**sub.travel_times_s, **computed})
        return sub, places


def _solve_split(
    problem: Problem,
    settings: Settings,
    provider: TravelTimeProvider | None,
    previous: Plan | None,
    clock: _Clock,
    parts_wanted: int,
) -> Plan:
    """Plan a large day in parts (``cluster.split_day``), each in its share of the time.

    Each part gets the time left in proportion to its parcels, so a part that took
    longer shortens only the parts after it; once a part left parcels out, a tenth of
    the time is kept back. Then the parcels no part could serve go, with the volunteers
    no part used, into one more part (the repair), if there are both. Only one part's
    model exists at a time.
    """
    matrices = _PartMatrices(problem, provider)
    clock.lap("matrix")
    parts = split_day(problem, parts_wanted, previous)
    clock.parts = len(parts)
    clock.lap("clusters")
    final_deadline = clock.deadline
    repair_s = _REPAIR_SHARE * max(final_deadline - time.monotonic(), 0.0)
    routes: dict[int, Route] = {}
    unassigned: dict[int, Unassigned] = {}
    parcel_index = {parcel.id: p for p, parcel in enumerate(problem.parcels)}
    left = sum(len(part.parcels) for part in parts)
    try:
        for part in sorted(parts, key=lambda part: -len(part.parcels)):
            now = time.monotonic()
            share = len(part.parcels) / left if left else 0.0
            left -= len(part.parcels)
            # Time is kept for the repair only once a part left parcels out.
            reserve_s = repair_s if unassigned else 0.0
            clock.deadline = now + max(final_deadline - reserve_s - now, 0.0) * share
            _solve_part(problem, settings, matrices, previous, clock, part, routes, unassigned)
        # The repair: what no part could serve, with whoever no part used.
        idle = [v for v in range(len(problem.volunteers)) if v not in routes]
        retry = [
            parcel_index[item.parcel_id]
            for item in unassigned.values()
            if item.reason is not UnassignedReason.CARRIER_TOO_LATE
        ]
        clock.deadline = final_deadline
        if idle and retry and time.monotonic() < final_deadline:
            for p in retry:
                del unassigned[p]
            repair = Part(sorted(retry), idle)
            _solve_part(problem, settings, matrices, previous, clock, repair, routes, unassigned)
    finally:
        clock.deadline = final_deadline
    # A part's reason names its own volunteers: say why against the whole day.
    everyone = list(range(len(problem.volunteers)))
    for p, item in list(unassigned.items()):
        if item.reason is not UnassignedReason.NO_CAPACITY_LEFT:
            alone, _ = matrices.part(problem, Part([p], everyone))
            _, reason = capable_volunteers(
                alone.parcels[0], alone.volunteers, _as_lists(alone.travel_times_s)
            )
            unassigned[p] = reason if reason is not None else no_capacity_left(problem.parcels[p])
    ordered = [routes[v] for v in sorted(routes)]
    return Plan(
        tuple(ordered),
        tuple(unassigned[p] for p in sorted(unassigned)),
        sum(route.travel_s for route in ordered),
    )


def _solve_part(
    problem: Problem,
    settings: Settings,
    matrices: _PartMatrices,
    previous: Plan | None,
    clock: _Clock,
    part: Part,
    routes: dict[int, Route],
    unassigned: dict[int, Unassigned],
) -> None:
    """Plan ``part`` until ``clock.deadline``; add its routes and unassigned parcels."""
    if not part.parcels:
        return
    if not part.volunteers:
        for p in part.parcels:
            unassigned[p] = Unassigned(
                problem.parcels[p].id,
                UnassignedReason.OUT_OF_REACH,
                "no volunteer is planned for this area",
            )
        return
    sub, places = matrices.part(problem, part)
    clock.lap("matrix")
    plan = _solve_whole(sub, settings, _as_lists(sub.travel_times_s), previous, clock)
    for route in global_routes(plan, places):
        routes[part.volunteers[_volunteer_position(sub, route.volunteer_id)]] = route
    position = {parcel.id: k for k, parcel in enumerate(sub.parcels)}
    for item in plan.unassigned:
        unassigned[part.parcels[position[item.parcel_id]]] = item


def _volunteer_position(problem: Problem, volunteer_id: str) -> int:
    for v, volunteer in enumerate(problem.volunteers):
        if volunteer.id == volunteer_id:
            return v
    raise KeyError(volunteer_id)  # pragma: no cover - routes name the problem's volunteers


#: Spreading: the cost of one second of a round above its share, in travel seconds.
_SPREAD_OVERTIME_COST = 2
#: Share of the time limit the search for the number of volunteers may take at most.
_SPREAD_SEARCH_SHARE = 0.4


def _spread(
    problem: Problem,
    settings: Settings,
    matrices: Mapping[TravelMode, Matrix],
    screen: _Screen,
    deadline: float,
) -> _Model:
    """Share the day out among as many volunteers as a little more travel allows.

    Trips with as few volunteers as possible (``build_trips``, k volunteers) give the
    day's work W (the sum of the rounds' durations) and its travel. Then trips are built
    again for n = k + 1, k + 2, … volunteers with every round capped at W / n, as long
    as they still serve every parcel the first trips served and travel at most
    ``spread_travel_allowance`` more (slower vehicles and more ways from home to the
    pickup points cost travel time). Capping keeps the greedy builder fast and makes
    the rounds even: each is filled to about the cap. Guided local search then improves
    the trips kept, with every second of a round above the share (W / n, or the mean
    round W / k when no n passed) costing more than a second of travel it could save;
    the volunteers' own limits stay hard.
    """
    budget_s = max(deadline - time.monotonic(), 0.0)
    search_ends = time.monotonic() + _SPREAD_SEARCH_SHARE * budget_s

    def figures(trips: list[list[tuple[int, bool]]]) -> tuple[int, int, int, int]:
        days = [f for f in day_figures(problem, matrices, trips) if f is not None]
        served = sum(1 for trip in trips for _, is_pickup in trip if not is_pickup)
        return served, sum(t for t, _ in days), sum(d for _, d in days), len(days)

    best = build_trips(problem, matrices, screen.allowed, until=search_ends)
    screen.clock.lap("construction")
    served, travel_s, work_s, used = figures(best)
    share_s = -(-work_s // max(used, 1))
    able = len({v for vs in screen.allowed.values() for v in vs})
    for n in range(used + 1, able + 1):
        if time.monotonic() >= search_ends:
            break
        cap_s = -(-work_s // n)
        capped = Problem(
            problem.locations,
            tuple(
                replace(v, max_duration_s=min(cap_s, v.max_duration_s or cap_s))
                for v in problem.volunteers
            ),
            problem.parcels,
            problem.travel_times_s,
        )
        trips = build_trips(capped, matrices, screen.allowed, until=search_ends)
        n_served, n_travel_s, _, _ = figures(trips)
        if n_served < served or n_travel_s > travel_s * (1 + settings.spread_travel_allowance):
            break
        best, share_s = trips, cap_s
    logger.debug("spread: share %s s", share_s)
    screen.clock.lap("construction")
    model = _Model(
        problem, settings, matrices, screen, fleet=_drivers(best, screen), span_target_s=share_s
    )
    model.improve(model.routes_from_stops([best[v] for v in model.fleet]), deadline)
    return model


def _matrices(problem: Problem, provider: TravelTimeProvider | None) -> dict[TravelMode, Any]:
    """The matrices of the modes the volunteers use (no others), given or computed.

    A provider with ``travel_times_array`` (``GeodesicProvider``) gives int32 NumPy
    matrices: 2,000 places take 16 MB per mode instead of ~150 MB of Python lists.
    """
    used = {v.mode for v in problem.volunteers}
    matrices: dict[TravelMode, Any] = {
        mode: matrix for mode, matrix in problem.travel_times_s.items() if mode in used
    }
    needed = sorted(used - set(matrices))
    if needed:
        source = provider or GeodesicProvider()
        as_array = getattr(source, "travel_times_array", None)
        for mode in needed:
            matrix = (
                as_array(problem.locations, mode)
                if as_array is not None
                else source.travel_times_s(problem.locations, mode)
            )
            check_matrix(mode, matrix, len(problem.locations))
            matrices[mode] = matrix
    return matrices


def _with_one_volunteer_fewer(model: _Model, until: float) -> _Model:
    """Try to serve the same parcels with one volunteer fewer, searching until ``until``.

    The attempt forbids one more volunteer than the plan uses, drops the stops of its
    smallest route, and lets guided local search put them back into the other routes
    (and shorten them). It replaces the plan only if it drops no more parcels.
    """
    routes = model.routes
    used = [route for route in routes if route]
    if len(used) <= 1 or time.monotonic() + 0.05 >= until:
        return model
    dropped = model.dropped(routes)
    victim = min((v for v, route in enumerate(routes) if route), key=lambda v: len(routes[v]))
    fewer = _Model(
        model.problem, model.settings, model.matrices, model.screen, len(used) - 1, model.fleet
    )
    fewer.improve([[] if v == victim else list(r) for v, r in enumerate(routes)], until)
    success = fewer.dropped(fewer.routes) <= dropped
    logger.debug(
        "%d volunteers instead of %d: %s",
        len(used) - 1,
        len(used),
        "found" if success else "not found",
    )
    return fewer if success else model


def _search_fleet(
    problem: Problem,
    settings: Settings,
    matrices: Mapping[TravelMode, Matrix],
    screen: _Screen,
    until: float,
) -> list[int] | None:
    """The volunteers that ruin and recreate works with: all but idle twins.

    Twins are volunteers nobody could tell apart: same vehicle, capacity, start, end,
    shift, maximum duration and the same parcels they could serve. Every route in the
    model costs time on every insertion the recreate weighs, so of each group of twins
    the model keeps as many as a first plan (cheapest insertion, ~20 ms) uses and
    ``_SPARE_TWINS`` more. Measured on lc104 (25 identical vehicles, 9-10 needed): 40 %
    more ruin-and-recreate rounds in the same time with 12 vehicles. ``None``: no twins.
    """
    groups: dict[tuple[object, ...], list[int]] = {}
    serves: dict[int, set[int]] = {}
    for p, able in screen.allowed.items():
        for v in able:
            serves.setdefault(v, set()).add(p)
    for v, volunteer in enumerate(problem.volunteers):
        key = (
            volunteer.mode,
            volunteer.capacity_units,
            volunteer.start,
            volunteer.end,
            volunteer.shift,
            volunteer.max_duration_s,
            frozenset(serves.get(v, ())),
        )
        groups.setdefault(key, []).append(v)
    if all(len(group) == 1 for group in groups.values()):
        return None
    first = _Model(problem, settings, matrices, screen)
    first.first_solution(until)
    if first.solution is None:  # out of time already: better slow than short of routes
        return None
    used = {v for v, route in enumerate(first.routes) if route}
    fleet: list[int] = []
    for group in groups.values():
        fleet += group[: sum(v in used for v in group) + _SPARE_TWINS]
    return sorted(fleet)


def _trips_model(
    problem: Problem,
    settings: Settings,
    matrices: Mapping[TravelMode, Matrix],
    screen: _Screen,
    trips: list[list[tuple[int, bool]]],
) -> tuple[_Model, list[list[int]]]:
    """A model of the volunteers ``trips`` need (see ``_drivers``), and its routes."""
    model = _Model(problem, settings, matrices, screen, fleet=_drivers(trips, screen))
    return model, model.routes_from_stops([trips[v] for v in model.fleet])


def _drivers(trips: list[list[tuple[int, bool]]], screen: _Screen) -> list[int] | None:
    """The volunteers ``trips`` use, if they serve every parcel; ``None``: everyone.

    Large days are improved by guided local search from trips. A volunteer the trips
    leave idle could only join the plan at a cost above all travel, and the local
    search never hands a whole route over to them: on the village day the 60 s plans
    with and without the idle volunteers are the same (6 volunteers, 23 430 s).
    Without them every move weighs 6 routes instead of 25: the 5 s plan reaches
    23 430 s instead of 23 691 s, and re-plans after each of the six possible declines
    (1 s) drive 0.6 % less in all (197 917 s against 199 171 s).
    """
    served = {p for trip in trips for p, _ in trip}
    drivers = [v for v, trip in enumerate(trips) if trip]
    if not drivers or not served.issuperset(screen.allowed):
        return None
    return drivers


class _Screen:
    """Which volunteers could serve each parcel alone; the others' reasons.

    Also what the models of one solve share: node matrices and the clock.
    """

    def __init__(
        self, problem: Problem, matrices: Mapping[TravelMode, Matrix], clock: _Clock | None = None
    ) -> None:
        self.clock = clock or _Clock(3600.0, None)
        self.unassigned: dict[int, Unassigned] = {}
        self.allowed: dict[int, list[int]] = {}
        # Per mode and fleet: the transit matrix over a model's nodes and its longest arc.
        self.node_times: dict[tuple[TravelMode, tuple[int, ...]], tuple[list[list[int]], int]] = {}
        for p, parcel in enumerate(problem.parcels):
            able, reason = capable_volunteers(parcel, problem.volunteers, matrices)
            if reason is not None:
                self.unassigned[p] = reason
            else:
                self.allowed[p] = able
        self.stop_count = sum(len(parcel_visits(problem.parcels[p])) for p in self.allowed)


class _Model:
    """The OR-Tools model of one problem; routes go in and out as lists of node numbers."""

    def __init__(
        self,
        problem: Problem,
        settings: Settings,
        matrices: Mapping[TravelMode, Matrix],
        screen: _Screen,
        max_volunteers: int | None = None,
        fleet: list[int] | None = None,
        span_target_s: int | None = None,
    ) -> None:
        self.problem = problem
        # Spreading: a round longer than this costs _SPREAD_OVERTIME_COST per second.
        self.span_target_s = span_target_s
        self.settings = settings
        self.matrices = matrices
        self.screen = screen
        # Route v of the model belongs to problem.volunteers[self.fleet[v]].
        self.fleet = fleet if fleet is not None else list(range(len(problem.volunteers)))
        self.volunteers = [problem.volunteers[i] for i in self.fleet]
        vehicle_of = {i: v for v, i in enumerate(self.fleet)}
        self.allowed = {
            p: [vehicle_of[i] for i in able if i in vehicle_of]
            for p, able in screen.allowed.items()
        }
        volunteers = self.volunteers

        # Nodes: every volunteer's start, every volunteer's end, then parcel stops.
        self.nodes: list[_Node] = [_Node(v.start, 0, v.shift, 0) for v in volunteers] + [
            _Node(v.end, 0, v.shift, 0) for v in volunteers
        ]
        self.stop_node: dict[tuple[int, StopKind], int] = {}
        for p in self.allowed:
            parcel = problem.parcels[p]
            if parcel.pickup is not None and parcel.picked_up_by is None:
                self.stop_node[p, StopKind.PICKUP] = len(self.nodes)
                self.nodes.append(
                    _Node(
                        parcel.pickup,
                        parcel.pickup_service_s,
                        parcel.pickup_window,
                        parcel.size_units,
                        p,
                        StopKind.PICKUP,
                    )
                )
            self.stop_node[p, StopKind.DELIVERY] = len(self.nodes)
            self.nodes.append(
                _Node(
                    parcel.delivery,
                    parcel.delivery_service_s,
                    parcel.window,
                    -parcel.size_units,
                    p,
                    StopKind.DELIVERY,
                )
            )
        count = len(volunteers)
        self.manager = pywrapcp.RoutingIndexManager(
            len(self.nodes), count, list(range(count)), list(range(count, 2 * count))
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._build()
        if max_volunteers is not None:
            self.routing.SetMaximumNumberOfActiveVehicles(max_volunteers)
        self.closed = False
        self.solution: Any = None
        self.routes: list[list[int]] = self._empty_routes()
        screen.clock.lap("model")

    # -- model ---------------------------------------------------------------

    def _horizon_s(self) -> int:
        ends = [v.shift.end_s for v in self.volunteers]
        return max([*ends, 0]) + 1

    def _build(self) -> None:
        problem, routing, manager = self.problem, self.routing, self.manager
        volunteers = self.volunteers
        locations = [node.location for node in self.nodes]
        services = [node.service_s for node in self.nodes]

        # One matrix per mode serves as both the arc cost and the time transit: the
        # service time of the stop left is added to the travel time. Over a plan that
        # serves the same parcels this adds a constant, so it cannot change which plan
        # is best, and it halves the work of building the model.
        time_callbacks: dict[TravelMode, int] = {}
        longest_arc_s = 1
        rows = np.asarray(locations, dtype=np.intp)
        service_column = np.asarray(services, dtype=np.int64)[:, None]
        for mode in sorted({v.mode for v in volunteers}):
            # Models of one solve with the same fleet have the same nodes: build once.
            key = (mode, tuple(self.fleet))
            cached = self.screen.node_times.get(key)
            if cached is None:
                # Cut and add with NumPy: a Python double loop took 0.5 s per mode for
                # 500 stops. The same numbers: the service of the stop left + travel.
                array = np.asarray(self.matrices[mode], dtype=np.int64)
                node_times = array[np.ix_(rows, rows)] + service_column
                reachable = node_times[node_times < UNREACHABLE_S]
                longest = int(reachable.max()) if reachable.size else 1
                times: list[list[int]] = node_times.tolist()
                cached = self.screen.node_times[key] = (times, longest)
            times, longest = cached
            longest_arc_s = max(longest_arc_s, longest)
            time_callbacks[mode] = routing.RegisterTransitMatrix(times)
        for v, volunteer in enumerate(volunteers):
            routing.SetArcCostEvaluatorOfVehicle(time_callbacks[volunteer.mode], v)

        horizon_s = self._horizon_s()
        routing.AddDimensionWithVehicleTransits(
            [time_callbacks[v.mode] for v in volunteers], horizon_s, horizon_s, False, "time"
        )
        self.time = routing.GetDimensionOrDie("time")
        for n, node in enumerate(self.nodes[2 * len(volunteers) :], start=2 * len(volunteers)):
            if node.window is not None:
                index = manager.NodeToIndex(n)
                self.time.CumulVar(index).SetRange(
                    max(node.window.start_s, 0), min(node.window.end_s, horizon_s)
                )
        for v, volunteer in enumerate(volunteers):
            start, end = routing.Start(v), routing.End(v)
            self.time.CumulVar(start).SetRange(volunteer.shift.start_s, volunteer.shift.end_s)
            self.time.CumulVar(end).SetRange(volunteer.shift.start_s, volunteer.shift.end_s)
            if volunteer.max_duration_s is not None:
                self.time.SetSpanUpperBoundForVehicle(volunteer.max_duration_s, v)
            # Leave as late and come back as early as the route allows: no idle waiting.
            routing.AddVariableMaximizedByFinalizer(self.time.CumulVar(start))
            routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(end))

        demands = [node.demand_units for node in self.nodes]
        preloaded = any(
            kind is StopKind.DELIVERY and (p, StopKind.PICKUP) not in self.stop_node
            for p, kind in self.stop_node
        )
        demand_callback = routing.RegisterUnaryTransitVector(demands)
        routing.AddDimensionWithVehicleCapacity(
            demand_callback,
            0,
            [v.capacity_units for v in volunteers],
            not preloaded,  # parcels loaded at the start need a free start load
            "load",
        )
        self.load = routing.GetDimensionOrDie("load")

        if any(v.max_stops is not None for v in volunteers):
            doors = [1 if node.kind is StopKind.DELIVERY else 0 for node in self.nodes]
            routing.AddDimensionWithVehicleCapacity(
                routing.RegisterUnaryTransitVector(doors),
                0,
                [len(self.nodes) if v.max_stops is None else v.max_stops for v in volunteers],
                True,
                "doors",
            )
        if self.span_target_s is not None:
            overtime = pywrapcp.BoundCost(self.span_target_s, _SPREAD_OVERTIME_COST)
            for v in range(len(volunteers)):
                self.time.SetSoftSpanUpperBoundForVehicle(overtime, v)

        # Level 3 (travel) is bounded by the longest arc once per node; level 2 must
        # outweigh it, and level 1 must outweigh a whole fleet.
        node_count = len(self.nodes)
        travel_bound = longest_arc_s * (node_count + 1)
        fixed_cost = self.settings.fixed_cost_per_volunteer
        if fixed_cost is None:
            # Spreading chose its volunteers already: none is worth dropping for itself.
            spread = self.settings.policy is Policy.SPREAD
            fixed_cost = 0 if spread else travel_bound
        self.fixed_cost = fixed_cost
        drop_penalty = (len(volunteers) + 1) * fixed_cost + travel_bound
        self.drop_penalty = drop_penalty
        routing.SetFixedCostOfAllVehicles(fixed_cost)

        for p in self.allowed:
            parcel = problem.parcels[p]
            indices = [manager.NodeToIndex(self.stop_node[p, StopKind.DELIVERY])]
            if (p, StopKind.PICKUP) in self.stop_node:
                indices.insert(0, manager.NodeToIndex(self.stop_node[p, StopKind.PICKUP]))
            # On board already: serving it matters more than any other parcel.
            penalty = drop_penalty * (2 if parcel.picked_up_by is not None else 1)
            disallowed = sorted(set(range(len(volunteers))) - set(self.allowed[p]))
            for index in indices:
                routing.AddDisjunction([index], penalty)
                if disallowed:
                    routing.VehicleVar(index).RemoveValues(disallowed)
            if len(indices) == 2:
                pickup, delivery = indices
                routing.AddPickupAndDelivery(pickup, delivery)

    # -- search --------------------------------------------------------------

    def _parameters(self, until: float) -> Any:
        """Search parameters for a search that must end at ``until`` (monotonic clock)."""
        parameters = pywrapcp.DefaultRoutingSearchParameters()
        # Measured on the Li & Lim and Solomon sets: inserting every pair where it is
        # cheapest, across all routes at once, gives a feasible start on every
        # instance (path-cheapest-arc often gives none within 30 s).
        parameters.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        )
        parameters.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        # The default operator set scans millions of pair exchanges per descent (two
        # seconds on lr108); these cheaper ones keep a descent near 0.2 s, which
        # leaves time for many more ruin-and-recreate rounds.
        operators = parameters.local_search_operators
        slow: tuple[str, ...] = _SLOW_OPERATORS
        if self.screen.stop_count > _LARGE_PROBLEM_STOPS:
            slow += _SLOW_ON_LONG_ROUTES
        for name in slow:
            setattr(operators, name, optional_boolean_pb2.BOOL_FALSE)
        seconds = max(until - time.monotonic(), 0.01)
        parameters.time_limit.FromMilliseconds(max(int(seconds * 1000), 10))
        if self.settings.solution_limit is not None:
            parameters.solution_limit = self.settings.solution_limit
        parameters.log_search = self.settings.log_search
        return parameters

    def _start_search(self, parameters: Any, until: float) -> None:
        """Set the search's limit to what is left until ``until`` now, after closing
        the model and reading routes in (both take time on large models)."""
        self.screen.clock.search_until(until)
        seconds = max(until - time.monotonic(), 0.01)
        parameters.time_limit.FromMilliseconds(max(int(seconds * 1000), 10))

    def _close(self, parameters: Any) -> None:
        if not self.closed:
            # Reading routes back into an assignment runs a small search under the
            # limit the model was closed with; a short limit would already be used up
            # by then, so close with a long one (each search passes its own limit).
            closing = type(parameters)()
            closing.CopyFrom(parameters)
            closing.time_limit.FromSeconds(3600)
            closing.solution_limit = 2**63 - 1
            self.routing.CloseModelWithParameters(closing)
            self.closed = True

    def iterated_local_search(self, until: float) -> None:
        """Search from scratch with ruin and recreate (string removals) until ``until``."""
        parameters = self._parameters(until)
        if self.settings.first_solution_only:
            parameters.solution_limit = 1
        else:
            parameters.local_search_metaheuristic = (
                routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
            )
            parameters.use_iterated_local_search = True
            ils = parameters.iterated_local_search_parameters
            ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
            # Ruin and recreate alone, as in the SISR paper: a local search after each
            # perturbation scans ~100 000 pair moves (0.2-0.5 s), so only a few dozen
            # rounds fit in 10 s; without it there are thousands. Measured on LR1 and
            # LRC1 at 10 s: mean gap to the BKS 7.1 % -> 3.8 %, 261 -> 248 vehicles.
            ils.improve_perturbed_solution = False
            ruin_recreate = ils.ruin_recreate_parameters
            del ruin_recreate.ruin_strategies[:]
            sisr = ruin_recreate.ruin_strategies.add().sisr
            # Twice the paper's strings (Christiaens & Vanden Berghe 2020: at most 10
            # stops, 10 removed on average). Measured at 10 s: all 56 Solomon 433 ->
            # 426 vehicles, mean gap 1.05 -> 0.59 % (c205 16 -> 0 %); the 16 hardest Li
            # & Lim 165-166 vehicles, gap sum 4.9-7.2 % against 164-166 / 3.5-7.5 %.
            sisr.max_removed_sequence_size = 20
            sisr.avg_num_removed_visits = 20
            sisr.bypass_factor = 0.01
            if any(kind is StopKind.PICKUP for _, kind in self.stop_node):
                # Put each removed pair back at its best pair of positions, in random
                # order (SISR's recreate shuffles too), rather than the pickup first
                # and its delivery after it in a fixed order. Measured at 10 s on the
                # 12 hardest Li & Lim instances: 111-113 -> 111 vehicles, mean gap to
                # the BKS 3.3-3.6 % -> 1.4 %. On delivery-only problems (Solomon) the
                # random order loses on clustered instances (c102, c109 4-6 % longer).
                insertion = ruin_recreate.recreate_strategy.parameters.local_cheapest_insertion
                insertion.pickup_delivery_strategy = _PAIR_AT_ONCE
                insertion.insertion_sorting_properties.append(_RANDOM_ORDER)
            # Temperatures derived from the arc costs rather than fixed numbers: the
            # same settings then suit seconds in a village and units in a benchmark.
            annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
            annealing.automatic_temperatures = True
        self._close(parameters)
        self._start_search(parameters, until)
        if parameters.use_iterated_local_search:
            solution = self.routing.SolveWithIteratedLocalSearch(parameters)
        else:
            solution = self.routing.SolveWithParameters(parameters)
        self.screen.clock.lap("search")
        if solution is not None:
            self._keep(solution)

    def first_solution(self, until: float) -> None:
        """Only the first solution (parallel cheapest insertion), searching until ``until``."""
        parameters = self._parameters(until)
        parameters.solution_limit = 1
        self._close(parameters)
        self._start_search(parameters, until)
        solution = self.routing.SolveWithParameters(parameters)
        self.screen.clock.lap("search")
        if solution is not None:
            self._keep(solution)

    def improve(self, routes: list[list[int]], until: float) -> None:
        """Guided local search from ``routes`` (node numbers per volunteer) until ``until``.

        Routes that no longer fit (a window or a shift changed) are emptied first.
        """
        parameters = self._parameters(until)
        if self.settings.first_solution_only:
            parameters.solution_limit = 1
        self._close(parameters)
        initial = self._assignment(routes)
        self._start_search(parameters, until)
        solution = self.routing.SolveFromAssignmentWithParameters(initial, parameters)
        self.screen.clock.lap("search")
        self._keep(solution if solution is not None else initial)

    def _keep(self, solution: Any) -> None:
        """Make ``solution`` this model's result."""
        self.solution = solution
        self.routes = self._routes(solution)

    def dropped(self, routes: list[list[int]]) -> int:
        """Drop penalties (in units of one stop's penalty) of ``routes``."""
        served = {node for route in routes for node in route}
        return sum(
            2 if self.problem.parcels[self._parcel(node)].picked_up_by is not None else 1
            for node in self.stop_node.values()
            if node not in served
        )

    def _assignment(self, routes: list[list[int]]) -> Any:
        """``routes`` as an assignment; routes that do not fit any more are emptied."""
        indices = [[self.manager.NodeToIndex(n) for n in route] for route in routes]
        assignment = self.routing.ReadAssignmentFromRoutes(indices, True)
        if assignment is not None:
            return assignment
        kept: list[list[int]] = [[] for _ in indices]
        for v, route in enumerate(indices):
            kept[v] = route
            if self.routing.ReadAssignmentFromRoutes(kept, True) is None:
                kept[v] = []
        assignment = self.routing.ReadAssignmentFromRoutes(kept, True)
        if assignment is None:  # pragma: no cover - empty routes always fit
            raise InvalidProblem("no plan exists, not even one without any route")
        return assignment

    def _empty_routes(self) -> list[list[int]]:
        return [[] for _ in self.volunteers]

    def _routes(self, solution: Any) -> list[list[int]]:
        routing, manager = self.routing, self.manager
        routes = self._empty_routes()
        for v in range(len(routes)):
            index = solution.Value(routing.NextVar(routing.Start(v)))
            while not routing.IsEnd(index):
                routes[v].append(manager.IndexToNode(index))
                index = solution.Value(routing.NextVar(index))
        return routes

    def routes_from_plan(self, previous: Plan) -> list[list[int]]:
        """The routes of ``previous`` in node numbers, keeping only what still exists.

        A declined volunteer's route disappears; a parcel whose pickup is now done
        keeps only its delivery; a parcel is kept only with all its remaining stops
        on the same route.
        """
        index_of_volunteer = {v.id: i for i, v in enumerate(self.volunteers)}
        index_of_parcel = {parcel.id: p for p, parcel in enumerate(self.problem.parcels)}
        routes = self._empty_routes()
        for route in previous.routes:
            v = index_of_volunteer.get(route.volunteer_id)
            if v is None:
                continue
            nodes = []
            for stop in route.stops:
                p = index_of_parcel.get(stop.parcel_id)
                node = None if p is None else self.stop_node.get((p, stop.kind))
                if p is not None and node is not None and v in self.allowed[p]:
                    nodes.append(node)
            count: dict[int, int] = {}
            for node in nodes:
                parcel = self.nodes[node].parcel
                assert parcel is not None
                count[parcel] = count.get(parcel, 0) + 1
            routes[v] = [
                node
                for node in nodes
                if count[self._parcel(node)] == self._stops_needed(self._parcel(node))
            ]
        return routes

    def stops_of(self, routes: list[list[int]]) -> list[list[tuple[int, bool]]]:
        """Routes of node numbers as ``(parcel index, is_pickup)`` stops."""
        return [
            [(self._parcel(node), self.nodes[node].kind is StopKind.PICKUP) for node in route]
            for route in routes
        ]

    def routes_from_stops(self, routes: list[list[tuple[int, bool]]]) -> list[list[int]]:
        """Routes of ``(parcel index, is_pickup)`` stops as node numbers."""
        return [
            [
                self.stop_node[p, StopKind.PICKUP if is_pickup else StopKind.DELIVERY]
                for p, is_pickup in route
            ]
            for route in routes
        ]

    def _parcel(self, node: int) -> int:
        parcel = self.nodes[node].parcel
        assert parcel is not None
        return parcel

    def _stops_needed(self, p: int) -> int:
        return 2 if (p, StopKind.PICKUP) in self.stop_node else 1

    # -- result --------------------------------------------------------------

    def plan(self) -> Plan:
        """The result of this model's search as a ``Plan`` with the solver's schedule."""
        problem, routing, manager = self.problem, self.routing, self.manager
        if self.solution is None:  # no search ran or none found anything: nobody drives
            self._close(self._parameters(time.monotonic() + 1))
            self.solution = self._assignment(self._empty_routes())
        solution = self.solution
        routes: list[Route] = []
        served: set[int] = set()
        total_travel_s = 0
        for v, volunteer in enumerate(self.volunteers):
            matrix = self.matrices[volunteer.mode]
            index = solution.Value(routing.NextVar(routing.Start(v)))
            if routing.IsEnd(index):
                continue
            indices = []
            while not routing.IsEnd(index):
                indices.append(index)
                index = solution.Value(routing.NextVar(index))
            nodes = [self.nodes[manager.IndexToNode(i)] for i in indices]
            load = sum(
                problem.parcels[n.parcel].size_units
                for n in nodes
                if n.parcel is not None and (n.parcel, StopKind.PICKUP) not in self.stop_node
            )
            start_s = solution.Value(self.time.CumulVar(routing.Start(v)))
            here, departure_s, travel_s = volunteer.start, start_s, 0
            stops: list[Stop] = []
            for i, node in zip(indices, nodes, strict=True):
                assert node.parcel is not None
                assert node.kind is not None
                leg_s = matrix[here][node.location]
                travel_s += leg_s
                service_start_s = solution.Value(self.time.CumulVar(i))
                load += node.demand_units
                stops.append(
                    Stop(
                        kind=node.kind,
                        parcel_id=problem.parcels[node.parcel].id,
                        location=node.location,
                        arrival_s=departure_s + leg_s,
                        service_start_s=service_start_s,
                        departure_s=service_start_s + node.service_s,
                        load_units=load,
                    )
                )
                served.add(node.parcel)
                here, departure_s = node.location, service_start_s + node.service_s
            travel_s += matrix[here][volunteer.end]
            end_s = solution.Value(self.time.CumulVar(routing.End(v)))
            routes.append(Route(volunteer.id, tuple(stops), start_s, end_s, travel_s))
            total_travel_s += travel_s
        unassigned = [
            self.screen.unassigned.get(p) or no_capacity_left(parcel)
            for p, parcel in enumerate(problem.parcels)
            if p not in served
        ]
        return Plan(tuple(routes), tuple(unassigned), total_travel_s)
