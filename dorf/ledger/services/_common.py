"""Input checks shared by the ledger's write use-cases."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model
from django.utils.translation import gettext as _

from dorf.core.exceptions import Forbidden, ValidationFailed
from dorf.ledger.models import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    MEMO_MAX_LENGTH,
    STORED_KEY_MAX_LENGTH,
)
from dorf.villages.models import Membership, MembershipState, Village


def _validate_minutes(minutes: object, *, field: str = "minutes") -> int:
    # bool is an int in Python; True minutes is a bug, not one minute.
    if type(minutes) is not int:
        raise ValidationFailed(fields={field: [_("Minutes must be a whole number.")]})
    return minutes


def _validate_memo(memo: str) -> str:
    memo = (memo or "").strip()
    if not memo:
        raise ValidationFailed(fields={"memo": [_("A memo is required.")]})
    if len(memo) > MEMO_MAX_LENGTH:
        raise ValidationFailed(fields={"memo": [_("The memo is too long.")]})
    return memo


def _validate_stored_key(key: str) -> str:
    """A key as stored: the client's key (at most 200 characters) behind its scope."""
    if not key or len(key) > STORED_KEY_MAX_LENGTH:
        raise ValidationFailed(
            _("An Idempotency-Key of at most 200 characters is required."),
            code="idempotency_key_required",
        )
    return key


def _validate_key(idempotency_key: str) -> str:
    if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationFailed(
            _("An Idempotency-Key of at most 200 characters is required."),
            code="idempotency_key_required",
        )
    return idempotency_key


ModelT = TypeVar("ModelT", bound=Model)


def _require_verified(membership: Membership) -> None:
    if membership.state != MembershipState.VERIFIED:
        raise Forbidden(_("Only verified members can do this."), code="not_verified")


def _validate_amount(minutes: object, village: Village) -> int:
    value = _validate_minutes(minutes)
    if value <= 0:
        raise ValidationFailed(fields={"minutes": [_("Minutes must be more than zero.")]})
    if value > village.max_transfer_minutes:
        raise ValidationFailed(
            fields={
                "minutes": [
                    _("At most %(max)d minutes per transfer.")
                    % {"max": village.max_transfer_minutes}
                ]
            },
            code="max_transfer_exceeded",
        )
    return value
