"""GDPR erasure of the memos a user wrote."""

from __future__ import annotations

from django.db.models import Q

from dorf.ledger.models import (
    MEMO_ERASED,
    PaymentRequest,
    Transfer,
    TransferKind,
)
from dorf.users.models import User


def memos_erase_for_user(*, user: User) -> int:
    """GDPR erasure: replace the memos the user wrote with ``MEMO_ERASED``.

    Memos are personal free text; amounts and parties stay, the books must balance. The
    database triggers allow exactly this change and no other on a transfer.
    """
    request_ids = list(PaymentRequest.objects.filter(payee__user=user).values_list("pk", flat=True))
    erased = (
        Transfer.objects.filter(
            Q(created_by=user) | Q(idempotency_key__in=[f"payreq:{pk}" for pk in request_ids])
        )
        .exclude(kind=TransferKind.WELCOME)
        .exclude(memo=MEMO_ERASED)
        .update(memo=MEMO_ERASED)
    )
    PaymentRequest.objects.filter(pk__in=request_ids).update(memo=MEMO_ERASED)
    return erased
