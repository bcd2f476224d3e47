"""A moderator undoes a transfer with a mirroring one."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from dorf.core.exceptions import Conflict, NotFound
from dorf.ledger.models import (
    Transfer,
    TransferKind,
)
from dorf.ledger.services._common import _validate_key
from dorf.ledger.services.transfers import transfer_audit_record, transfer_create
from dorf.villages.models import Membership
from dorf.villages.scoping import require_moderator


@transaction.atomic
def transfer_reverse(
    *, actor: Membership, transfer_id: int, memo: str, idempotency_key: str
) -> Transfer:
    """A moderator undoes a transfer with a new one that mirrors its entries; audited
    once (a retry with the same key writes no second entry)."""
    require_moderator(actor)
    key = f"reversal:{actor.user_id}:{_validate_key(idempotency_key)}"
    original = (
        Transfer.objects.filter(pk=transfer_id, village_id=actor.village_id)
        .prefetch_related("entries__account__membership__user")
        .first()
    )
    if original is None:
        raise NotFound()
    if original.kind == TransferKind.REVERSAL:
        raise Conflict(_("A reversal cannot be reversed."), code="reversal_of_reversal")
    earlier = Transfer.objects.filter(reverses=original).first()
    if earlier is not None and earlier.idempotency_key != key:
        raise Conflict(_("This transfer has already been reversed."), code="already_reversed")
    reversal = transfer_create(
        village=actor.village,
        kind=TransferKind.REVERSAL,
        legs=[(entry.account, -entry.minutes) for entry in original.entries.all()],
        memo=memo,
        idempotency_key=key,
        created_by=actor.user,
        link_type=original.link_type,
        link_id=original.link_id,
        reverses=original,
    )
    # About whoever booked the original (a payer): their erasure empties the entry.
    transfer_audit_record(
        transfer=reversal,
        actor=actor.user,
        verb="transfer_reverse",
        subject_user_id=original.created_by_id,
    )
    return reversal
