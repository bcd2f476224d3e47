"""Distances at village scale, for lists filtered or sorted by distance.

The squared equirectangular distance (metres²) is computed in SQL: accurate to well under
1 % within a few dozen kilometres, so the database can filter by radius and order
"nearest first" with a plain ORDER BY. What a client is shown is the geodesic distance
(geopy), computed only for the rows of a page.
"""

from __future__ import annotations

import math

from django.db.models import ExpressionWrapper, F, FloatField, Value
from django.db.models.expressions import CombinedExpression
from geopy.distance import geodesic

METRES_PER_DEG_LAT = 110_574.0
METRES_PER_DEG_LON_EQUATOR = 111_320.0


def distance_sq_m2(
    origin: tuple[float, float], *, lat_field: str, lon_field: str
) -> ExpressionWrapper[CombinedExpression]:
    """An expression for the squared distance (m²) from ``origin`` to a row's point."""
    lat0, lon0 = origin
    kx = METRES_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    dx = (F(lon_field) - Value(lon0)) * Value(kx)
    dy = (F(lat_field) - Value(lat0)) * Value(METRES_PER_DEG_LAT)
    return ExpressionWrapper(dx * dx + dy * dy, output_field=FloatField())


def geodesic_m(
    origin: tuple[float, float] | None, lat: float | None, lon: float | None
) -> int | None:
    """The geodesic distance in whole metres, or None when a point is missing."""
    if origin is None or lat is None or lon is None:
        return None
    metres: float = geodesic(origin, (lat, lon)).meters
    return round(metres)
