"""The route optimiser: plans parcel deliveries for volunteers. Pure Python, no Django.

Build a ``Problem`` from plain dataclasses, call ``solve``, read the ``Plan``::

    plan = solve(problem, Settings(time_limit_s=5))

A malformed problem raises ``InvalidProblem``; parcels that cannot be served are
listed in ``plan.unassigned`` with a reason.
"""

from .matrix import (
    GeodesicProvider,
    OsrmTableProvider,
    TravelTimeProvider,
    TravelTimeUnavailable,
)
from .problem import (
    Location,
    Parcel,
    Policy,
    Problem,
    Settings,
    TimeWindow,
    TravelMode,
    Volunteer,
)
from .solution import Plan, Route, Stop, StopKind, Unassigned, UnassignedReason
from .solver import solve
from .validation import InvalidProblem

__all__ = [
    "GeodesicProvider",
    "InvalidProblem",
    "Location",
    "OsrmTableProvider",
    "Parcel",
    "Plan",
    "Policy",
    "Problem",
    "Route",
    "Settings",
    "Stop",
    "StopKind",
    "TimeWindow",
    "TravelMode",
    "TravelTimeProvider",
    "TravelTimeUnavailable",
    "Unassigned",
    "UnassignedReason",
    "Volunteer",
    "solve",
]
