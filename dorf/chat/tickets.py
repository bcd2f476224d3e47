"""Short-lived single-use tickets that authenticate the WebSocket handshake.

A long-lived bearer token in a URL ends up in proxy logs; a ticket lives ~30 s, is
stored only as its SHA-256 in the cache (Redis in production) and works once.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed

from dorf.core.cache import take
from dorf.core.exceptions import DomainError
from dorf.users.authentication import authenticate_token
from dorf.users.models import User, hash_token

TICKET_TTL_S = 30
BEARER_PROTOCOL_PREFIX = "bearer."
# The subprotocol the server answers with (a client offering a token must offer it too).
PROTOCOL = "dorf.v1"


def _key(raw: str) -> str:
    return f"ws-ticket:{hash_token(raw)}"


class TicketsUnavailable(DomainError):
    """The cache (Redis) cannot store a ticket: the socket cannot be opened right now."""

    status_code = 503
    code = "unavailable"
    default_message = _("Live updates are unavailable for a moment; try again shortly.")


def ticket_issue(*, user: User) -> str:
    raw = secrets.token_urlsafe(32)
    # add(), not set(): it says whether the ticket was stored (not during a Redis outage).
    if not cache.add(_key(raw), user.pk, timeout=TICKET_TTL_S):
        raise TicketsUnavailable()
    return raw


def ticket_consume(raw: str) -> int | None:
    """The ticket's user id, once: read and deleted in one atomic step (Redis GETDEL)."""
    user_id = take(_key(raw))
    return None if user_id is None else int(user_id)


def handshake_ticket(query_string: bytes) -> str | None:
    """The ``?ticket=`` of a WebSocket handshake, if any."""
    tickets = parse_qs(query_string.decode("latin-1")).get("ticket", [])
    return tickets[0] if tickets else None


def token_user(*, subprotocols: list[str]) -> User | None:
    """The user of a ``bearer.<token>`` subprotocol (clients that cannot set a URL)."""
    for protocol in subprotocols:
        if protocol.startswith(BEARER_PROTOCOL_PREFIX):
            try:
                user, _token = authenticate_token(protocol[len(BEARER_PROTOCOL_PREFIX) :])
            except AuthenticationFailed:
                return None
            return user
    return None
