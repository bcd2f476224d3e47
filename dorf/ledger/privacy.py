"""GDPR export and erasure for the ledger.

Erasure keeps the books: accounts, amounts and parties stay (the village's balances must
still sum to 0 and other members' statements must still add up), but every memo the
user wrote becomes "[gelöscht]". See docs/ledger.md for why the memo is the one column
the database lets change.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q

from dorf.ledger import services
from dorf.ledger.models import Account, Entry, PaymentRequest, Transfer
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    accounts = Account.objects.filter(membership__user=user).select_related("village")
    transfers = (
        Transfer.objects.filter(Q(entries__account__membership__user=user) | Q(created_by=user))
        .distinct()
        .select_related("village")
        .prefetch_related(Prefetch("entries", queryset=Entry.objects.order_by("id")))
        .order_by("id")
    )
    requests = PaymentRequest.objects.filter(Q(payer__user=user) | Q(payee__user=user)).order_by(
        "id"
    )
    return {
        "accounts": [
            {
                "id": account.pk,
                "village": account.village.slug,
                "balance_minutes": account.balance_minutes,
                "created_at": account.created_at.isoformat(),
            }
            for account in accounts
        ],
        "transfers": [
            {
                "id": transfer.pk,
                "village": transfer.village.slug,
                "kind": transfer.kind,
                "memo": transfer.memo,
                "created_at": transfer.created_at.isoformat(),
                "written_by_me": transfer.created_by_id == user.pk,
                "entries": [
                    {"account_id": entry.account_id, "minutes": entry.minutes}
                    for entry in transfer.entries.all()
                ],
            }
            for transfer in transfers
        ],
        "payment_requests": [
            {
                "id": request.pk,
                "payer_membership_id": request.payer_id,
                "payee_membership_id": request.payee_id,
                "minutes": request.minutes,
                "memo": request.memo,
                "status": request.status,
                "created_at": request.created_at.isoformat(),
            }
            for request in requests
        ],
    }


def erase_personal_data(user: User) -> None:
    services.memos_erase_for_user(user=user)
