"""Write use-cases of the time-credit ledger.

Every minute moves through ``transfer_create``: it validates the rules, locks the
accounts in primary-key order (``locks.lock_accounts``), answers a retried idempotency
key with the original transfer, writes the transfer and its entries, updates the cached
balances under the lock and announces the new balances after commit.
"""

from dorf.ledger.services.accounts import (
    COMMUNITY_ACCOUNT_NAME,
    account_for_membership,
    club_account_create,
    community_account,
)
from dorf.ledger.services.erasure import memos_erase_for_user
from dorf.ledger.services.grants import (
    club_grant,
    welcome_credit_book,
)
from dorf.ledger.services.payments import payment_create
from dorf.ledger.services.requests import (
    PAYMENT_REQUEST_TTL,
    payment_request_confirm,
    payment_request_create,
    payment_request_decline,
    payment_requests_expire,
)
from dorf.ledger.services.reversals import transfer_reverse
from dorf.ledger.services.transfers import (
    MAX_TRANSFER_EXEMPT_KINDS,
    TransferSpec,
    request_hash,
    transfer_create,
    transfer_create_many,
)

__all__ = [
    "COMMUNITY_ACCOUNT_NAME",
    "MAX_TRANSFER_EXEMPT_KINDS",
    "PAYMENT_REQUEST_TTL",
    "TransferSpec",
    "account_for_membership",
    "club_account_create",
    "club_grant",
    "community_account",
    "memos_erase_for_user",
    "payment_create",
    "payment_request_confirm",
    "payment_request_create",
    "payment_request_decline",
    "payment_requests_expire",
    "request_hash",
    "transfer_create",
    "transfer_create_many",
    "transfer_reverse",
    "welcome_credit_book",
]
