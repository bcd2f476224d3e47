"""How much time a problem needs at least, before a search can start (issue 22).

The planner promises to return within its time limit, everything included. Below a
certain limit that cannot hold: the matrices, the first plans and the models take
their time whatever the limit. ``minimum_time_limit_s`` estimates that time from the
problem's size (measured on the project's 2-core machine with nothing else running),
and ``solve`` refuses a shorter limit up front with ``TimeLimitTooShort``. Plain
Python: the planning service asks before it solves.
"""

from __future__ import annotations

import math

from .problem import Problem

#: A day is split into parts (``cluster.split_day``) above this many parcels ...
SPLIT_ABOVE_PARCELS = 400
#: ... of about this many parcels each: the size the planner handles well within a
#: share of 5 s (300 parcels whole: first plan 0.3 s, 4 s of search).
PART_PARCELS = 250

# Seconds, measured (2026-11-30, load ~1) on the village generator
# (benchmarks/planning_scale.py): matrices ~0.05 s per million cells per mode and
# 0.03 s per million for the distances; screening ~2 us per parcel and volunteer of a
# part; trips ~3.5 us per parcel squared of a part; a model ~0.02 s per part. Doubled
# for safety on a busy machine is not done here: the limit must stay usable.
_FIXED_S = 0.05
_MATRIX_S_PER_CELL = 0.06e-6
_SCREEN_S_PER_PAIR = 2e-6
_TRIPS_S_PER_PARCEL_SQUARED = 2.5e-6
_MODEL_S_PER_PART = 0.03
#: The least search worth having per part.
_SEARCH_S_PER_PART = 0.05


class TimeLimitTooShort(ValueError):
    """The time limit is shorter than the problem needs before any search can start."""

    def __init__(self, needed_s: float, limit_s: float) -> None:
        super().__init__(
            f"this problem needs a time limit of at least {needed_s:.1f} s "
            f"(matrices, first plans and models), {limit_s:.1f} s was given"
        )
        self.needed_s = needed_s
        self.limit_s = limit_s


def part_count(parcels: int) -> int:
    """How many parts a day of ``parcels`` parcels is split into (1: not split)."""
    if parcels <= SPLIT_ABOVE_PARCELS:
        return 1
    return math.ceil(parcels / PART_PARCELS)


def minimum_time_limit_s(problem: Problem) -> float:
    """The shortest time limit ``solve`` accepts for ``problem``, in seconds."""
    parcels = len(problem.parcels)
    volunteers = len(problem.volunteers)
    places = len(problem.locations)
    modes = len({v.mode for v in problem.volunteers} - set(problem.travel_times_s))
    parts = part_count(parcels)
    per_part = parcels / parts
    needed = _FIXED_S + _MATRIX_S_PER_CELL * places**2 * (1 + modes) / 2
    needed += _SCREEN_S_PER_PAIR * parcels * volunteers / parts
    needed += parts * (
        _TRIPS_S_PER_PARCEL_SQUARED * per_part**2 + _MODEL_S_PER_PART + _SEARCH_S_PER_PART
    )
    return round(needed, 2)
