"""The route optimiser: plans parcel deliveries for volunteers. Pure Python, no Django.

Build a ``Problem`` from plain dataclasses, call ``solve``, read the ``Plan``::

    plan = solve(problem, Settings(time_limit_s=5))

A malformed problem raises ``InvalidProblem``; parcels that cannot be served are
listed in ``plan.unassigned`` with a reason.
"""

import os
from typing import TYPE_CHECKING, Any

# NumPy (matrices, day splitting) starts OpenBLAS's thread pool on import unless told
# not to; once a process has run a second thread, glibc's malloc takes its locking path
# for good, and OR-Tools allocates on every move: ~12 % fewer search rounds in the same
# time (docs/benchmarks.md, "Route optimiser"). The planner does no linear algebra.
# Only effective before NumPy's first import, which in a planning process is ours.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .budget import TimeLimitTooShort, minimum_time_limit_s
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
from .solution import Plan, Route, Stop, StopKind, Timing, Unassigned, UnassignedReason
from .validation import InvalidProblem

if TYPE_CHECKING:
    from .solver import solve


def __getattr__(name: str) -> Any:
    # ``solve`` imports OR-Tools (~30 MiB, half a second): only the processes that plan
    # load it, on first use; web processes use the dataclasses alone (issue 22).
    if name == "solve":
        from .solver import solve

        return solve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "TimeLimitTooShort",
    "TimeWindow",
    "Timing",
    "TravelMode",
    "TravelTimeProvider",
    "TravelTimeUnavailable",
    "Unassigned",
    "UnassignedReason",
    "Volunteer",
    "minimum_time_limit_s",
    "solve",
]
