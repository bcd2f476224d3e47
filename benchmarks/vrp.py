"""Benchmark the route optimiser on Solomon VRPTW and Li & Lim PDPTW instances.

Usage (from the repository root)::

    python -m benchmarks.vrp --time-limit 10 --bks ../shared/bench/vrp/lilim/bks.csv \\
        --vs-vroom ../shared/bench/vrp/lilim/*.txt
    python -m benchmarks.vrp --village

Prints one JSON line per instance. Every solution printed is checked here, in the
instance's own (floating-point) units: capacity, time windows, pickup before its
delivery on the same route, every task served exactly once, at most the instance's
number of vehicles.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import multiprocessing
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from dorf.deliveries.optimiser import (
    GeodesicProvider,
    Location,
    Parcel,
    Plan,
    Policy,
    Problem,
    Settings,
    StopKind,
    TimeWindow,
    TravelMode,
    Volunteer,
    solve,
)
from dorf.deliveries.optimiser.checks import plan_violations
from dorf.deliveries.optimiser.validation import InvalidProblem

#: Instance time and distance units are multiplied by this and rounded up to get the
#: optimiser's integer seconds: precise to 0.001 and never optimistic.
SCALE = 1000
EPSILON = 1e-6
#: More than any instance's total scaled distance (at most a few million).
VROOM_FIXED_COST = 1_000_000_000


@dataclass(frozen=True)
class Node:
    """One row of an instance file."""

    id: int
    x: float
    y: float
    demand: int
    ready: float
    due: float
    service: float
    pickup: int = 0  # Li & Lim: for a delivery, its pickup's id
    delivery: int = 0  # Li & Lim: for a pickup, its delivery's id


@dataclass
class Instance:
    """A classic instance: node 0 is the depot; ``pairs`` lists (pickup, delivery) ids."""

    name: str
    vehicles: int
    capacity: int
    nodes: list[Node]
    pairs: list[tuple[int, int]] = field(default_factory=list)

    @property
    def is_pdp(self) -> bool:
        """Li & Lim (pickup and delivery pairs) rather than Solomon (deliveries)."""
        return bool(self.pairs)

    def distance(self, a: int, b: int) -> float:
        """Euclidean distance between node ids ``a`` and ``b``, not rounded."""
        na, nb = self.nodes[a], self.nodes[b]
        return math.hypot(na.x - nb.x, na.y - nb.y)


def read_instance(path: Path) -> Instance:
    """Read a Solomon or a Li & Lim file (told apart by their first line)."""
    lines = [line.split() for line in path.read_text().splitlines()]
    lines = [line for line in lines if line]
    name = path.stem.lower()
    if len(lines[0]) == 3 and all(_is_number(token) for token in lines[0]):
        vehicles, capacity = int(lines[0][0]), int(lines[0][1])
        nodes = [
            Node(
                int(r[0]),
                float(r[1]),
                float(r[2]),
                int(r[3]),
                float(r[4]),
                float(r[5]),
                float(r[6]),
                int(r[7]),
                int(r[8]),
            )
            for r in lines[1:]
        ]
        _check_ids(name, nodes)
        pairs = []
        for node in nodes[1:]:
            if node.delivery:
                if not 0 < node.delivery < len(nodes) or nodes[node.delivery].pickup != node.id:
                    raise InvalidProblem(
                        f"{name}: pickup {node.id} names delivery {node.delivery}, which does not name it back"
                    )
                pairs.append((node.id, node.delivery))
            elif not 0 < node.pickup < len(nodes) or nodes[node.pickup].delivery != node.id:
                raise InvalidProblem(
                    f"{name}: delivery {node.id} has no matching pickup ({node.pickup})"
                )
        return Instance(name, vehicles, capacity, nodes, pairs)
    start = next(i for i, line in enumerate(lines) if line[0].upper() == "VEHICLE")
    numbers = next(line for line in lines[start:] if _is_number(line[0]))
    vehicles, capacity = int(numbers[0]), int(numbers[1])
    first = next(i for i, line in enumerate(lines) if line[0].upper() == "CUSTOMER")
    rows = [line for line in lines[first:] if len(line) == 7 and _is_number(line[0])]
    nodes = [
        Node(int(r[0]), float(r[1]), float(r[2]), int(r[3]), float(r[4]), float(r[5]), float(r[6]))
        for r in rows
    ]
    _check_ids(name, nodes)
    return Instance(name, vehicles, capacity, nodes)


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _check_ids(name: str, nodes: Sequence[Node]) -> None:
    if [node.id for node in nodes] != list(range(len(nodes))):
        raise InvalidProblem(f"{name}: node ids are not 0..{len(nodes) - 1} in order")


def to_problem(instance: Instance) -> Problem:
    """The optimiser's problem for ``instance``: locations are node ids, one car per vehicle.

    A Solomon customer becomes a parcel without a pickup (loaded at the depot); a Li &
    Lim pair becomes a parcel with both stops. Times and distances are scaled by
    ``SCALE`` and rounded up, so an integer-feasible plan is feasible in real numbers.
    """
    nodes = instance.nodes
    depot = nodes[0]
    locations = tuple(Location(node.y, node.x) for node in nodes)
    matrix = [
        [math.ceil(instance.distance(a.id, b.id) * SCALE - 1e-9) for b in nodes] for a in nodes
    ]

    def window(node: Node) -> TimeWindow:
        return TimeWindow(math.ceil(node.ready * SCALE), math.floor(node.due * SCALE))

    volunteers = tuple(
        Volunteer(f"v{k}", TravelMode.CAR, instance.capacity, 0, 0, window(depot))
        for k in range(instance.vehicles)
    )
    if instance.is_pdp:
        parcels = tuple(
            Parcel(
                id=str(p),
                size_units=nodes[p].demand,
                pickup=p,
                delivery=d,
                window=window(nodes[d]),
                pickup_window=window(nodes[p]),
                pickup_service_s=round(nodes[p].service * SCALE),
                delivery_service_s=round(nodes[d].service * SCALE),
            )
            for p, d in instance.pairs
        )
    else:
        parcels = tuple(
            Parcel(
                id=str(node.id),
                size_units=node.demand,
                pickup=None,
                delivery=node.id,
                window=window(node),
                delivery_service_s=round(node.service * SCALE),
            )
            for node in nodes[1:]
        )
    return Problem(locations, volunteers, parcels, {TravelMode.CAR: matrix})


def routes_of(plan: Plan, instance: Instance) -> list[list[int]]:
    """The plan as lists of instance node ids in visiting order, depot excluded."""
    return [
        [
            int(stop.parcel_id)
            if stop.kind is StopKind.PICKUP or not instance.is_pdp
            else _delivery_of(instance, int(stop.parcel_id))
            for stop in route.stops
        ]
        for route in plan.routes
    ]


def _delivery_of(instance: Instance, pickup: int) -> int:
    return instance.nodes[pickup].delivery


def check(instance: Instance, routes: Sequence[Sequence[int]]) -> list[str]:
    """Everything wrong with ``routes`` for ``instance``; an empty list means feasible."""
    errors: list[str] = []
    nodes = instance.nodes
    seen: dict[int, int] = {}
    if len(routes) > instance.vehicles:
        errors.append(f"{len(routes)} routes but only {instance.vehicles} vehicles")
    for r, route in enumerate(routes):
        load = 0 if instance.is_pdp else sum(nodes[n].demand for n in route)
        if load > instance.capacity:
            errors.append(f"route {r}: starts with load {load} > {instance.capacity}")
        now, here = nodes[0].ready, 0
        for position, n in enumerate(route):
            if not 0 < n < len(nodes):
                errors.append(f"route {r}: unknown node {n}")
                continue
            seen[n] = seen.get(n, 0) + 1
            node = nodes[n]
            now = max(now + instance.distance(here, n), node.ready)
            if now > node.due + EPSILON:
                errors.append(f"route {r}: node {n} served at {now:.4f} after due {node.due}")
            now += node.service
            here = n
            if instance.is_pdp:
                load += node.demand
                if node.pickup and node.pickup not in route[:position]:
                    errors.append(f"route {r}: delivery {n} before or without its pickup")
            else:
                load -= node.demand
            if load > instance.capacity or load < 0:
                errors.append(
                    f"route {r}: load {load} after node {n} outside 0..{instance.capacity}"
                )
        now += instance.distance(here, 0)
        if now > nodes[0].due + EPSILON:
            errors.append(f"route {r}: back at the depot at {now:.4f} after {nodes[0].due}")
    for node in nodes[1:]:
        if seen.get(node.id, 0) != 1:
            errors.append(f"node {node.id} served {seen.get(node.id, 0)} times")
    return errors


def total_distance(instance: Instance, routes: Sequence[Sequence[int]]) -> float:
    """Euclidean length of all routes, depot to depot, not rounded."""
    total = 0.0
    for route in routes:
        path = [0, *route, 0]
        total += sum(instance.distance(a, b) for a, b in itertools.pairwise(path))
    return total


def solve_ours(instance: Instance, time_limit_s: float) -> tuple[list[list[int]], float]:
    """Solve with the optimiser; return the routes and the seconds taken."""
    started = time.monotonic()
    plan = solve(to_problem(instance), Settings(time_limit_s=time_limit_s))
    return routes_of(plan, instance), time.monotonic() - started


def solve_vroom(instance: Instance, time_limit_s: float) -> tuple[list[list[int]], float]:
    """Solve with VROOM (pyvroom, single thread, exploration level 5, same time limit).

    Each vehicle has a fixed cost above any total distance, so VROOM too minimises
    vehicles first.
    """
    import vroom

    nodes = instance.nodes
    matrix = [
        [math.ceil(instance.distance(a.id, b.id) * SCALE - 1e-9) for b in nodes] for a in nodes
    ]
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=matrix)

    def windows(node: Node) -> list[vroom.TimeWindow]:
        return [vroom.TimeWindow(math.ceil(node.ready * SCALE), math.floor(node.due * SCALE))]

    depot = nodes[0]
    for k in range(instance.vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=0,
                end=0,
                capacity=[instance.capacity],
                # Vehicles first, as in the BKS tables and in our objective: without a
                # fixed cost VROOM trades vehicles for distance (e.g. 7 instead of 4 on
                # rc201).
                costs=vroom.VehicleCosts(fixed=VROOM_FIXED_COST),
                time_window=windows(depot)[0],
            )
        )
    if instance.is_pdp:
        for p, d in instance.pairs:
            problem.add_job(
                vroom.Shipment(
                    pickup=vroom.ShipmentStep(
                        p,
                        location=p,
                        default_service=round(nodes[p].service * SCALE),
                        time_windows=windows(nodes[p]),
                    ),
                    delivery=vroom.ShipmentStep(
                        d,
                        location=d,
                        default_service=round(nodes[d].service * SCALE),
                        time_windows=windows(nodes[d]),
                    ),
                    amount=[nodes[p].demand],
                )
            )
    else:
        for node in nodes[1:]:
            problem.add_job(
                vroom.Job(
                    node.id,
                    location=node.id,
                    default_service=round(node.service * SCALE),
                    delivery=[node.demand],
                    time_windows=windows(node),
                )
            )
    started = time.monotonic()
    solution = problem.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit_s)
    )
    seconds = time.monotonic() - started
    routes: dict[int, list[int]] = {}
    for row in solution.routes.itertuples():
        if row.type in ("job", "pickup", "delivery"):
            routes.setdefault(int(row.vehicle_id), []).append(int(row.id))
    return [routes[k] for k in sorted(routes)], seconds


def read_bks(paths: Sequence[Path]) -> dict[str, tuple[int, float]]:
    """Best-known (vehicles, distance) per instance name from ``bks.csv`` files."""
    bks: dict[str, tuple[int, float]] = {}
    for path in paths:
        with path.open(newline="") as file:
            for row in csv.DictReader(file):
                bks[row["instance"].lower()] = (int(row["vehicles"]), float(row["distance"]))
    return bks


def figures(
    instance: Instance, routes: list[list[int]], seconds: float, bks: tuple[int, float] | None
) -> dict[str, object]:
    """The JSON figures of one solution, checked."""
    errors = check(instance, routes)
    distance = total_distance(instance, routes)
    result: dict[str, object] = {
        "feasible": not errors,
        "vehicles": len(routes),
        "distance": round(distance, 4),
        "seconds": round(seconds, 2),
    }
    if bks is not None:
        result["gap_pct"] = round((distance - bks[1]) / bks[1] * 100, 3)
    if errors:
        result["errors"] = errors[:5]
    return result


def in_fresh_process(
    solver: Callable[[Instance, float], tuple[list[list[int]], float]],
    instance: Instance,
    time_limit_s: float,
) -> tuple[list[list[int]], float]:
    """Run one solve in a new interpreter that has loaded nothing but the solver.

    A process that has ever run a second thread (VROOM's solver thread, NumPy's
    OpenBLAS pool: VROOM's results come as a pandas frame) makes glibc's malloc take
    its locking path for good; OR-Tools' search allocates on every move, so our solver
    then managed ~12 % fewer ruin-and-recreate rounds in 10 s on lc104 (2 580 -> 2 260).
    Each solve in its own process keeps the two solvers from slowing each other down.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(solver, instance, time_limit_s).result()


def run_instances(args: argparse.Namespace) -> int:
    """Solve every instance file given; print one JSON line each and a summary."""
    bks = read_bks(args.bks)
    rows: list[dict[str, object]] = []
    for path in args.instances:
        instance = read_instance(path)
        known = bks.get(instance.name)
        routes, seconds = in_fresh_process(solve_ours, instance, args.time_limit)
        row: dict[str, object] = {"instance": instance.name}
        row.update(figures(instance, routes, seconds, known))
        row["checked"] = "capacity, windows, pickup before delivery, each task once"
        if known is not None:
            row["bks_vehicles"], row["bks_distance"] = known
        if args.solution_dir is not None:
            args.solution_dir.mkdir(parents=True, exist_ok=True)
            (args.solution_dir / f"{instance.name}.json").write_text(json.dumps(routes) + "\n")
        if args.vs_vroom:
            vroom_routes, vroom_seconds = in_fresh_process(solve_vroom, instance, args.time_limit)
            for key, value in figures(instance, vroom_routes, vroom_seconds, known).items():
                row[f"vroom_{key}"] = value
        rows.append(row)
        print(json.dumps(row), flush=True)
    if rows:
        print(json.dumps(summary(rows)), flush=True)
    return 0 if all(row["feasible"] for row in rows) else 1


def summary(rows: Sequence[dict[str, object]]) -> dict[str, object]:
    """Feasible share, vehicle comparison and mean gaps over all rows."""
    result: dict[str, object] = {
        "summary": len(rows),
        "feasible_pct": round(100 * sum(bool(r["feasible"]) for r in rows) / len(rows), 1),
        "vehicles": sum(int(str(r["vehicles"])) for r in rows),
    }
    gaps = [float(str(r["gap_pct"])) for r in rows if "gap_pct" in r]
    if gaps:
        result["mean_gap_pct"] = round(statistics.fmean(gaps), 3)
    if rows and "vroom_vehicles" in rows[0]:
        result["vroom_feasible_pct"] = round(
            100 * sum(bool(r["vroom_feasible"]) for r in rows) / len(rows), 1
        )
        result["vroom_vehicles"] = sum(int(str(r["vroom_vehicles"])) for r in rows)
        vroom_gaps = [float(str(r["vroom_gap_pct"])) for r in rows if "vroom_gap_pct" in r]
        if vroom_gaps:
            result["vroom_mean_gap_pct"] = round(statistics.fmean(vroom_gaps), 3)
        result["instances_with_more_vehicles_than_vroom"] = [
            r["instance"] for r in rows if int(str(r["vehicles"])) > int(str(r["vroom_vehicles"]))
        ]
    return result


def markdown_table(path: Path) -> str:
    """The per-instance lines of a benchmark run as a Markdown table, then the summary."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    instances = [row for row in rows if "instance" in row]
    lines = [
        "| instance | feasible | vehicles | distance | gap % | VROOM feasible | VROOM vehicles "
        "| VROOM distance | VROOM gap % | BKS vehicles | BKS distance |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in instances:
        cells = [
            row["instance"],
            "yes" if row["feasible"] else "**no**",
            row["vehicles"],
            f"{row['distance']:.2f}",
            row.get("gap_pct", ""),
            "yes" if row.get("vroom_feasible") else "no",
            row.get("vroom_vehicles", ""),
            f"{row['vroom_distance']:.2f}" if "vroom_distance" in row else "",
            row.get("vroom_gap_pct", ""),
            row.get("bks_vehicles", ""),
            row.get("bks_distance", ""),
        ]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    lines += [
        "",
        "| set | instances | feasible % | vehicles | VROOM vehicles | BKS vehicles "
        "| more vehicles than VROOM | fewer than VROOM | mean gap % | VROOM mean gap % |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    suites = {
        "Li & Lim": [r for r in instances if str(r["instance"]).startswith("l")],
        "Solomon": [r for r in instances if not str(r["instance"]).startswith("l")],
    }
    for name, rows_ in suites.items():
        if not rows_:
            continue
        count = len(rows_)
        more = [r["instance"] for r in rows_ if r["vehicles"] > r.get("vroom_vehicles", 10**9)]
        fewer = [r["instance"] for r in rows_ if r["vehicles"] < r.get("vroom_vehicles", 0)]
        cells = [
            name,
            count,
            round(100 * sum(bool(r["feasible"]) for r in rows_) / count, 1),
            sum(r["vehicles"] for r in rows_),
            sum(r.get("vroom_vehicles", 0) for r in rows_),
            sum(r.get("bks_vehicles", 0) for r in rows_),
            ", ".join(more) or "none",
            ", ".join(fewer) or "none",
            round(statistics.fmean(r.get("gap_pct", 0.0) for r in rows_), 3),
            round(statistics.fmean(r.get("vroom_gap_pct", 0.0) for r in rows_), 3),
        ]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instances", nargs="*", type=Path, help="Solomon or Li & Lim files")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    parser.add_argument("--bks", type=Path, action="append", default=[], help="bks.csv file(s)")
    parser.add_argument("--solution-dir", type=Path, help="write each solution as JSON here")
    parser.add_argument("--vs-vroom", action="store_true", help="also solve with VROOM")
    parser.add_argument(
        "--table", type=Path, help="print the JSON lines of an earlier run as a Markdown table"
    )
    parser.add_argument("--village", action="store_true", help="run the village scenario")
    parser.add_argument(
        "--village-reference-s",
        type=float,
        default=60.0,
        help="time limit of the reference village solve",
    )
    args = parser.parse_args(argv)
    if args.table is not None:
        print(markdown_table(args.table))
        return 0
    if args.village:
        return run_village(args)
    if not args.instances:
        parser.error("give instance files or --village")
    return run_instances(args)


VILLAGE_CENTRE = Location(50.790, 7.872)
HOUR_S = 3600

#: (mode, capacity in size units, how many of the 25 volunteers use it)
VILLAGE_FLEET = (
    (TravelMode.FOOT, 4, 5),
    (TravelMode.BIKE, 6, 8),
    (TravelMode.CARGO_BIKE, 16, 6),
    (TravelMode.CAR, 30, 6),
)


def _scatter(rng: random.Random, radius_m: float) -> Location:
    """A point uniformly spread over a disc of ``radius_m`` around the village centre."""
    distance_m = radius_m * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    metres_per_degree = 111_320.0
    return Location(
        round(VILLAGE_CENTRE.lat + distance_m * math.cos(angle) / metres_per_degree, 6),
        round(
            VILLAGE_CENTRE.lon
            + distance_m
            * math.sin(angle)
            / (metres_per_degree * math.cos(math.radians(VILLAGE_CENTRE.lat))),
            6,
        ),
    )


def village_problem(
    *, parcels: int = 300, volunteers: int = 25, pickup_points: int = 3, seed: int = 2026
) -> Problem:
    """A generated delivery day in a village around 50.790 N 7.872 E.

    Pickup points (depot, shop, locker) lie within 300 m of the centre, households and
    volunteers' homes within about 2 km. Volunteers work a morning (9-12 h), an
    afternoon (14-18 h) or a long shift (9-17 h, at most 4 h on the road) on foot, by
    bike, cargo bike or car. A third of the parcels has a two-hour delivery window; a
    few are bulky (8 units, cargo bike or car only). Times are seconds since midnight.
    """
    rng = random.Random(seed)
    pickups = [_scatter(rng, 300) for _ in range(pickup_points)]
    households = [_scatter(rng, 2000) for _ in range(parcels)]
    homes = [_scatter(rng, 1500) for _ in range(volunteers)]
    locations = tuple(pickups + households + homes)
    modes = [(mode, capacity) for mode, capacity, count in VILLAGE_FLEET for _ in range(count)]
    shifts = [
        (TimeWindow(9 * HOUR_S, 12 * HOUR_S), None),
        (TimeWindow(14 * HOUR_S, 18 * HOUR_S), None),
        (TimeWindow(9 * HOUR_S, 17 * HOUR_S), 4 * HOUR_S),
    ]
    team = []
    for k in range(volunteers):
        mode, capacity = modes[k % len(modes)]
        shift, max_duration_s = shifts[k % len(shifts)]
        home = pickup_points + parcels + k
        team.append(Volunteer(f"helper-{k:02d}", mode, capacity, home, home, shift, max_duration_s))
    opening = TimeWindow(8 * HOUR_S, 18 * HOUR_S)
    items = []
    for k in range(parcels):
        size = rng.choices([1, 2, 3, 8], weights=[60, 25, 10, 5])[0]
        window = None
        if rng.random() < 1 / 3:
            start_s = rng.randrange(9 * HOUR_S, 16 * HOUR_S, 30 * 60)
            window = TimeWindow(start_s, start_s + 2 * HOUR_S)
        items.append(
            Parcel(
                id=f"parcel-{k:03d}",
                size_units=size,
                pickup=rng.randrange(pickup_points),
                delivery=pickup_points + k,
                window=window,
                pickup_window=opening,
                pickup_service_s=60,
                delivery_service_s=90,
            )
        )
    return Problem(locations, tuple(team), tuple(items))


def _plan_figures(plan: Plan, seconds: float) -> dict[str, object]:
    durations = [route.end_s - route.start_s for route in plan.routes]
    mean_s = sum(durations) / len(durations) if durations else 0
    return {
        "seconds": round(seconds, 2),
        "unassigned": len(plan.unassigned),
        "volunteers": plan.volunteers_used,
        "travel_s": plan.travel_s,
        "longest_route_s": max(durations, default=0),
        "mean_route_s": round(mean_s),
        "longest_over_mean": round(max(durations) / mean_s, 3) if durations else None,
    }


def run_village(args: argparse.Namespace) -> int:
    """Plan the village day with both policies in 5 s and in 60 s, then re-plan after one
    volunteer declines (from the 5 s plan with as few volunteers as possible)."""
    problem = village_problem()
    provider = GeodesicProvider()
    matrices = {mode: provider.travel_times_s(problem.locations, mode) for mode in TravelMode}
    rows: list[dict[str, object]] = []
    plans: dict[str, Plan] = {}
    for policy in (Policy.FEWEST_VOLUNTEERS, Policy.SPREAD):
        for label, limit_s in (("plan_5s", 5.0), ("plan_60s", args.village_reference_s)):
            started = time.monotonic()
            # A fresh provider each time: the figure includes computing the matrix.
            plan = solve(
                problem,
                Settings(time_limit_s=limit_s, policy=policy),
                provider=GeodesicProvider(),
            )
            row = {
                "village": label,
                "policy": policy.value,
                **_plan_figures(plan, time.monotonic() - started),
            }
            row["violations"] = plan_violations(problem, plan, matrices)
            plans[label if policy is Policy.FEWEST_VOLUNTEERS else f"spread_{label}"] = plan
            rows.append(row)
            print(json.dumps(row), flush=True)
    for label in ("plan_5s", "plan_60s"):
        fewest, spread = plans[label], plans[f"spread_{label}"]
        print(
            json.dumps(
                {
                    "village": f"spread_vs_fewest_{label}",
                    "travel_ratio": round(spread.travel_s / fewest.travel_s, 3),
                }
            ),
            flush=True,
        )
    quick, best = plans["plan_5s"], plans["plan_60s"]
    comparable = (len(quick.unassigned), quick.volunteers_used) == (
        len(best.unassigned),
        best.volunteers_used,
    )
    print(
        json.dumps(
            {
                "village": "plan_5s_vs_60s",
                "same_unassigned_and_volunteers": comparable,
                "travel_gap_pct": round((quick.travel_s - best.travel_s) / best.travel_s * 100, 3),
            }
        ),
        flush=True,
    )

    # The volunteer with the longest route declines: re-plan from the 5 s plan.
    declined = max(quick.routes, key=lambda route: len(route.stops)).volunteer_id
    remaining = tuple(v for v in problem.volunteers if v.id != declined)
    replanned_problem = Problem(problem.locations, remaining, problem.parcels)
    started = time.monotonic()
    replanned = solve(
        replanned_problem, Settings(time_limit_s=1.0), provider=provider, previous=quick
    )
    row = {
        "village": "replan_after_decline",
        "declined": declined,
        **_plan_figures(replanned, time.monotonic() - started),
    }
    kept = sum(
        1
        for route in quick.routes
        if route.volunteer_id != declined
        and (new := replanned.route_of(route.volunteer_id)) is not None
        and set(route.parcel_ids) <= set(new.parcel_ids)
    )
    row["routes_keeping_all_their_parcels"] = f"{kept}/{len(quick.routes) - 1}"
    row["violations"] = plan_violations(replanned_problem, replanned, matrices)
    print(json.dumps(row), flush=True)
    return 0 if not any(r["violations"] for r in rows) and not row["violations"] else 1


if __name__ == "__main__":
    sys.exit(main())
