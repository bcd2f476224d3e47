"""How many reports a reporter (and an Open311 key) may file per hour.

Fixed one-hour windows counted in the cache (Redis in production, shared by every
process): ``add`` then the atomic ``incr``. The limits are settings
(``DORF_REPORTS_PER_REPORTER_PER_HOUR``, ``DORF_OPEN311_REQUESTS_PER_KEY_PER_HOUR``).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from dorf.core.exceptions import DomainError

WINDOW_S = 3600


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"
    default_message = _("Too many reports in the last hour; please try again later.")


def _count(key: str) -> int:
    cache.add(key, 0, timeout=WINDOW_S * 2)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_S * 2)
        return 1


def reporter_key(*, user_id: int | None, email: str) -> str:
    if user_id is not None:
        return f"user:{user_id}"
    return "email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def check_rate(*, scope: str, ident: str, limit: int) -> None:
    """Count one attempt of ``ident`` in ``scope``; RateLimited past ``limit`` this hour."""
    window = int(time.time()) // WINDOW_S
    if _count(f"reports-rate:{scope}:{ident}:{window}") > limit:
        raise RateLimited()
