"""``transfer_create``: the one path every minute moves through.

It validates the rules, locks the accounts in primary-key order (``locks.lock_accounts``),
answers a retried idempotency key with the original transfer, writes the transfer and its
entries, updates the cached balances under the lock and announces the new balances after
commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.core.exceptions import Conflict, NotFound, ValidationFailed
from dorf.core.realtime import send_each_on_commit
from dorf.ledger import locks
from dorf.ledger.models import (
    Account,
    AccountKind,
    Entry,
    LinkType,
    Transfer,
    TransferKind,
)
from dorf.ledger.services._common import (
    ModelT,
    _validate_memo,
    _validate_minutes,
    _validate_stored_key,
)
from dorf.users.models import User
from dorf.villages.models import MembershipState, Village

# Kinds whose credited legs may exceed the village's per-transfer maximum: a reversal
# mirrors a transfer that was valid, a welcome credit is a village setting of its own.
MAX_TRANSFER_EXEMPT_KINDS = frozenset({TransferKind.WELCOME, TransferKind.REVERSAL})


def request_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(existing: Transfer, expected_hash: str) -> Transfer:
    if existing.request_hash != expected_hash:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency_key_reused",
        )
    return existing


def _check_limits(kind: str, minutes: int, new_balance: int, village: Village) -> None:
    """Refuse a leg that moves an account past its limit (moving back inside is fine)."""
    if kind == AccountKind.COMMUNITY:
        return
    if kind == AccountKind.CLUB:
        if minutes < 0 and new_balance < 0:
            raise ValidationFailed(
                _("The club account does not have enough minutes."), code="insufficient_funds"
            )
        return
    if minutes < 0 and new_balance < village.credit_limit_minutes:
        raise ValidationFailed(
            _("This would take the balance below the credit limit of %(limit)d minutes.")
            % {"limit": village.credit_limit_minutes},
            code="credit_limit_exceeded",
        )
    maximum = village.max_balance_minutes
    if minutes > 0 and maximum is not None and new_balance > maximum:
        raise ValidationFailed(
            _("This would take a balance above the maximum of %(max)d minutes.") % {"max": maximum},
            code="max_balance_exceeded",
        )


@transaction.atomic
def transfer_create(
    *,
    village: Village,
    kind: TransferKind,
    legs: Sequence[tuple[Account, int]],
    memo: str,
    idempotency_key: str,
    created_by: User | None,
    link_type: str = "",
    link_id: int | None = None,
    reverses: Transfer | None = None,
    booked_at: datetime | None = None,
) -> Transfer:
    """Book one transfer of signed ``legs`` (account, minutes) that sum to zero.

    Idempotent by ``idempotency_key`` within the village: the same key and body returns
    the original transfer, the same key with another body raises Conflict (409).
    Raises ValidationFailed for broken rules and writes nothing then. ``booked_at`` is
    for the demo's history only; requests always book at the current time.
    """
    memo = _validate_memo(memo)
    idempotency_key = _validate_stored_key(idempotency_key)
    kind = TransferKind(kind)
    if link_type not in LinkType.values:
        raise ValidationFailed(fields={"link_type": [_("Unknown link type.")]})
    if len(legs) < 2:
        raise ValidationFailed(_("A transfer needs at least two accounts."), code="too_few_legs")
    amounts: dict[int, int] = {}
    for account, minutes in legs:
        minutes = _validate_minutes(minutes)
        if minutes == 0:
            raise ValidationFailed(fields={"minutes": [_("Minutes must not be zero.")]})
        if account.pk in amounts:
            raise ValidationFailed(_("An account cannot pay itself."), code="same_account")
        if account.village_id != village.pk:
            raise NotFound(_("Unknown account."))
        amounts[account.pk] = minutes
    if sum(amounts.values()) != 0:
        raise ValidationFailed(_("The minutes of a transfer must sum to zero."), code="unbalanced")
    if kind not in MAX_TRANSFER_EXEMPT_KINDS:
        for minutes in amounts.values():
            if minutes > village.max_transfer_minutes:
                raise ValidationFailed(
                    fields={
                        "minutes": [
                            _("At most %(max)d minutes per transfer.")
                            % {"max": village.max_transfer_minutes}
                        ]
                    },
                    code="max_transfer_exceeded",
                )
    expected_hash = request_hash(
        {
            "kind": kind.value,
            "legs": sorted(amounts.items()),
            "memo": memo,
            "link_type": link_type,
            "link_id": link_id,
            "created_by": created_by.pk if created_by else None,
            "reverses": reverses.pk if reverses else None,
        }
    )

    locked = locks.lock_accounts(amounts)
    try:
        new_balances = _new_balances(locked, amounts, kind=kind, village=village)
    except ValidationFailed:
        # Looked up after locking: a retry racing its original waits for the original's
        # locks, then sees its committed transfer here, even if the balances have moved.
        existing = _booked(village, idempotency_key)
        if existing is not None:
            return _replay(existing, expected_hash)
        raise

    created_at = booked_at or timezone.now()
    try:
        transfer_id = _insert_transfer(
            village_id=village.pk,
            kind=kind.value,
            memo=memo,
            created_by_id=created_by.pk if created_by else None,
            idempotency_key=idempotency_key,
            request_hash=expected_hash,
            link_type=link_type,
            link_id=link_id,
            reverses_id=reverses.pk if reverses else None,
            created_at=created_at,
        )
    except IntegrityError as exc:
        # The original was reversed meanwhile (a taken key does not raise, see below).
        if reverses is not None and "reverses" in str(exc):
            raise Conflict(
                _("This transfer has already been reversed."), code="already_reversed"
            ) from exc
        raise
    if transfer_id is None:
        # The key is taken: by a retry's original, or by another request with this key
        # but other accounts (not serialised by our locks) that committed first.
        existing = _booked(village, idempotency_key)
        if existing is None:  # pragma: no cover - transfers are never deleted
            raise Conflict(
                _("This Idempotency-Key was already used for a different request."),
                code="idempotency_key_reused",
            )
        return _replay(existing, expected_hash)

    entry_ids = _insert_entries(transfer_id, amounts, new_balances)
    _update_balances(new_balances)

    transfer = _loaded(
        Transfer(
            pk=transfer_id,
            village=village,
            kind=kind,
            memo=memo,
            created_by=created_by,
            idempotency_key=idempotency_key,
            request_hash=expected_hash,
            link_type=link_type,
            link_id=link_id,
            reverses=reverses,
            created_at=created_at,
        )
    )
    legs_by_id = {account.pk: account for account, _minutes in legs}
    for account_id, balance in new_balances.items():
        legs_by_id[account_id].balance_minutes = balance
    # The API answers with the transfer and its entries: handing them over spares two
    # queries per payment.
    transfer.booked_entries = [
        _loaded(
            Entry(
                pk=entry_id,
                transfer=transfer,
                account=legs_by_id[account_id],
                minutes=minutes,
                balance_after_minutes=new_balances[account_id],
            )
        )
        for entry_id, (account_id, minutes) in zip(entry_ids, amounts.items(), strict=True)
    ]
    _announce_balances(locked, new_balances, village=village, transfer_id=transfer_id)
    return transfer


def _new_balances(
    locked: dict[int, locks.LockedAccount],
    amounts: dict[int, int],
    *,
    kind: TransferKind,
    village: Village,
) -> dict[int, int]:
    """The balances after the transfer, checked against the rules under the lock."""
    new_balances: dict[int, int] = {}
    for account_id, minutes in amounts.items():
        account = locked[account_id]
        if (
            account.kind == AccountKind.MEMBER
            and kind != TransferKind.REVERSAL
            and account.membership_state != MembershipState.VERIFIED
        ):
            raise ValidationFailed(
                _("Only verified members of the village can send or receive minutes."),
                code="not_verified",
            )
        new_balance = account.balance_minutes + minutes
        _check_limits(account.kind, minutes, new_balance, village)
        new_balances[account_id] = new_balance
    return new_balances


def _booked(village: Village, idempotency_key: str) -> Transfer | None:
    return Transfer.objects.filter(village=village, idempotency_key=idempotency_key).first()


# The three writes of a transfer are hand-written statements: a payment runs them under
# the row locks of two hot accounts, and the ORM's compilation of the same statements
# took longer than the database did to run them (docs/benchmarks.md, "Ledger").


def _insert_transfer(
    *,
    village_id: int,
    kind: str,
    memo: str,
    created_by_id: int | None,
    idempotency_key: str,
    request_hash: str,
    link_type: str,
    link_id: int | None,
    reverses_id: int | None,
    created_at: datetime,
) -> int | None:
    """Insert the transfer row; None when (village, idempotency_key) is already taken.

    ON CONFLICT waits for a concurrent insert of the same key to commit or roll back,
    so None means a committed transfer holds the key.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_transfer (village_id, kind, memo, created_by_id,"
            " idempotency_key, request_hash, link_type, link_id, reverses_id, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (village_id, idempotency_key) DO NOTHING RETURNING id",
            [
                village_id,
                kind,
                memo,
                created_by_id,
                idempotency_key,
                request_hash,
                link_type,
                link_id,
                reverses_id,
                connection.ops.adapt_datetimefield_value(created_at),
            ],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _insert_entries(
    transfer_id: int, amounts: dict[int, int], new_balances: dict[int, int]
) -> list[int]:
    """Insert one entry per leg (in the order of ``amounts``) and return their ids."""
    params: list[int] = []
    for account_id, minutes in amounts.items():
        params += [transfer_id, account_id, minutes, new_balances[account_id]]
    with connection.cursor() as cursor:
        # Only placeholders are formatted into the text; the values travel as parameters.
        cursor.execute(
            "INSERT INTO ledger_entry (transfer_id, account_id, minutes, balance_after_minutes)"  # noqa: S608
            f" VALUES {', '.join(['(%s, %s, %s, %s)'] * len(amounts))} RETURNING id",
            params,
        )
        # Rows come back in VALUES order on PostgreSQL and SQLite (bulk_create relies on
        # the same).
        return [int(row[0]) for row in cursor.fetchall()]


def _update_balances(new_balances: dict[int, int]) -> None:
    """Write the cached balances (the accounts are locked by this transaction)."""
    cases: list[int] = []
    for account_id, balance in new_balances.items():
        cases += [account_id, balance]
    ids = list(new_balances)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_account SET balance_minutes = CASE id"  # noqa: S608
            f" {' '.join(['WHEN %s THEN %s'] * len(ids))} END"
            f" WHERE id IN ({', '.join(['%s'] * len(ids))})",
            cases + ids,
        )
        if cursor.rowcount != len(ids):  # pragma: no cover - accounts are never deleted
            raise RuntimeError("ledger: a locked account disappeared")


def _loaded(instance: ModelT) -> ModelT:
    """Mark an instance built from a row we just wrote as loaded from the database."""
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def _announce_balances(
    locked: dict[int, locks.LockedAccount],
    new_balances: dict[int, int],
    *,
    village: Village,
    transfer_id: int,
) -> None:
    send_each_on_commit(
        [
            (
                user_id,
                "balance.changed",
                {
                    "village": village.slug,
                    "account_id": account_id,
                    "balance_minutes": balance,
                    "transfer_id": transfer_id,
                },
            )
            for account_id, balance in new_balances.items()
            if (user_id := locked[account_id].user_id) is not None
        ]
    )
