"""The input of the route optimiser: plain, frozen dataclasses.

Times are integer seconds from a reference the caller chooses (for the village
planner: seconds since midnight of the planning day, local time). Places are
referred to by their index in ``Problem.locations`` so that a travel-time matrix
can be given for exactly those places.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any


class TravelMode(enum.StrEnum):
    """How a volunteer travels; each mode has its own speed and travel-time matrix."""

    FOOT = "foot"
    BIKE = "bike"
    CARGO_BIKE = "cargo_bike"
    CAR = "car"


@dataclass(frozen=True, slots=True)
class Location:
    """A place on the map in WGS84 degrees (for the classic benchmarks: plane coordinates)."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval ``[start_s, end_s]`` of seconds in which something may happen."""

    start_s: int
    end_s: int

    def contains(self, time_s: int) -> bool:
        """Whether ``time_s`` lies in the window, both ends included."""
        return self.start_s <= time_s <= self.end_s


@dataclass(frozen=True, slots=True)
class Volunteer:
    """A volunteer's shift: who, with which vehicle, from where to where, and when.

    ``start`` and ``end`` are indices into ``Problem.locations`` (usually both the
    volunteer's home). The route leaves ``start`` no earlier than ``shift.start_s``
    and reaches ``end`` no later than ``shift.end_s``; ``max_duration_s`` bounds the
    time between leaving and arriving (waiting included), ``max_stops`` the number of
    deliveries (doors) on the route. Both are hard limits.
    """

    id: str
    mode: TravelMode
    capacity_units: int
    start: int
    end: int
    shift: TimeWindow
    max_duration_s: int | None = None
    max_stops: int | None = None


@dataclass(frozen=True, slots=True)
class Parcel:
    """One parcel to carry from its pickup to the recipient's household on one route.

    ``pickup`` and ``delivery`` are indices into ``Problem.locations``. A parcel with
    ``pickup=None`` has no pickup stop: it is loaded where the route of whoever
    delivers it starts (the classic delivery-only VRP with time windows).
    ``picked_up_by`` names the volunteer who already carries the parcel: when
    re-planning, its pickup is done and its delivery stays on that volunteer's route.
    ``window`` applies to the delivery, ``pickup_window`` to the pickup (opening hours
    of a shop, say); ``None`` means any time within the shift.
    """

    id: str
    size_units: int
    pickup: int | None
    delivery: int
    window: TimeWindow | None = None
    pickup_window: TimeWindow | None = None
    pickup_service_s: int = 0
    delivery_service_s: int = 0
    picked_up_by: str | None = None


if TYPE_CHECKING:  # NumPy only where matrices are computed: web processes never load it
    import numpy as np
    import numpy.typing as npt

    #: Whole seconds, row = from, column = to: lists, or an integer NumPy matrix.
    Matrix = Sequence[Sequence[int]] | npt.NDArray[np.integer[Any]]
else:
    Matrix = Sequence[Sequence[int]]


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything the solver needs for one planning run.

    ``travel_times_s`` optionally gives, per travel mode, a square matrix of travel
    times in seconds between ``locations`` (row = from, column = to). Modes missing
    from it are computed by the ``TravelTimeProvider`` passed to ``solve``.
    """

    locations: tuple[Location, ...]
    volunteers: tuple[Volunteer, ...]
    parcels: tuple[Parcel, ...]
    travel_times_s: Mapping[TravelMode, Matrix] = field(default_factory=dict)


class Policy(enum.StrEnum):
    """What a plan optimises once it serves as many parcels as it can.

    ``FEWEST_VOLUNTEERS``: as few volunteers as possible, then the least travel (a
    courier company's goal). ``SPREAD``: the work shared out among the volunteers, as
    evenly as a little more travel allows (``Settings.spread_travel_allowance``), each
    round as short as that makes it; then the least travel.
    """

    FEWEST_VOLUNTEERS = "fewest_volunteers"
    SPREAD = "spread"


@dataclass(frozen=True, slots=True)
class Settings:
    """How hard and how long to search.

    ``time_limit_s`` bounds the whole solve, building the matrix included. Without a
    ``solution_limit`` the search runs until the time limit, so how far it gets (and
    the plan) depends on the machine's speed and load. With ``solution_limit`` (the
    number of solutions the search accepts before it stops; the solve is then a single
    search phase) or ``first_solution_only``, a search that ends before the time limit
    gives the same plan for the same input and settings on every run.
    ``fixed_cost_per_volunteer``
    overrides the automatic cost of using one more volunteer (in travel seconds);
    ``log_search`` prints the OR-Tools search log. ``policy`` chooses what to optimise
    after serving every parcel it can (see ``Policy``); with ``SPREAD``,
    ``spread_travel_allowance`` is the share of extra travel (over a first plan with as
    few volunteers as possible) that spreading the work may cost.
    """

    time_limit_s: float = 5.0
    solution_limit: int | None = None
    first_solution_only: bool = False
    fixed_cost_per_volunteer: int | None = None
    log_search: bool = False
    policy: Policy = Policy.FEWEST_VOLUNTEERS
    spread_travel_allowance: float = 0.1
