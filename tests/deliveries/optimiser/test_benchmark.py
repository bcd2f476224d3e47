"""The benchmark's reader and checker, and the optimiser on small classic instances."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.vrp import Instance, check, read_instance, solve_ours, total_distance
from dorf.deliveries.optimiser import InvalidProblem

# The classic instances live in the shared folder beside the checkout (../shared/bench/vrp).
DATA = Path(
    os.environ.get(
        "DORF_BENCH_DATA", Path(__file__).resolve().parents[3].parent / "shared" / "bench" / "vrp"
    )
)
needs_data = pytest.mark.skipif(not DATA.exists(), reason="benchmark instances not present")

SOLOMON = """C101

VEHICLE
NUMBER     CAPACITY
  3         20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        100          0
    1      3          4         10          0         15          2
    2      6          8         10         10         30          2
    3      0          5          5          0         50          2
"""

LILIM = """2\t10\t1
0\t0\t0\t0\t0\t100\t0\t0\t0
1\t3\t4\t5\t0\t50\t1\t0\t2
2\t6\t8\t-5\t0\t60\t1\t1\t0
3\t0\t5\t4\t0\t50\t1\t0\t4
4\t0\t10\t-4\t0\t70\t1\t3\t0
"""


@pytest.fixture
def solomon(tmp_path: Path) -> Instance:
    path = tmp_path / "tiny.txt"
    path.write_text(SOLOMON)
    return read_instance(path)


@pytest.fixture
def lilim(tmp_path: Path) -> Instance:
    path = tmp_path / "tinypd.txt"
    path.write_text(LILIM)
    return read_instance(path)


def test_checker_accepts_a_feasible_solomon_solution(solomon: Instance) -> None:
    assert check(solomon, [[1, 2], [3]]) == []
    assert total_distance(solomon, [[1, 2], [3]]) == pytest.approx(5 + 5 + 10 + 5 + 5)


def test_checker_reports_capacity_window_and_missing_tasks(solomon: Instance) -> None:
    errors = check(solomon, [[2, 1, 3]])

    assert any("starts with load 25 > 20" in e for e in errors)
    assert any("node 1 served at" in e for e in errors)  # reached after its due time

    assert any("node 3 served 0 times" in e for e in check(solomon, [[1, 2]]))


def test_checker_rejects_a_delivery_before_its_pickup(lilim: Instance) -> None:
    assert check(lilim, [[1, 2], [3, 4]]) == []
    assert any(
        "delivery 2 before or without its pickup" in e for e in check(lilim, [[2, 1], [3, 4]])
    )
    assert any(
        "delivery 4 before or without its pickup" in e for e in check(lilim, [[1, 2, 4], [3]])
    )


def test_reading_a_delivery_without_its_pickup_raises_invalid_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_text(LILIM.replace("4\t0\t10\t-4\t0\t70\t1\t3\t0", "4\t0\t10\t-4\t0\t70\t1\t9\t0"))

    with pytest.raises(InvalidProblem, match="delivery 4"):
        read_instance(path)


def test_optimiser_solves_the_tiny_instances_feasibly(solomon: Instance, lilim: Instance) -> None:
    for instance in (solomon, lilim):
        routes, _ = solve_ours(instance, 1.0)
        assert check(instance, routes) == []


@needs_data
@pytest.mark.parametrize("name", ["lilim/lc101.txt", "solomon/c101.txt"])
def test_optimiser_solves_a_classic_instance_feasibly_in_two_seconds(name: str) -> None:
    instance = read_instance(DATA / name)

    routes, seconds = solve_ours(instance, 2.0)

    assert check(instance, routes) == []
    assert len(routes) == 10  # the best-known fleet for lc101 and c101
    assert seconds < 4
