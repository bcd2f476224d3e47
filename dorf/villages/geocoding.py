"""Turning an address into coordinates, behind one small interface.

The village's own address register is asked first (in services); a geocoder is the
fallback for addresses the register does not know. Production may use Nominatim through
geopy: rate-limited to its usage policy and cached, because the same addresses come back.
Tests use ``FakeGeocoder`` and never reach the internet.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

CACHE_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float


def cache_key(query: str) -> str:
    return "geocode:" + hashlib.sha256(query.lower().encode()).hexdigest()


class Geocoder(Protocol):
    def geocode(self, query: str) -> GeoPoint | None: ...


class RegisterOnlyGeocoder:
    """Knows nothing beyond the village register: unknown addresses are refused."""

    def geocode(self, query: str) -> GeoPoint | None:
        return None


class NominatimGeocoder:
    def __init__(
        self, domain: str, user_agent: str, min_delay_s: float, scheme: str = "https"
    ) -> None:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        client = Nominatim(domain=domain, scheme=scheme, user_agent=user_agent, timeout=5)
        self._geocode = RateLimiter(
            client.geocode,
            min_delay_seconds=min_delay_s,
            max_retries=1,
            error_wait_seconds=min_delay_s,
        )

    def geocode(self, query: str) -> GeoPoint | None:
        key = cache_key(query)
        cached = cache.get(key)
        if cached is not None:
            return GeoPoint(*cached) if cached else None
        from geopy.exc import GeopyError

        try:
            location = self._geocode(query, country_codes="de")
        except GeopyError:
            logger.warning("geocoding failed for an address", exc_info=True)
            return None  # not cached: a later attempt may succeed
        point = GeoPoint(location.latitude, location.longitude) if location else None
        cache.set(key, (point.latitude, point.longitude) if point else (), CACHE_SECONDS)
        return point


class FakeGeocoder:
    """For tests: answers only the addresses a test put into ``known``."""

    known: ClassVar[dict[str, GeoPoint]] = {}

    def geocode(self, query: str) -> GeoPoint | None:
        return self.known.get(query.lower())


def get_geocoder() -> Geocoder:
    kind = settings.DORF_GEOCODER
    if kind == "nominatim":
        return NominatimGeocoder(
            settings.DORF_NOMINATIM_DOMAIN,
            settings.DORF_NOMINATIM_USER_AGENT,
            settings.DORF_GEOCODER_MIN_DELAY_S,
            settings.DORF_NOMINATIM_SCHEME,
        )
    if kind == "fake":
        return FakeGeocoder()
    return RegisterOnlyGeocoder()
