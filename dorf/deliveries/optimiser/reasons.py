"""Which volunteer could serve a parcel alone, and why a parcel cannot be served.

Before the search, every parcel is tried on every volunteer's otherwise empty route
(start, pickup, delivery, end). A parcel that fits nobody is left out of the search
with a precise reason; for the others, the volunteers found here are the only ones
the search may give the parcel to, which also makes the search faster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .problem import Matrix, Parcel, TimeWindow, TravelMode, Volunteer
from .solution import Unassigned, UnassignedReason


@dataclass(frozen=True, slots=True)
class Visit:
    """A stop to schedule: where, how long, and when service may start."""

    location: int
    service_s: int
    window: TimeWindow | None


def earliest_end_and_duration(
    volunteer: Volunteer, visits: Sequence[Visit], matrix: Matrix
) -> tuple[int, int] | None:
    """Schedule ``visits`` in order on ``volunteer``'s route, as early as possible.

    Returns ``(arrival at the end, shortest route duration)`` or ``None`` when a
    window, the shift or the maximum duration is broken. The duration is shortest
    because departure is delayed as long as no window is missed (less waiting).
    """
    schedule = _forward(volunteer, visits, matrix, volunteer.shift.start_s)
    if schedule is None:
        return None
    end_s, slack_s = schedule
    # Leaving later by the smallest slack of any stop keeps every window.
    delayed = _forward(volunteer, visits, matrix, volunteer.shift.start_s + slack_s)
    if delayed is not None:
        end_s, _ = delayed
        departure_s = volunteer.shift.start_s + slack_s
    else:  # pragma: no cover - delaying by the computed slack is always feasible
        departure_s = volunteer.shift.start_s
    duration_s = end_s - departure_s
    if volunteer.max_duration_s is not None and duration_s > volunteer.max_duration_s:
        return None
    return end_s, duration_s


def _forward(
    volunteer: Volunteer, visits: Sequence[Visit], matrix: Matrix, departure_s: int
) -> tuple[int, int] | None:
    """Earliest schedule from ``departure_s``: ``(end arrival, forward slack)`` or ``None``."""
    time_s = departure_s
    here = volunteer.start
    slack_s = volunteer.shift.end_s - departure_s
    waited_s = 0
    for visit in visits:
        time_s += matrix[here][visit.location]
        if visit.window is not None:
            if time_s > visit.window.end_s:
                return None
            if time_s < visit.window.start_s:
                waited_s += visit.window.start_s - time_s
                time_s = visit.window.start_s
            slack_s = min(slack_s, waited_s + visit.window.end_s - time_s)
        time_s += visit.service_s
        here = visit.location
    time_s += matrix[here][volunteer.end]
    if time_s > volunteer.shift.end_s:
        return None
    slack_s = min(slack_s, waited_s + volunteer.shift.end_s - time_s, waited_s)
    return time_s, max(slack_s, 0)


def parcel_visits(parcel: Parcel) -> list[Visit]:
    """The stops ``parcel`` needs on a route: its pickup if still to do, then its delivery."""
    visits = []
    if parcel.pickup is not None and parcel.picked_up_by is None:
        visits.append(Visit(parcel.pickup, parcel.pickup_service_s, parcel.pickup_window))
    visits.append(Visit(parcel.delivery, parcel.delivery_service_s, parcel.window))
    return visits


def capable_volunteers(
    parcel: Parcel,
    volunteers: Sequence[Volunteer],
    matrices: Mapping[TravelMode, Matrix],
) -> tuple[list[int], Unassigned | None]:
    """Indices of volunteers who could serve ``parcel`` alone, or why there are none."""
    if parcel.picked_up_by is not None:
        candidates = [i for i, v in enumerate(volunteers) if v.id == parcel.picked_up_by]
    else:
        candidates = list(range(len(volunteers)))
    big_enough = [i for i in candidates if volunteers[i].capacity_units >= parcel.size_units]
    if not big_enough:
        if parcel.picked_up_by is None:
            largest = max((v.capacity_units for v in volunteers), default=0)
            return [], Unassigned(
                parcel.id,
                UnassignedReason.TOO_BIG,
                f"size {parcel.size_units} units exceeds the largest vehicle ({largest} units)",
            )
        # A carrier already holds the parcel; it cannot be too big for them.
        big_enough = candidates
    visits = parcel_visits(parcel)
    able = [
        i
        for i in big_enough
        if earliest_end_and_duration(volunteers[i], visits, matrices[volunteers[i].mode])
        is not None
    ]
    if able:
        return able, None
    if parcel.picked_up_by is not None:
        return [], Unassigned(
            parcel.id,
            UnassignedReason.CARRIER_TOO_LATE,
            f"volunteer {parcel.picked_up_by!r} carries it but cannot deliver it "
            "within its window and their shift",
        )
    return [], Unassigned(
        parcel.id,
        UnassignedReason.OUT_OF_REACH,
        "no volunteer with a large enough vehicle can fetch and deliver it within "
        "its window, their shift and their maximum route duration",
    )


def no_capacity_left(parcel: Parcel) -> Unassigned:
    """The reason for a parcel someone could serve alone but the plan leaves out."""
    return Unassigned(
        parcel.id,
        UnassignedReason.NO_CAPACITY_LEFT,
        "volunteers who could take it have no room or time left on their routes",
    )
