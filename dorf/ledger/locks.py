"""The one place that locks ledger rows.

Accounts are always locked in primary-key order, so two transfers touching the same
accounts (A→B and B→A) queue behind each other instead of deadlocking. The concurrency
test swaps this helper for an unlocked one to prove that the test can catch lost updates.

The lock is one hand-written statement rather than a queryset: every payment runs it,
and compiling the equivalent ``select_for_update().select_related(…)`` cost more CPU than
the rest of the transfer's SQL together (docs/benchmarks.md, "Ledger").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True, slots=True)
class LockedAccount:
    """What a transfer needs of an account, read under its row lock."""

    id: int
    kind: str
    balance_minutes: int
    # Of the account's membership (member accounts only).
    membership_state: str | None
    user_id: int | None


def select_accounts(account_ids: Iterable[int], *, for_update: bool) -> dict[int, LockedAccount]:
    """The accounts by id, read in pk order; ``for_update`` locks them until commit."""
    ids = sorted(set(account_ids))
    # Only placeholders are formatted into the text; the ids travel as parameters.
    sql = (
        "SELECT a.id, a.kind, a.balance_minutes, m.state, m.user_id"  # noqa: S608
        " FROM ledger_account a LEFT JOIN villages_membership m ON m.id = a.membership_id"
        f" WHERE a.id IN ({', '.join(['%s'] * len(ids))}) ORDER BY a.id"
    )
    # SQLite (the no-services demo) has no row locks; its writers are serialised anyway.
    if for_update and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF a"
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return {row[0]: LockedAccount(*row) for row in cursor.fetchall()}


def lock_accounts(account_ids: Iterable[int]) -> dict[int, LockedAccount]:
    """Lock the accounts (``SELECT … FOR UPDATE`` in pk order) and return them by id."""
    return select_accounts(account_ids, for_update=True)
