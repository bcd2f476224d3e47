"""Domain errors raised by services; the API turns each into one JSON error shape."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request that breaks a rule of the product. Answered with a 4xx, never a 500."""

    status_code = 400
    code = "invalid"
    default_message: str | Promise = _("The request breaks a rule.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        self.fields = fields
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    """Input that is well-formed but not acceptable (400)."""

    default_message = _("Invalid input.")


class NotFound(DomainError):
    """Unknown, or outside the requester's villages: both look the same (404)."""

    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(DomainError):
    """The requester may see the object but not do this to it (403)."""

    status_code = 403
    code = "permission_denied"
    default_message = _("You are not allowed to do this.")


class Conflict(DomainError):
    """The request clashes with the object's current state (409)."""

    status_code = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state.")
