"""Per-user send limit, shared by every socket and the REST API (Redis in production)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

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
    # add() is a no-op when the key exists; incr() is atomic in Redis.
    cache.add(key, 0, timeout=SEND_WINDOW_S * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=SEND_WINDOW_S * 2)
        count = 1
    if count > SEND_LIMIT:
        raise RateLimited()
