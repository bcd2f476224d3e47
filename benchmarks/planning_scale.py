"""Plan days of 300 to 2,000 parcels within the time limit, and what it costs (issue 22).

Usage (from the repository root)::

    nice python -m benchmarks.planning_scale                       # 300/1,000/2,000 at 5 s and 60 s
    nice python -m benchmarks.planning_scale --limits 5 --cases 2000:120
    python -m benchmarks.planning_scale --table run.jsonl           # the Markdown table

Each plan runs in a fresh process (``--one``) through the optimiser's public API, with
a fresh ``GeodesicProvider`` and an empty distance cache, so its wall time includes
the matrices, and its peak RSS (``ru_maxrss``: interpreter, NumPy and OR-Tools
included) is its own. The days come from ``benchmarks.vrp.village_problem`` (one
village of ~2 km radius, 3 pickup points, the fleet mix of the village scenario). Every
plan is checked with ``plan_violations``. One JSON line per plan, with the load average
(1 min) before and after: the machine is shared, wall times depend on it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

CASES = ((300, 25), (1000, 60), (2000, 120))
LIMITS = (5.0, 60.0)


def run_one(parcels: int, volunteers: int, limit_s: float) -> dict[str, object]:
    """Plan one generated day in this process and describe the result."""
    from benchmarks.vrp import village_problem
    from dorf.deliveries.optimiser import GeodesicProvider, Settings, solve
    from dorf.deliveries.optimiser.checks import plan_violations

    problem = village_problem(parcels=parcels, volunteers=volunteers)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    plan = solve(problem, Settings(time_limit_s=limit_s), provider=GeodesicProvider())
    wall_s = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load_after = os.getloadavg()[0]
    provider = GeodesicProvider()
    matrices = {
        v.mode: provider.travel_times_array(problem.locations, v.mode) for v in problem.volunteers
    }
    violations = plan_violations(problem, plan, matrices)
    timing = plan.timing
    return {
        "parcels": parcels,
        "volunteers": volunteers,
        "limit_s": limit_s,
        "wall_s": round(wall_s, 2),
        "within_limit_plus_10pct": wall_s <= 1.1 * limit_s,
        "peak_rss_mb": round(peak_mb),
        "volunteers_used": plan.volunteers_used,
        "travel_s": plan.travel_s,
        "unassigned": len(plan.unassigned),
        "violations": len(violations),
        "parts": timing.clusters if timing else None,
        "search_budget_s": timing.search_budget_s if timing else None,
        "phases_s": dict(timing.phases_s) if timing else {},
        "load_1min_before": round(load_before, 2),
        "load_1min_after": round(load_after, 2),
    }


def matrix_only(places: int, repeats: int = 3) -> dict[str, object]:
    """Seconds for the 2,000-stop matrix: distances plus every mode's times, no cache."""
    import random

    from dorf.deliveries.optimiser import GeodesicProvider, Location, TravelMode
    from dorf.deliveries.optimiser.matrix import DISTANCE_CACHE

    rng = random.Random(1)
    locations = [
        Location(50.79 + rng.uniform(-0.02, 0.02), 7.872 + rng.uniform(-0.03, 0.03))
        for _ in range(places)
    ]
    best = {"distances": float("inf"), "all_four_modes": float("inf")}
    for _ in range(repeats):
        DISTANCE_CACHE.clear()
        provider = GeodesicProvider()
        started = time.monotonic()
        provider.distances_m(locations)
        best["distances"] = min(best["distances"], time.monotonic() - started)
        for mode in TravelMode:
            provider.travel_times_array(locations, mode)
        best["all_four_modes"] = min(best["all_four_modes"], time.monotonic() - started)
    return {
        "matrix_places": places,
        **{f"{key}_s": round(value, 3) for key, value in best.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def markdown_table(path: Path) -> str:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    lines = [
        "| parcels / volunteers | limit | wall time | within +10 % | peak RSS | parts "
        "| volunteers used | travel | unassigned | load (1 min) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if "parcels" not in row:
            continue
        lines.append(
            f"| {row['parcels']:,} / {row['volunteers']} | {row['limit_s']:g} s "
            f"| {row['wall_s']:.2f} s | {'yes' if row['within_limit_plus_10pct'] else 'no'} "
            f"| {row['peak_rss_mb']} MB | {row['parts']} | {row['volunteers_used']} "
            f"| {row['travel_s']:,} s | {row['unassigned']} "
            f"| {row['load_1min_before']} / {row['load_1min_after']} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="*", default=[f"{p}:{v}" for p, v in CASES])
    parser.add_argument("--limits", nargs="*", type=float, default=list(LIMITS))
    parser.add_argument("--one", nargs=3, metavar=("PARCELS", "VOLUNTEERS", "LIMIT"))
    parser.add_argument("--matrix", type=int, metavar="PLACES", help="time the matrix only")
    parser.add_argument("--table", type=Path, help="print the Markdown table of a run's output")
    args = parser.parse_args(argv)
    if args.table:
        print(markdown_table(args.table))
        return 0
    if args.matrix:
        print(json.dumps(matrix_only(args.matrix)), flush=True)
        return 0
    if args.one:
        parcels, volunteers, limit = args.one
        print(json.dumps(run_one(int(parcels), int(volunteers), float(limit))), flush=True)
        return 0
    failed = False
    command = [sys.executable, "-m", "benchmarks.planning_scale"]
    subprocess.run([*command, "--matrix", "2000"], check=True)
    for limit in args.limits:
        for case in args.cases:
            parcels, volunteers = case.split(":")
            done = subprocess.run(
                [*command, "--one", parcels, volunteers, str(limit)],
                check=True,
                capture_output=True,
                text=True,
            )
            line = done.stdout.strip().splitlines()[-1]
            print(line, flush=True)
            row = json.loads(line)
            failed = failed or bool(row["violations"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
