"""Malformed problems raise one error type that names what is wrong."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dorf.deliveries.optimiser import (
    InvalidProblem,
    Location,
    Parcel,
    Problem,
    Settings,
    TimeWindow,
    TravelMode,
    Volunteer,
    solve,
)

PLACES = (Location(50.79, 7.872), Location(50.80, 7.872), Location(50.79, 7.88))
ANNA = Volunteer("anna", TravelMode.CAR, 10, start=0, end=0, shift=TimeWindow(0, 3600))
BOOK = Parcel("book", 1, pickup=1, delivery=2)
GOOD = Problem(PLACES, (ANNA,), (BOOK,))


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (
            replace(GOOD, travel_times_s={TravelMode.CAR: [[0, 1], [1, 0]]}),
            "has 2 rows, expected 3",
        ),
        (
            replace(GOOD, travel_times_s={TravelMode.CAR: [[0, 1, 1], [1, 0], [1, 1, 0]]}),
            "row 1 has 2 entries",
        ),
        (
            replace(GOOD, travel_times_s={TravelMode.CAR: [[0, -1, 1], [1, 0, 1], [1, 1, 0]]}),
            "not a non-negative integer",
        ),
        (
            replace(GOOD, parcels=(replace(BOOK, window=TimeWindow(600, 300)),)),
            "window ends at 300 s before it starts at 600 s",
        ),
        (replace(GOOD, volunteers=(replace(ANNA, shift=TimeWindow(10, 5)),)), "shift: window ends"),
        (
            replace(GOOD, volunteers=(replace(ANNA, capacity_units=-1),)),
            "capacity_units must not be negative",
        ),
        (replace(GOOD, parcels=(replace(BOOK, size_units=-2),)), "size_units must not be negative"),
        (
            replace(GOOD, parcels=(replace(BOOK, delivery=7),)),
            "delivery: location index 7 is not in 0..2",
        ),
        (replace(GOOD, parcels=(replace(BOOK, pickup=-1),)), "pickup: location index -1"),
        (replace(GOOD, parcels=(replace(BOOK, picked_up_by="zoe"),)), "names volunteer 'zoe'"),
        (replace(GOOD, parcels=(BOOK, BOOK)), "parcel 'book' appears twice"),
        (replace(GOOD, volunteers=(ANNA, ANNA)), "volunteer 'anna' appears twice"),
    ],
)
def test_malformed_problem_raises_invalid_problem_naming_the_fault(
    problem: Problem, message: str
) -> None:
    with pytest.raises(InvalidProblem, match=message):
        solve(problem)


def test_invalid_problem_is_a_value_error() -> None:
    assert issubclass(InvalidProblem, ValueError)


def test_an_infeasible_but_valid_problem_is_not_an_error() -> None:
    impossible = replace(BOOK, window=TimeWindow(7200, 7300))  # after the shift

    plan = solve(replace(GOOD, parcels=(impossible,)), Settings(time_limit_s=1))

    assert plan.routes == ()
    assert [u.parcel_id for u in plan.unassigned] == ["book"]
