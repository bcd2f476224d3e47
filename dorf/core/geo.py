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


def metres_per_deg_lon(lat: float) -> float:
    """Metres per degree of longitude at latitude ``lat`` (equirectangular)."""
    return METRES_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat))


def distance_sq_m2(
    origin: tuple[float, float],
    *,
    lat_field: str,
    lon_field: str,
    lon_scale: float | None = None,
) -> ExpressionWrapper[CombinedExpression]:
    """An expression for the squared distance (m²) from ``origin`` to a row's point.
    ``lon_scale`` is ``metres_per_deg_lon(origin's latitude)``, given by a caller that
    passes it as a parameter of its own (a compiled query: dorf.core.sql)."""
    lat0, lon0 = origin
    kx = metres_per_deg_lon(lat0) if lon_scale is None else lon_scale
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
