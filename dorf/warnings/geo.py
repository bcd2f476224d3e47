"""Does a warning reach a village? Its area intersects the village's, or — for a warning
without geometry — one of its geocodes names the village (ARS, or a DWD warn cell)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dorf.warnings.cap import CapError

if TYPE_CHECKING:
    from shapely.geometry import Polygon
    from shapely.geometry.base import BaseGeometry

# shapely is imported where a geometry is made, not at module level: it pulls in NumPy, and
# web processes stay lean (tests/deliveries/test_lean_web_process.py); only the poller and
# the check-in views build geometries.

EARTH_RADIUS_M = 6_371_000.0
ARS_CODE_NAMES = {"ARS", "SHN", "AreaId", "AGS", "ZGEM"}
WARN_CELL_CODE_NAMES = {"WARNCELLID", "WARNCELL"}


def circle(lat: float, lon: float, radius_m: float, points: int = 64) -> Polygon:
    """A polygon approximating the circle (good to a few metres at village sizes)."""
    ring = []
    for step in range(points):
        bearing = 2 * math.pi * step / points
        dlat = radius_m * math.cos(bearing) / EARTH_RADIUS_M
        dlon = radius_m * math.sin(bearing) / (EARTH_RADIUS_M * math.cos(math.radians(lat)))
        ring.append((lon + math.degrees(dlon), lat + math.degrees(dlat)))
    from shapely.geometry import Polygon

    return Polygon(ring)


def geometry_of(geojson: dict[str, Any]) -> BaseGeometry:
    """A valid shapely geometry from GeoJSON (self-intersections repaired), or CapError."""
    from shapely.errors import GEOSException
    from shapely.geometry import shape

    try:
        geometry = shape(geojson)
        if not geometry.is_valid:
            geometry = geometry.buffer(0)
    except (GEOSException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CapError("invalid geometry") from exc
    if geometry.is_empty:
        raise CapError("empty geometry")
    return geometry


def ars_matches(code: str, village_ars: str) -> bool:
    """A geocode names the village, its municipality association, district or state:
    a 12-digit key whose trailing zeros are wildcards for the levels below."""
    code = code.strip()
    if len(code) != 12 or not code.isdigit():
        return False
    prefix = code.rstrip("0")
    return bool(prefix) and village_ars.startswith(prefix)


def geocodes_match(
    geocodes: Iterable[tuple[str, str]], *, ars: str, warn_cells: Iterable[str]
) -> bool:
    cells = {str(cell) for cell in warn_cells}
    for name, value in geocodes:
        if name in WARN_CELL_CODE_NAMES and value in cells:
            return True
        if (name in ARS_CODE_NAMES or name == "") and ars_matches(value, ars):
            return True
    return False
