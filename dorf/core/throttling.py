"""Request throttles: atomic fixed-window counters that fail open when Redis is down.

DRF's own throttles keep a list of timestamps in the cache and write it back after
reading it: concurrent requests overwrite each other's entries and a burst gets far more
requests through than the rate allows. These count with one atomic ``INCR`` per request
(``dorf.core.cache.hit``) in a window of the rate's length (a client may get up to twice
the rate across a window boundary, never more).

The client address comes from ``REMOTE_ADDR``. Only when ``DORF_NUM_PROXIES`` (DRF's
``NUM_PROXIES``) is set to the number of reverse proxies in front of the app is the
address taken from ``X-Forwarded-For``, that many entries from its right end, where a
client cannot forge it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rest_framework.throttling import SimpleRateThrottle

from dorf.core.cache import CacheUnavailable, hit, log_outage

if TYPE_CHECKING:  # rest_framework.views imports this module while it loads
    from rest_framework.request import Request

logger = logging.getLogger(__name__)


class CountingThrottle(SimpleRateThrottle):
    """A fixed-window request counter per ``get_cache_key`` (None: not throttled)."""

    window_ends_at: float = 0.0
    # Set by SimpleRateThrottle.__init__ from the rate ("600/min": 600 and 60).
    num_requests: int
    duration: int

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.now = now
        self.window_ends_at = float((window + 1) * self.duration)
        try:
            count = hit(f"{key}:{window}", ttl_s=int(self.duration) + 1)
        except CacheUnavailable as exc:
            # Fail open: a Redis outage must not turn every request into a 500 or a 429.
            log_outage(f"throttle {self.scope}", exc)
            return True
        return bool(count <= self.num_requests)

    def wait(self) -> float | None:
        return max(0.0, self.window_ends_at - self.timer())


class UserThrottle(CountingThrottle):
    """Requests per signed-in user (all endpoints together)."""

    scope = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # AnonThrottle counts these
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonThrottle(CountingThrottle):
    """Requests per anonymous client address."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthThrottle(CountingThrottle):
    """Login, registration and password attempts per client address, signed in or not."""

    scope = "auth"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
