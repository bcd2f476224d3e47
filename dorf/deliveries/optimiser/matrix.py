"""Travel-time matrices: how many seconds from each place to each other place, per mode.

Two providers implement the ``TravelTimeProvider`` protocol:

* ``GeodesicProvider`` (the default, needs no service): distance on the Earth's
  surface x a detour factor per mode / a speed per mode, computed with NumPy for all
  pairs at once and cached per set of places.
* ``OsrmTableProvider``: the road network, from an OSRM server's table API.
"""

from __future__ import annotations

import json
import math
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from geopy.distance import geodesic

from .problem import Location, TravelMode

if TYPE_CHECKING:  # NumPy is imported where matrices are computed: web processes never do
    import numpy as np
    import numpy.typing as npt

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


#: The Earth's mean radius in metres, as geopy's ``great_circle`` uses it.
EARTH_RADIUS_M = 6_371_009.0

#: Distance matrices kept between solves of one process (a plan and its re-plans), at
#: most this many, and none larger than ``_CACHE_MAX_CELLS`` cells.
_CACHE_ENTRIES = 4
_CACHE_MAX_CELLS = 2_500 * 2_500


@dataclass(frozen=True, slots=True)
class _Entry:
    key_hash: int
    locations: tuple[Location, ...]
    index: dict[Location, int]
    distances: Any


class _DistanceCache:
    """Straight-line distance matrices per set of places, shared by every provider.

    The planning service makes a provider per run; a re-plan of the same day asks for
    the same places again (or fewer: a volunteer declined), and the parts of a split
    day ask for theirs: a matrix whose places include all the asked ones is cut to size
    instead of computed anew. Keys are hashed once (hashing 2,000 places on every look-up
    cost more than cutting the matrix).
    """

    def __init__(self) -> None:
        self._entries: list[_Entry] = []  # least recently used first
        self._lock = threading.Lock()

    def get(self, locations: tuple[Location, ...]) -> Any | None:
        import numpy as np

        key_hash = hash(locations)
        with self._lock:
            for k in range(len(self._entries) - 1, -1, -1):
                entry = self._entries[k]
                if entry.key_hash == key_hash and entry.locations == locations:
                    self._entries.append(self._entries.pop(k))
                    return entry.distances
            for k in range(len(self._entries) - 1, -1, -1):
                entry = self._entries[k]
                rows = [entry.index.get(location) for location in locations]
                if all(row is not None for row in rows):
                    self._entries.append(self._entries.pop(k))
                    picked = np.asarray(rows, dtype=np.intp)
                    return entry.distances[np.ix_(picked, picked)]
        return None

    def put(self, locations: tuple[Location, ...], distances: Any) -> None:
        if len(locations) ** 2 > _CACHE_MAX_CELLS:
            return
        index: dict[Location, int] = {}
        for i, location in enumerate(locations):
            index.setdefault(location, i)
        with self._lock:
            self._entries.append(_Entry(hash(locations), locations, index, distances))
            del self._entries[:-_CACHE_ENTRIES]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


DISTANCE_CACHE = _DistanceCache()


def great_circle_matrix_m(locations: Sequence[Location]) -> npt.NDArray[np.float64]:
    """Great-circle distances in metres between all ``locations``, computed at once.

    The haversine formula over NumPy arrays: equal to geopy's ``great_circle`` pair by
    pair to well under a millimetre (both use the mean radius ``EARTH_RADIUS_M``).
    2,000 places take about 0.2 s and 32 MB instead of 23 s pair by pair.
    """
    import numpy as np

    size = len(locations)
    if size == 0:
        return np.zeros((0, 0), dtype=np.float64)
    coordinates = np.radians(
        np.array([(location.lat, location.lon) for location in locations], dtype=np.float64)
    )
    lat, lon = coordinates[:, 0], coordinates[:, 1]
    # hav(d) = hav(dlat) + cos(lat1) cos(lat2) hav(dlon), built in place to keep the
    # temporaries at two matrices.
    half = np.subtract.outer(lat, lat)
    half *= 0.5
    result = np.sin(half, out=half)
    result *= result
    cos_lat = np.cos(lat)
    term = np.subtract.outer(lon, lon)
    term *= 0.5
    np.sin(term, out=term)
    term *= term
    term *= cos_lat[:, None]
    term *= cos_lat[None, :]
    result += term
    del term
    np.clip(result, 0.0, 1.0, out=result)
    np.sqrt(result, out=result)
    np.arcsin(result, out=result)
    result *= 2 * EARTH_RADIUS_M
    np.fill_diagonal(result, 0.0)
    return result


@dataclass
class GeodesicProvider:
    """Straight-line distance x detour factor / speed, rounded up to whole seconds.

    By default the distance is the great-circle distance, computed for all pairs at
    once (``great_circle_matrix_m``; within a village it differs from the ellipsoidal
    distance by far less than the detour factor's uncertainty); ``ellipsoid=True``
    uses geopy's ``geodesic`` pair by pair instead (slow: minutes for 2,000 places).
    Distances are cached per set of places for the whole process (``DISTANCE_CACHE``),
    so several modes, a plan and its re-plans compute them once.
    """

    speeds_m_per_s: Mapping[TravelMode, float] = field(
        default_factory=lambda: dict(DEFAULT_SPEEDS_M_PER_S)
    )
    detour_factors: Mapping[TravelMode, float] = field(
        default_factory=lambda: dict(DEFAULT_DETOUR_FACTORS)
    )
    ellipsoid: bool = False

    def distances_m(self, locations: Sequence[Location]) -> npt.NDArray[np.float64]:
        """Return the symmetric matrix of straight-line distances in metres (NumPy)."""
        key = tuple(locations)
        if self.ellipsoid:
            return self._ellipsoidal_m(key)
        cached: npt.NDArray[np.float64] | None = DISTANCE_CACHE.get(key)
        if cached is not None:
            return cached
        distances = great_circle_matrix_m(key)
        distances.flags.writeable = False  # shared through the cache
        DISTANCE_CACHE.put(key, distances)
        return distances

    @staticmethod
    def _ellipsoidal_m(key: tuple[Location, ...]) -> npt.NDArray[np.float64]:
        import numpy as np

        size = len(key)
        distances = np.zeros((size, size), dtype=np.float64)
        points = [(location.lat, location.lon) for location in key]
        for i in range(size):
            for j in range(i + 1, size):
                if key[i] != key[j]:
                    metres = float(geodesic(points[i], points[j]).meters)
                    distances[i, j] = distances[j, i] = metres
        return distances

    def travel_times_array(
        self, locations: Sequence[Location], mode: TravelMode
    ) -> npt.NDArray[np.int32]:
        """Whole seconds per pair of places for ``mode``, as an int32 NumPy matrix."""
        import numpy as np

        factor = self.detour_factors[mode] / self.speeds_m_per_s[mode]
        seconds = self.distances_m(locations) * factor
        np.ceil(seconds, out=seconds)
        return seconds.astype(np.int32)

    def travel_times_arrays(
        self, locations: Sequence[Location], modes: Sequence[TravelMode]
    ) -> dict[TravelMode, npt.NDArray[np.int32]]:
        """``travel_times_array`` for several modes, looking the distances up once."""
        import numpy as np

        distances = self.distances_m(locations)
        arrays: dict[TravelMode, npt.NDArray[np.int32]] = {}
        for mode in modes:
            seconds = distances * (self.detour_factors[mode] / self.speeds_m_per_s[mode])
            np.ceil(seconds, out=seconds)
            arrays[mode] = seconds.astype(np.int32)
        return arrays

    def travel_times_s(self, locations: Sequence[Location], mode: TravelMode) -> list[list[int]]:
        """Return whole seconds per pair of places for ``mode`` (lists; see ``travel_times_array``)."""
        matrix: list[list[int]] = self.travel_times_array(locations, mode).tolist()
        return matrix


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
