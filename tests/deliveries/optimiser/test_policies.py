"""The planning policies and the volunteers' own limits (no database)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from benchmarks.vrp import village_problem
from dorf.deliveries.optimiser import (
    GeodesicProvider,
    InvalidProblem,
    Plan,
    Policy,
    Problem,
    Settings,
    TravelMode,
    solve,
)
from dorf.deliveries.optimiser.checks import plan_violations

FIRST = Settings(time_limit_s=5.0, first_solution_only=True)


def matrices_of(problem: Problem) -> dict[TravelMode, list[list[int]]]:
    provider = GeodesicProvider()
    return {mode: provider.travel_times_s(problem.locations, mode) for mode in TravelMode}


def _with_matrices(problem: Problem) -> Problem:
    return replace(problem, travel_times_s=matrices_of(problem))


@pytest.fixture(scope="module")
def day() -> Problem:
    # 40 parcels; 8 volunteers with cars who live by the first pickup point, so that
    # sharing the day out costs hardly any extra travel
    problem = village_problem(parcels=40, volunteers=8, seed=5)
    team = tuple(
        replace(v, mode=TravelMode.CAR, capacity_units=30, start=0, end=0)
        for v in problem.volunteers
    )
    return _with_matrices(replace(problem, volunteers=team))


def _durations(plan: Plan) -> list[int]:
    return [route.end_s - route.start_s for route in plan.routes]


def test_spread_shares_the_day_among_more_volunteers_with_shorter_rounds(day: Problem) -> None:
    # when
    fewest = solve(day, replace(FIRST, policy=Policy.FEWEST_VOLUNTEERS))
    spread = solve(day, replace(FIRST, policy=Policy.SPREAD))
    # then: the same parcels served, more volunteers, a shorter longest round, a little
    # more travel at most, and every limit kept
    assert len(spread.unassigned) == len(fewest.unassigned)
    assert spread.volunteers_used > fewest.volunteers_used
    assert max(_durations(spread)) < max(_durations(fewest))
    assert spread.travel_s <= fewest.travel_s * 1.15
    assert plan_violations(day, spread, dict(day.travel_times_s)) == []


def test_a_volunteers_maximum_of_stops_is_a_hard_limit(day: Problem) -> None:
    # given: everyone takes at most 3 doors
    limited = replace(day, volunteers=tuple(replace(v, max_stops=3) for v in day.volunteers))
    for policy in Policy:
        # when
        plan = solve(limited, replace(FIRST, policy=policy))
        # then: no route has more than 3 deliveries; what does not fit is reported
        assert all(len(route.parcel_ids) <= 3 for route in plan.routes)
        assert sum(len(r.parcel_ids) for r in plan.routes) + len(plan.unassigned) == 40
        assert plan.routes
        assert plan_violations(limited, plan, dict(day.travel_times_s)) == []


def test_a_volunteers_maximum_duration_is_a_hard_limit_under_spread(day: Problem) -> None:
    limited = replace(
        day, volunteers=tuple(replace(v, max_duration_s=3600) for v in day.volunteers)
    )
    plan = solve(limited, replace(FIRST, policy=Policy.SPREAD))
    assert all(duration <= 3600 for duration in _durations(plan))
    assert plan_violations(limited, plan, dict(day.travel_times_s)) == []


def test_a_maximum_of_no_stops_is_refused(day: Problem) -> None:
    broken = replace(day, volunteers=(replace(day.volunteers[0], max_stops=0),))
    with pytest.raises(InvalidProblem, match="max_stops"):
        solve(broken, FIRST)
