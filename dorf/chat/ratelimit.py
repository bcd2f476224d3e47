"""Per-user send limit, shared by every socket and the REST API (Redis in production)."""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dorf.core.cache import CacheUnavailable, hit, log_outage
from dorf.core.exceptions import DomainError

SEND_LIMIT = settings.DORF_CHAT_SEND_LIMIT
SEND_WINDOW_S = settings.DORF_CHAT_SEND_WINDOW_S


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"
    default_message = _("You are sending too fast; wait a moment.")


def current_window() -> int:
    return int(time.time()) // SEND_WINDOW_S


def send_counter_key(user_id: int, window: int) -> str:
    return f"chat-send:{user_id}:{window}"


def check_send_rate(user_id: int) -> None:
    """Count one message; raise RateLimited past SEND_LIMIT in the current window."""
    key = send_counter_key(user_id, current_window())
    try:
        count = hit(key, ttl_s=SEND_WINDOW_S * 2)
    except CacheUnavailable as exc:
        # Fail open: while Redis is down messages are still stored (and replayed).
        log_outage("chat send limit", exc)
        return
    if count > SEND_LIMIT:
        raise RateLimited()
