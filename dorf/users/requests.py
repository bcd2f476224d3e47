"""Small typing helpers for DRF views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.request import Request

if TYPE_CHECKING:
    from dorf.users.models import User

    class AuthedRequest(Request):
        """A request that passed IsAuthenticated: ``user`` is a real User."""

        user: User

else:
    AuthedRequest = Request
