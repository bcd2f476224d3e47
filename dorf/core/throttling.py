from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports this module while it loads
    from rest_framework.request import Request


class UserThrottle(UserRateThrottle):
    """Requests per signed-in user (all endpoints together)."""

    scope = "user"


class AnonThrottle(AnonRateThrottle):
    """Requests per anonymous client address."""

    scope = "anon"


class AuthThrottle(SimpleRateThrottle):
    """Login, registration and password attempts per client address, signed in or not."""

    scope = "auth"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
