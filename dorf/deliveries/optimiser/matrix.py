"""Travel-time matrices: how many seconds from each place to each other place, per mode.

Two providers implement the ``TravelTimeProvider`` protocol:

* ``GeodesicProvider`` (the default, needs no service): distance on the Earth's
  surface x a detour factor per mode / a speed per mode.
* ``OsrmTableProvider``: the road network, from an OSRM server's table API.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from geopy.distance import geodesic, great_circle

from .problem import Location, TravelMode

#: Walking, cycling and driving inside a village, in metres per second.
DEFAULT_SPEEDS_M_PER_S: Mapping[TravelMode, float] = {
    TravelMode.FOOT: 1.3,  # 4.7 km/h, with a bag
    TravelMode.BIKE: 4.2,  # 15 km/h
    TravelMode.CARGO_BIKE: 3.3,  # 12 km/h, loaded
    TravelMode.CAR: 8.3,  # 30 km/h, village streets and parking
}

#: How much longer the way along paths and streets is than the straight line.
DEFAULT_DETOUR_FACTORS: Mapping[TravelMode, float] = {
    TravelMode.FOOT: 1.25,
    TravelMode.BIKE: 1.3,
    TravelMode.CARGO_BIKE: 1.35,
    TravelMode.CAR: 1.4,
}

#: Seconds standing for "no way from here to there" (an OSRM ``null``); long enough
#: that no shift can include it, small enough that sums of them never overflow.
UNREACHABLE_S = 10_000_000


class TravelTimeUnavailable(RuntimeError):
    """The travel-time service could not be asked or gave an answer we cannot use."""


class TravelTimeProvider(Protocol):
    """Anything that turns places into a square matrix of whole travel seconds."""

    def travel_times_s(self, locations: Sequence[Location], mode: TravelMode) -> list[list[int]]:
        """Return ``m`` with ``m[i][j]`` the seconds from ``locations[i]`` to ``locations[j]``."""
        ...


@dataclass
class GeodesicProvider:
    """Straight-line distance x detour factor / speed, rounded up to whole seconds.

    By default the distance is the great-circle distance (geopy's ``great_circle``),
    which within a village differs from the ellipsoidal distance by far less than the
    detour factor's uncertainty and is ten times faster; ``ellipsoid=True`` uses
    geopy's ``geodesic`` instead. Distances are cached per list of places, so asking
    for several modes or re-planning over the same places computes them once.
    """

    speeds_m_per_s: Mapping[TravelMode, float] = field(
        default_factory=lambda: dict(DEFAULT_SPEEDS_M_PER_S)
    )
    detour_factors: Mapping[TravelMode, float] = field(
        default_factory=lambda: dict(DEFAULT_DETOUR_FACTORS)
    )
    ellipsoid: bool = False
    _distances_m: dict[tuple[Location, ...], list[list[float]]] = field(
        default_factory=dict, init=False, repr=False
    )

    def distances_m(self, locations: Sequence[Location]) -> list[list[float]]:
        """Return the symmetric matrix of straight-line distances in metres."""
        key = tuple(locations)
        cached = self._distances_m.get(key)
        if cached is not None:
            return cached
        measure = geodesic if self.ellipsoid else great_circle
        size = len(key)
        distances = [[0.0] * size for _ in range(size)]
        points = [(location.lat, location.lon) for location in key]
        for i in range(size):
            for j in range(i + 1, size):
                if key[i] != key[j]:
                    metres = float(measure(points[i], points[j]).meters)
                    distances[i][j] = distances[j][i] = metres
        if len(self._distances_m) > 8:  # a long-lived provider must not grow forever
            self._distances_m.clear()
        self._distances_m[key] = distances
        return distances

    def travel_times_s(self, locations: Sequence[Location], mode: TravelMode) -> list[list[int]]:
        """Return whole seconds per pair of places for ``mode``."""
        factor = self.detour_factors[mode] / self.speeds_m_per_s[mode]
        return [
            [math.ceil(metres * factor) for metres in row] for row in self.distances_m(locations)
        ]


#: OSRM profile asked for each mode, and the factor applied to its durations
#: (OSRM has no cargo-bike profile: a bike, a little slower).
DEFAULT_OSRM_PROFILES: Mapping[TravelMode, tuple[str, float]] = {
    TravelMode.FOOT: ("foot", 1.0),
    TravelMode.BIKE: ("bike", 1.0),
    TravelMode.CARGO_BIKE: ("bike", 1.25),
    TravelMode.CAR: ("car", 1.0),
}


@dataclass
class OsrmTableProvider:
    """Road-network travel times from an OSRM server's ``/table/v1`` service.

    ``base_url`` is e.g. ``http://osrm:5000``. Each call is one HTTP GET with
    ``timeout_s``; any failure raises ``TravelTimeUnavailable`` so that the caller can
    fall back to ``GeodesicProvider``. Pairs OSRM cannot connect get ``UNREACHABLE_S``.
    """

    base_url: str
    profiles: Mapping[TravelMode, tuple[str, float]] = field(
        default_factory=lambda: dict(DEFAULT_OSRM_PROFILES)
    )
    timeout_s: float = 10.0

    def url(self, locations: Sequence[Location], mode: TravelMode) -> str:
        """The table request for ``locations`` (OSRM wants ``lon,lat``)."""
        profile, _ = self.profiles[mode]
        coordinates = ";".join(f"{loc.lon:.6f},{loc.lat:.6f}" for loc in locations)
        return f"{self.base_url.rstrip('/')}/table/v1/{profile}/{coordinates}?annotations=duration"

    def travel_times_s(self, locations: Sequence[Location], mode: TravelMode) -> list[list[int]]:
        """Ask the server and return whole seconds per pair of places for ``mode``."""
        if not locations:
            return []
        url = self.url(locations, mode)
        if not url.startswith(("http://", "https://")):
            raise TravelTimeUnavailable(f"OSRM base URL must be http(s), got {self.base_url!r}")
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:  # noqa: S310 - scheme checked above
                body = json.load(response)
        except (OSError, urllib.error.URLError, ValueError) as error:
            raise TravelTimeUnavailable(f"OSRM table request failed: {error}") from error
        if not isinstance(body, dict) or body.get("code") != "Ok":
            code = body.get("code") if isinstance(body, dict) else None
            raise TravelTimeUnavailable(f"OSRM answered {code!r} instead of 'Ok'")
        durations = body.get("durations")
        size = len(locations)
        if not isinstance(durations, list) or len(durations) != size:
            raise TravelTimeUnavailable("OSRM answer has no durations matrix of the asked size")
        _, factor = self.profiles[mode]
        matrix: list[list[int]] = []
        for row in durations:
            if not isinstance(row, list) or len(row) != size:
                raise TravelTimeUnavailable("OSRM answer has a durations row of the wrong size")
            matrix.append(
                [
                    UNREACHABLE_S if value is None else math.ceil(float(value) * factor)
                    for value in row
                ]
            )
        return matrix
