"""The output of the route optimiser (its solution): plain, frozen dataclasses.

``problem.py`` holds the input. Not to be confused with the deliveries app's stored plans
(``PlanningJob`` and its ``Route`` rows) or the snapshot a planning run reads
(``dorf.deliveries.snapshot``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class StopKind(enum.StrEnum):
    """What the volunteer does at a stop."""

    PICKUP = "pickup"
    DELIVERY = "delivery"


@dataclass(frozen=True, slots=True)
class Stop:
    """One stop of a route, with its schedule in seconds.

    ``arrival_s`` is when the volunteer gets there, ``service_start_s`` when the
    handover starts (later if the window opens later), ``departure_s`` when the
    volunteer leaves. ``load_units`` is what the vehicle carries after the stop.
    """

    kind: StopKind
    parcel_id: str
    location: int
    arrival_s: int
    service_start_s: int
    departure_s: int
    load_units: int


@dataclass(frozen=True, slots=True)
class Route:
    """The ordered stops of one volunteer, from leaving ``start`` to arriving at ``end``."""

    volunteer_id: str
    stops: tuple[Stop, ...]
    start_s: int
    end_s: int
    travel_s: int

    @property
    def parcel_ids(self) -> tuple[str, ...]:
        """The parcels this route delivers, in delivery order."""
        return tuple(stop.parcel_id for stop in self.stops if stop.kind is StopKind.DELIVERY)


class UnassignedReason(enum.StrEnum):
    """Why a parcel is not on any route."""

    #: Bigger than the capacity of every volunteer's vehicle.
    TOO_BIG = "too_big"
    #: No volunteer could fetch and deliver it within its window and their shift,
    #: even with nothing else to do.
    OUT_OF_REACH = "out_of_reach"
    #: Its carrier (``picked_up_by``) cannot deliver it within its window any more.
    CARRIER_TOO_LATE = "carrier_too_late"
    #: Some volunteer could carry it alone, but the routes have no room or time left.
    NO_CAPACITY_LEFT = "no_capacity_left"


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A parcel left out of the plan, with the reason and a sentence for humans."""

    parcel_id: str
    reason: UnassignedReason
    detail: str


@dataclass(frozen=True, slots=True)
class Timing:
    """Where a solve's time went, as the solver measured it (monotonic clock).

    ``limit_s`` is the time limit asked for, ``elapsed_s`` the time from the clock's
    start (the call, or the caller's ``started_s``) to the plan being read back.
    ``phases_s`` splits it: ``before`` (the caller's work before the call, e.g. an
    OSRM request), ``matrix``, ``screen`` (who could serve each parcel), ``clusters``,
    ``construction`` (first plans), ``model`` (building OR-Tools models), ``search``
    and ``plan`` (reading routes back). ``search_budget_s`` is the time the searches
    were given after everything before them; ``clusters`` how many parts the day was
    split into (1: solved whole).
    """

    limit_s: float
    elapsed_s: float
    phases_s: Mapping[str, float] = field(default_factory=dict)
    search_budget_s: float = 0.0
    clusters: int = 1


@dataclass(frozen=True, slots=True)
class Plan:
    """Routes for the volunteers who are needed, and the parcels nobody can take.

    ``travel_s`` sums the travel time of all routes (waiting and service excluded).
    ``routes`` lists only volunteers who got at least one stop, in the problem's
    volunteer order.
    """

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    travel_s: int
    #: How the solver spent its time limit (``None`` for plans not made by ``solve``).
    timing: Timing | None = field(default=None, compare=False)

    @property
    def volunteers_used(self) -> int:
        """How many volunteers have a route."""
        return len(self.routes)

    def route_of(self, volunteer_id: str) -> Route | None:
        """The route of ``volunteer_id``, or ``None`` if they are not needed."""
        for route in self.routes:
            if route.volunteer_id == volunteer_id:
                return route
        return None
