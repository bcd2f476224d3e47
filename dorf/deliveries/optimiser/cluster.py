"""Splitting a large day into parts that are planned one after the other (issue 22).

A Verbandsgemeinde's day (1,000-2,500 parcels, 60-120 volunteers) is too large for one
OR-Tools model: the model's matrices grow with the square of the stops for every travel
mode (2.8 GB at 2,000 parcels), and the trip builder with the square of the parcels.
Parcels are grouped by where they go (k-means on the delivery places, so a village or a
quarter stays together, parts of about ``budget.PART_PARCELS``), and every volunteer is given
to one part: carriers to the part of the parcels they carry, volunteers of a previous
plan (a re-plan) to the part of most of their parcels, the others so that every part
gets about the same carrying capacity per unit of parcels, with a preference for parts
near their home. Each part is then a small problem of its own
(``subproblem``) with its own matrices cut out of the day's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from .budget import PART_PARCELS
from .problem import Location, Problem, TravelMode, Volunteer
from .solution import Plan, Route

#: A home this far (km) from a part's middle counts as twice as "full" a part.
_HOME_DISTANCE_SCALE_KM = 5.0

_METRES_PER_DEGREE = 111_320.0


@dataclass
class Part:
    """Parcels (indices into ``Problem.parcels``) and the volunteers who serve them."""

    parcels: list[int]
    volunteers: list[int]


def _plane(locations: Sequence[Location], indices: Sequence[int]) -> npt.NDArray[np.float64]:
    """Places as metres east and north of the first one (good enough within 50 km)."""
    points = np.array(
        [(locations[i].lat, locations[i].lon) for i in indices], dtype=np.float64
    ).reshape(-1, 2)
    if not len(points):
        return points
    lat0 = math.radians(float(points[0, 0]))
    north = (points[:, 0] - points[0, 0]) * _METRES_PER_DEGREE
    east = (points[:, 1] - points[0, 1]) * _METRES_PER_DEGREE * math.cos(lat0)
    return np.stack([east, north], axis=1)


def _kmeans(points: npt.NDArray[np.float64], k: int, iterations: int = 12) -> list[int]:
    """Labels of ``points`` in ``k`` groups; deterministic (k-means++ from a fixed seed)."""
    n = len(points)
    if k <= 1 or n <= k:
        return [0] * n if k <= 1 else list(range(n))
    rng = np.random.default_rng(2026)
    centres = [points[int(rng.integers(n))]]
    nearest = ((points - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = float(nearest.sum())
        pick = int(rng.choice(n, p=nearest / total)) if total > 0 else int(rng.integers(n))
        centres.append(points[pick])
        nearest = np.minimum(nearest, ((points - points[pick]) ** 2).sum(axis=1))
    middle = np.array(centres)
    labels = np.zeros(n, dtype=np.intp)
    for round_ in range(iterations):
        distances = ((points[:, None, :] - middle[None, :, :]) ** 2).sum(axis=2)
        new = distances.argmin(axis=1)
        if round_ > 0 and np.array_equal(new, labels):
            break
        labels = new
        for c in range(k):
            members = points[labels == c]
            if len(members):
                middle[c] = members.mean(axis=0)
    return [int(label) for label in labels]


def _weight(volunteer: Volunteer) -> float:
    """What a volunteer can carry in a day, roughly: capacity x hours available."""
    available_s = volunteer.shift.end_s - volunteer.shift.start_s
    if volunteer.max_duration_s is not None:
        available_s = min(available_s, volunteer.max_duration_s)
    return max(volunteer.capacity_units, 1) * max(available_s, 1) / 3600


def split_day(problem: Problem, parts: int, previous: Plan | None = None) -> list[Part]:
    """The day's parcels and volunteers in ``parts`` parts (see the module's notes).

    Every parcel and every volunteer is in exactly one part. A parcel already carried
    is in its carrier's part.
    """
    parcels = problem.parcels
    if not parcels:
        return [Part([], list(range(len(problem.volunteers))))]
    deliveries = [parcel.delivery for parcel in parcels]
    points = _plane(problem.locations, deliveries)
    labels = _kmeans(points, parts)
    # Parts too large for their share of the time are split again.
    count = max(labels) + 1
    for c in range(count):
        members = [p for p, label in enumerate(labels) if label == c]
        if len(members) > 1.5 * PART_PARCELS:
            extra = _kmeans(points[members], math.ceil(len(members) / PART_PARCELS))
            for p, sub in zip(members, extra, strict=True):
                if sub:
                    labels[p] = count + sub - 1
            count += max(extra)
    used = sorted(set(labels))
    renumber = {label: i for i, label in enumerate(used)}
    labels = [renumber[label] for label in labels]
    count = len(used)

    volunteer_index = {volunteer.id: v for v, volunteer in enumerate(problem.volunteers)}
    part_of_volunteer: dict[int, int] = {}
    # Carriers first: they go where most of what they carry goes, and take it along.
    carried: dict[int, list[int]] = {}
    for p, parcel in enumerate(parcels):
        if parcel.picked_up_by is not None and parcel.picked_up_by in volunteer_index:
            carried.setdefault(volunteer_index[parcel.picked_up_by], []).append(p)
    for v, mine in carried.items():
        part_of_volunteer[v] = _majority([labels[p] for p in mine])
        for p in mine:
            labels[p] = part_of_volunteer[v]
    # A re-plan keeps volunteers with the part of most of their previous parcels.
    if previous is not None:
        parcel_index = {parcel.id: p for p, parcel in enumerate(parcels)}
        for route in previous.routes:
            known = volunteer_index.get(route.volunteer_id)
            if known is None or known in part_of_volunteer:
                continue
            theirs = [labels[parcel_index[i]] for i in route.parcel_ids if i in parcel_index]
            if theirs:
                part_of_volunteer[known] = _majority(theirs)

    demand = [0.0] * count
    for p, parcel in enumerate(parcels):
        demand[labels[p]] += max(parcel.size_units, 1)
    middles = np.zeros((count, 2), dtype=np.float64)
    for c in range(count):
        members = [p for p, label in enumerate(labels) if label == c]
        middles[c] = points[members].mean(axis=0)
    supply = [0.0] * count
    for v, c in part_of_volunteer.items():
        supply[c] += _weight(problem.volunteers[v])
    # The others: largest vehicles first, each to the part with the least supply per
    # demand (counting a home far from the part as less supply).
    free = sorted(
        (v for v in range(len(problem.volunteers)) if v not in part_of_volunteer),
        key=lambda v: (-_weight(problem.volunteers[v]), v),
    )
    anchor = deliveries[0]
    if free:
        homes = _plane(problem.locations, [anchor] + [problem.volunteers[v].start for v in free])
        homes = homes[1:]
        for home, v in zip(homes, free, strict=True):
            weight = _weight(problem.volunteers[v])
            km = np.sqrt(((middles - home) ** 2).sum(axis=1)) / 1000
            score = [
                (supply[c] + weight) / demand[c] * (1 + float(km[c]) / _HOME_DISTANCE_SCALE_KM)
                for c in range(count)
            ]
            best = min(range(count), key=lambda c: (score[c], c))
            part_of_volunteer[v] = best
            supply[best] += weight

    result = [Part([], []) for _ in range(count)]
    for p, label in enumerate(labels):
        result[label].parcels.append(p)
    for v in range(len(problem.volunteers)):
        result[part_of_volunteer[v]].volunteers.append(v)
    return result


def _majority(labels: Sequence[int]) -> int:
    counts: dict[int, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return min(counts, key=lambda label: (-counts[label], label))


def subproblem(
    problem: Problem, part: Part, matrices: Mapping[TravelMode, npt.NDArray[np.integer[Any]]]
) -> tuple[Problem, list[int]]:
    """``part`` as a problem of its own, and its places' indices in ``problem``.

    Only the places the part uses are kept (renumbered), and only the matrices of the
    travel modes of its volunteers, cut out of the day's ``matrices`` (modes missing
    there are left for the caller to compute).
    """
    volunteers = [problem.volunteers[v] for v in part.volunteers]
    parcels = [problem.parcels[p] for p in part.parcels]
    places: set[int] = set()
    for volunteer in volunteers:
        places.update((volunteer.start, volunteer.end))
    for parcel in parcels:
        places.add(parcel.delivery)
        if parcel.pickup is not None:
            places.add(parcel.pickup)
    ordered = sorted(places)
    local = {g: i for i, g in enumerate(ordered)}
    picked = np.asarray(ordered, dtype=np.intp)
    cut = np.ix_(picked, picked)
    sub = Problem(
        locations=tuple(problem.locations[g] for g in ordered),
        volunteers=tuple(
            replace(volunteer, start=local[volunteer.start], end=local[volunteer.end])
            for volunteer in volunteers
        ),
        parcels=tuple(
            replace(
                parcel,
                pickup=None if parcel.pickup is None else local[parcel.pickup],
                delivery=local[parcel.delivery],
            )
            for parcel in parcels
        ),
        travel_times_s={
            mode: matrices[mode][cut]
            for mode in sorted({v.mode for v in volunteers})
            if mode in matrices
        },
    )
    return sub, ordered


def global_routes(plan: Plan, places: Sequence[int]) -> list[Route]:
    """The routes of a part's plan with the day's place numbers."""
    return [
        replace(
            route,
            stops=tuple(replace(stop, location=places[stop.location]) for stop in route.stops),
        )
        for route in plan.routes
    ]
