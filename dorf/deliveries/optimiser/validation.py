"""Checks that a problem can be valid at all, before any search starts.

An infeasible problem (more parcels than volunteers can carry, a window nobody can
reach) is not an error: the plan reports those parcels as unassigned. A problem that
cannot mean anything (an index pointing nowhere, a window ending before it starts,
a negative capacity) raises ``InvalidProblem`` naming the first thing that is wrong.
"""

from __future__ import annotations

import math

from .problem import Matrix, Problem, TimeWindow, TravelMode


class InvalidProblem(ValueError):
    """The problem is malformed; the message names the offending field and value."""


def _check_window(what: str, window: TimeWindow | None) -> None:
    if window is None:
        return
    if window.end_s < window.start_s:
        raise InvalidProblem(
            f"{what}: window ends at {window.end_s} s before it starts at {window.start_s} s"
        )


def _check_index(what: str, index: int, size: int) -> None:
    if not 0 <= index < size:
        raise InvalidProblem(f"{what}: location index {index} is not in 0..{size - 1}")


def _check_non_negative(what: str, value: int) -> None:
    if value < 0:
        raise InvalidProblem(f"{what} must not be negative, got {value}")


def check_matrix(mode: TravelMode | str, matrix: Matrix, size: int) -> None:
    """Raise ``InvalidProblem`` unless ``matrix`` is ``size`` x ``size`` of non-negative ints.

    A NumPy matrix (what ``GeodesicProvider.travel_times_array`` gives) is checked at
    once: its shape, an integer type and its smallest entry.
    """
    shape = getattr(matrix, "shape", None)
    if shape is not None:
        dtype = getattr(matrix, "dtype", None)
        if tuple(shape) != (size, size):
            raise InvalidProblem(
                f"travel-time matrix for {mode} has shape {tuple(shape)}, expected ({size}, {size})"
            )
        if dtype is None or dtype.kind not in "iu":
            raise InvalidProblem(f"travel-time matrix for {mode} is of type {dtype}, not integer")
        if size and int(matrix.min()) < 0:  # type: ignore[union-attr]
            raise InvalidProblem(f"travel-time matrix for {mode} has a negative entry")
        return
    if len(matrix) != size:
        raise InvalidProblem(
            f"travel-time matrix for {mode} has {len(matrix)} rows, expected {size} (one per location)"
        )
    for i, row in enumerate(matrix):
        if len(row) != size:
            raise InvalidProblem(
                f"travel-time matrix for {mode}: row {i} has {len(row)} entries, expected {size}"
            )
        for j, value in enumerate(row):
            if not isinstance(value, int) or value < 0:
                raise InvalidProblem(
                    f"travel-time matrix for {mode}: entry [{i}][{j}] = {value!r} "
                    "is not a non-negative integer"
                )


def validate(problem: Problem) -> None:
    """Raise ``InvalidProblem`` if ``problem`` is malformed; return ``None`` otherwise."""
    size = len(problem.locations)
    for i, location in enumerate(problem.locations):
        if not (math.isfinite(location.lat) and math.isfinite(location.lon)):
            raise InvalidProblem(f"location {i} has a non-finite coordinate: {location}")

    volunteer_ids: set[str] = set()
    for volunteer in problem.volunteers:
        what = f"volunteer {volunteer.id!r}"
        if volunteer.id in volunteer_ids:
            raise InvalidProblem(f"{what} appears twice")
        volunteer_ids.add(volunteer.id)
        if not isinstance(volunteer.mode, TravelMode):
            raise InvalidProblem(f"{what}: unknown travel mode {volunteer.mode!r}")
        _check_non_negative(f"{what}: capacity_units", volunteer.capacity_units)
        _check_index(f"{what}: start", volunteer.start, size)
        _check_index(f"{what}: end", volunteer.end, size)
        _check_window(f"{what}: shift", volunteer.shift)
        if volunteer.max_duration_s is not None:
            _check_non_negative(f"{what}: max_duration_s", volunteer.max_duration_s)
        if volunteer.max_stops is not None and volunteer.max_stops < 1:
            raise InvalidProblem(f"{what}: max_stops must be at least 1")

    parcel_ids: set[str] = set()
    for parcel in problem.parcels:
        what = f"parcel {parcel.id!r}"
        if parcel.id in parcel_ids:
            raise InvalidProblem(f"{what} appears twice")
        parcel_ids.add(parcel.id)
        _check_non_negative(f"{what}: size_units", parcel.size_units)
        _check_non_negative(f"{what}: pickup_service_s", parcel.pickup_service_s)
        _check_non_negative(f"{what}: delivery_service_s", parcel.delivery_service_s)
        if parcel.pickup is not None:
            _check_index(f"{what}: pickup", parcel.pickup, size)
        _check_index(f"{what}: delivery", parcel.delivery, size)
        _check_window(f"{what}: delivery", parcel.window)
        _check_window(f"{what}: pickup", parcel.pickup_window)
        if parcel.picked_up_by is not None and parcel.picked_up_by not in volunteer_ids:
            raise InvalidProblem(
                f"{what}: picked_up_by names volunteer {parcel.picked_up_by!r}, "
                "who is not in the problem"
            )

    for mode, matrix in problem.travel_times_s.items():
        check_matrix(mode, matrix, size)
