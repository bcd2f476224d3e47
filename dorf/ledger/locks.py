"""The one place that locks ledger rows.

Accounts are always locked in primary-key order, so two transfers touching the same
accounts (A→B and B→A) queue behind each other instead of deadlocking. The concurrency
test swaps this helper for an unlocked one to prove that the test can catch lost updates.
"""

from __future__ import annotations

from collections.abc import Iterable

from dorf.ledger.models import Account


def lock_accounts(account_ids: Iterable[int]) -> dict[int, Account]:
    """Lock the accounts (``SELECT … FOR UPDATE`` in pk order) and return them by id."""
    ids = sorted(set(account_ids))
    accounts = (
        Account.objects.select_for_update(of=("self",))
        .select_related("membership__user", "village")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {account.pk: account for account in accounts}
