"""The OR-Tools model: pickup and delivery with time windows, capacities and shifts.

Objective, in strict order of importance, each level outweighing everything below:

1. serve as many parcels as possible (dropping a parcel costs more than any fleet),
2. use as few volunteers as possible (a fixed cost per used volunteer that is larger
   than any total of travel times the plan could have),
3. travel as little as possible (sum of travel seconds).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2

from .matrix import UNREACHABLE_S, GeodesicProvider, TravelTimeProvider
from .plan import Plan, Route, Stop, StopKind, Unassigned
from .problem import Matrix, Parcel, Problem, Settings, TimeWindow, TravelMode
from .reasons import capable_volunteers, no_capacity_left
from .validation import InvalidProblem, check_matrix, validate


@dataclass(frozen=True, slots=True)
class _Node:
    """A node of the routing model: a volunteer's start or end, or a parcel's stop."""

    location: int
    service_s: int
    window: TimeWindow | None
    demand_units: int
    parcel: int | None = None  # index into Problem.parcels
    kind: StopKind | None = None


def solve(
    problem: Problem,
    settings: Settings | None = None,
    *,
    provider: TravelTimeProvider | None = None,
    previous: Plan | None = None,
) -> Plan:
    """Plan routes for ``problem``; raise ``InvalidProblem`` if it is malformed.

    Travel times come from ``problem.travel_times_s`` and, for modes missing there,
    from ``provider`` (``GeodesicProvider()`` by default). ``previous`` is a plan to
    start from (a warm start): its routes are kept as far as they are still
    feasible, then improved. Parcels with ``picked_up_by`` stay on that volunteer's
    route whatever ``previous`` says.
    """
    settings = settings or Settings()
    started = time.monotonic()
    validate(problem)
    matrices = _matrices(problem, provider)
    return _Solver(problem, settings, matrices, started).run(previous)


def _matrices(
    problem: Problem, provider: TravelTimeProvider | None
) -> dict[TravelMode, Matrix]:
    matrices: dict[TravelMode, Matrix] = dict(problem.travel_times_s)
    needed = sorted({v.mode for v in problem.volunteers} - set(matrices))
    if needed:
        source = provider or GeodesicProvider()
        for mode in needed:
            matrix = source.travel_times_s(problem.locations, mode)
            check_matrix(mode, matrix, len(problem.locations))
            matrices[mode] = matrix
    return matrices


class _Solver:
    """Builds the OR-Tools model for one problem, searches, and reads the plan back."""

    def __init__(
        self,
        problem: Problem,
        settings: Settings,
        matrices: Mapping[TravelMode, Matrix],
        started: float,
    ) -> None:
        self.problem = problem
        self.settings = settings
        self.matrices = matrices
        self.started = started
        volunteers = problem.volunteers
        self.unassigned: dict[int, Unassigned] = {}
        self.allowed: dict[int, list[int]] = {}
        for p, parcel in enumerate(problem.parcels):
            able, reason = capable_volunteers(parcel, volunteers, matrices)
            if reason is not None:
                self.unassigned[p] = reason
            else:
                self.allowed[p] = able

        # Nodes: every volunteer's start, every volunteer's end, then parcel stops.
        self.nodes: list[_Node] = [
            _Node(v.start, 0, v.shift, 0) for v in volunteers
        ] + [_Node(v.end, 0, v.shift, 0) for v in volunteers]
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

    # -- model ---------------------------------------------------------------

    def _horizon_s(self) -> int:
        ends = [v.shift.end_s for v in self.problem.volunteers]
        return max([*ends, 0]) + 1

    def _build(self) -> None:
        problem, routing, manager = self.problem, self.routing, self.manager
        volunteers = problem.volunteers
        locations = [node.location for node in self.nodes]
        services = [node.service_s for node in self.nodes]

        # One matrix per mode serves as both the arc cost and the time transit: the
        # service time of the stop left is added to the travel time. Over a plan that
        # serves the same parcels this adds a constant, so it cannot change which plan
        # is best, and it halves the work of building the model.
        time_callbacks: dict[TravelMode, int] = {}
        longest_arc_s = 1
        for mode in sorted({v.mode for v in volunteers}):
            matrix = self.matrices[mode]
            times = [
                [service + cost for cost in (matrix[a][b] for b in locations)]
                for a, service in zip(locations, services, strict=True)
            ]
            longest_arc_s = max(
                longest_arc_s,
                max((t for row in times for t in row if t < UNREACHABLE_S), default=1),
            )
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

        # Level 3 (travel) is bounded by the longest arc once per node; level 2 must
        # outweigh it, and level 1 must outweigh a whole fleet.
        node_count = len(self.nodes)
        travel_bound = longest_arc_s * (node_count + 1)
        fixed_cost = self.settings.fixed_cost_per_volunteer
        if fixed_cost is None:
            fixed_cost = travel_bound
        self.fixed_cost = fixed_cost
        drop_penalty = (len(volunteers) + 1) * fixed_cost + travel_bound
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
                routing.solver().Add(routing.VehicleVar(pickup) == routing.VehicleVar(delivery))
                routing.solver().Add(self.time.CumulVar(pickup) <= self.time.CumulVar(delivery))

    # -- search --------------------------------------------------------------

    def _parameters(self, time_limit_s: float) -> pywrapcp.DefaultRoutingSearchParameters:
        parameters = pywrapcp.DefaultRoutingSearchParameters()
        parameters.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        )
        parameters.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        parameters.time_limit.FromMilliseconds(max(int(time_limit_s * 1000), 1))
        experiment = os.environ.get("DORF_OPT_EXPERIMENT", "gls")
        if experiment.startswith("ils"):
            parameters.use_iterated_local_search = True
            ils = parameters.iterated_local_search_parameters
            ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
            rr = ils.ruin_recreate_parameters
            del rr.ruin_strategies[:]
            ruin = rr.ruin_strategies.add()
            ruin.sisr.max_removed_sequence_size = 10
            ruin.sisr.avg_num_removed_visits = 10
            ruin.sisr.bypass_factor = 0.01
            if experiment == "ils_abs":
                ils.reference_solution_acceptance_strategy.absences_based.remove_route_with_lowest_absences = True
            if experiment == "ils_auto":
                ils.reference_solution_acceptance_strategy.simulated_annealing.automatic_temperatures = True
        if self.settings.solution_limit is not None:
            parameters.solution_limit = self.settings.solution_limit
        parameters.log_search = self.settings.log_search
        return parameters

    def run(self, previous: Plan | None) -> Plan:
        remaining_s = self.settings.time_limit_s - (time.monotonic() - self.started)
        parameters = self._parameters(max(remaining_s, 0.01))
        if self.settings.first_solution_only:
            parameters.local_search_metaheuristic = (
                routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
            )
            parameters.solution_limit = 1
        initial = self._initial_assignment(previous) if previous is not None else None
        if initial is not None:
            solution = self.routing.SolveFromAssignmentWithParameters(initial, parameters)
        else:
            solution = self.routing.SolveWithParameters(parameters)
        if solution is None:
            solution = self._all_dropped()
        return self._plan(solution)

    def _initial_assignment(self, previous: Plan) -> pywrapcp.Assignment | None:
        """The routes of ``previous`` that still fit, as an OR-Tools assignment."""
        index_of_volunteer = {v.id: i for i, v in enumerate(self.problem.volunteers)}
        index_of_parcel = {parcel.id: p for p, parcel in enumerate(self.problem.parcels)}
        routes: list[list[int]] = [[] for _ in self.problem.volunteers]
        for route in previous.routes:
            v = index_of_volunteer.get(route.volunteer_id)
            if v is None:
                continue  # the volunteer declined or is gone: their parcels are re-planned
            on_route = {stop.parcel_id for stop in route.stops}
            for stop in route.stops:
                p = index_of_parcel.get(stop.parcel_id)
                node = None if p is None else self.stop_node.get((p, stop.kind))
                if node is None or p is None or v not in self.allowed[p]:
                    continue
                parcel = self.problem.parcels[p]
                if parcel.picked_up_by is None and parcel.pickup is not None:
                    pickup_node = self.stop_node[p, StopKind.PICKUP]
                    if stop.parcel_id not in on_route or pickup_node is None:
                        continue
                routes[v].append(self.manager.NodeToIndex(node))
        # Stops of one parcel must be on one route, pickup first: keep only complete pairs.
        for v, indices in enumerate(routes):
            seen: dict[int, int] = {}
            for index in indices:
                node = self.nodes[self.manager.IndexToNode(index)]
                assert node.parcel is not None
                seen[node.parcel] = seen.get(node.parcel, 0) + 1
            routes[v] = [
                index
                for index in indices
                if seen[self._parcel_of(index)] == self._stops_needed(self._parcel_of(index))
            ]
        self.routing.CloseModelWithParameters(self._parameters(1.0))
        assignment = self.routing.ReadAssignmentFromRoutes(routes, True)
        if assignment is not None:
            return assignment
        # Some route broke (a window or shift changed): keep the routes that still work.
        kept: list[list[int]] = [[] for _ in routes]
        for v, indices in enumerate(routes):
            kept[v] = indices
            if self.routing.ReadAssignmentFromRoutes(kept, True) is None:
                kept[v] = []
        return self.routing.ReadAssignmentFromRoutes(kept, True)

    def _parcel_of(self, index: int) -> int:
        parcel = self.nodes[self.manager.IndexToNode(index)].parcel
        assert parcel is not None
        return parcel

    def _stops_needed(self, p: int) -> int:
        return 2 if (p, StopKind.PICKUP) in self.stop_node else 1

    def _all_dropped(self) -> pywrapcp.Assignment:
        self.routing.CloseModelWithParameters(self._parameters(1.0))
        routes: list[list[int]] = [[] for _ in self.problem.volunteers]
        assignment = self.routing.ReadAssignmentFromRoutes(routes, True)
        if assignment is None:  # pragma: no cover - empty routes are always feasible
            raise InvalidProblem("no plan exists, not even one without any route")
        return assignment

    # -- result --------------------------------------------------------------

    def _plan(self, solution: pywrapcp.Assignment) -> Plan:
        problem, routing, manager = self.problem, self.routing, self.manager
        routes: list[Route] = []
        served: set[int] = set()
        total_travel_s = 0
        for v, volunteer in enumerate(problem.volunteers):
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
                assert node.parcel is not None and node.kind is not None
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
            self.unassigned[p] if p in self.unassigned else no_capacity_left(parcel)
            for p, parcel in enumerate(problem.parcels)
            if p not in served
        ]
        return Plan(tuple(routes), tuple(unassigned), total_travel_s)

