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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.core import audit
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


@dataclass(frozen=True, slots=True)
class CheckedRequest:
    """A transfer request that passed the checks needing no lock (``_checked_request``)."""

    kind: TransferKind
    memo: str
    idempotency_key: str
    # account id -> signed minutes, in the order of the legs
    amounts: dict[int, int]
    request_hash: str


def _checked_request(
    *,
    village: Village,
    kind: TransferKind,
    legs: Sequence[tuple[Account, int]],
    memo: str,
    idempotency_key: str,
    created_by: User | None,
    link_type: str,
    link_id: int | None,
    reverses: Transfer | None,
) -> CheckedRequest:
    """Validate a transfer request before any lock is taken (shared with the bulk path)."""
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
    return CheckedRequest(
        kind=kind,
        memo=memo,
        idempotency_key=idempotency_key,
        amounts=amounts,
        request_hash=expected_hash,
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
    request = _checked_request(
        village=village,
        kind=kind,
        legs=legs,
        memo=memo,
        idempotency_key=idempotency_key,
        created_by=created_by,
        link_type=link_type,
        link_id=link_id,
        reverses=reverses,
    )
    memo, idempotency_key, kind = request.memo, request.idempotency_key, request.kind
    amounts, expected_hash = request.amounts, request.request_hash

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


def transfer_audit_record(
    *, transfer: Transfer, actor: User, verb: str, subject_user_id: int | None = None
) -> None:
    """Write the audit entry of a transfer a moderator booked (a grant, a reversal).

    Only for a transfer ``transfer_create`` just booked: a retried idempotency key answers
    with the original (``booked_entries`` is ``None`` then), whose entry exists already.
    The entry shows the transfer's fields and the minutes each account moved.
    """
    if transfer.booked_entries is None:
        return
    changes: dict[str, list[str | None]] = {
        name: [None, value] for name, value in audit.snapshot(transfer).items()
    }
    for entry in transfer.booked_entries:
        changes[f"account {entry.account_id}"] = [None, f"{entry.minutes:+} min"]
    audit.record(
        actor=actor,
        instance=transfer,
        before={},
        verb=verb,
        village_id=transfer.village_id,
        subject_user_id=subject_user_id,
        changes=changes,
    )


@dataclass(frozen=True)
class TransferSpec:
    """One transfer for ``transfer_create_many``: the arguments of ``transfer_create``
    without links or reversals."""

    kind: TransferKind
    legs: Sequence[tuple[Account, int]]
    memo: str
    idempotency_key: str
    created_by: User | None = None
    booked_at: datetime | None = None


# Rows per statement of the bulk path: well below PostgreSQL's 65,535 and SQLite's 32,766
# parameters per statement.
BULK_CHUNK = 1000


@transaction.atomic
def transfer_create_many(
    *, village: Village, transfers: Sequence[TransferSpec], skip_refused: bool = False
) -> list[int | None]:
    """Book many transfers in one go, in order, with the rules of ``transfer_create``.

    For opening a village's books (the welcome credit of thousands of members, an
    import): every account is locked once (pk order, as always), the transfers are
    applied one after the other to the locked balances in memory, and the rows are
    written with a few multi-row statements. One row lock per account instead of one
    per transfer: the community account, a leg of every welcome credit, would otherwise
    be updated thousands of times in one transaction, and each of its row versions makes
    the next lock slower.

    Returns the transfer id of each spec, in order (a retried key gives the original's
    id). A spec the rules refuse raises ValidationFailed and nothing is written, or with
    ``skip_refused`` is left out (None) as the app would refuse that request. A key taken
    meanwhile by a concurrent request with other accounts raises Conflict.
    """
    checked: list[CheckedRequest | None] = []
    for spec in transfers:
        try:
            checked.append(
                _checked_request(
                    village=village,
                    kind=spec.kind,
                    legs=spec.legs,
                    memo=spec.memo,
                    idempotency_key=spec.idempotency_key,
                    created_by=spec.created_by,
                    link_type="",
                    link_id=None,
                    reverses=None,
                )
            )
        except ValidationFailed:
            if not skip_refused:
                raise
            checked.append(None)
    valid = [request for request in checked if request is not None]
    account_ids = sorted({account_id for request in valid for account_id in request.amounts})
    balances: dict[int, locks.LockedAccount] = {}
    for start in range(0, len(account_ids), BULK_CHUNK):
        # Chunks of the sorted ids keep the global pk order of the locks.
        balances.update(locks.lock_accounts(account_ids[start : start + BULK_CHUNK]))
    # Read after locking: a concurrent original of one of these keys has committed by now.
    booked = _booked_many(village, [request.idempotency_key for request in valid])

    results: list[int | None] = []
    fill: list[tuple[int, str]] = []  # (position, key) of the transfers booked below
    rows: list[tuple[int, CheckedRequest, dict[int, int]]] = []  # index, request, balances
    for index, request in enumerate(checked):
        if request is None:
            results.append(None)
            continue
        key = request.idempotency_key
        if key in booked:
            existing_id, existing_hash = booked[key]
            if existing_hash != request.request_hash:
                raise Conflict(
                    _("This Idempotency-Key was already used for a different request."),
                    code="idempotency_key_reused",
                )
            results.append(existing_id)
            if existing_id is None:  # a repeat of a key booked earlier in this batch
                fill.append((index, key))
            continue
        try:
            new_balances = _new_balances(
                balances, request.amounts, kind=request.kind, village=village
            )
        except ValidationFailed:
            if not skip_refused:
                raise
            results.append(None)
            continue
        for account_id, balance in new_balances.items():
            balances[account_id] = replace(balances[account_id], balance_minutes=balance)
        booked[key] = (None, request.request_hash)
        results.append(None)
        fill.append((index, key))
        rows.append((index, request, new_balances))

    ids_by_key: dict[str, int] = {}
    now = timezone.now()
    for start in range(0, len(rows), BULK_CHUNK):
        chunk = rows[start : start + BULK_CHUNK]
        ids_by_key.update(_insert_transfers(village.pk, transfers, chunk, now))
    if len(ids_by_key) != len(rows):
        # ON CONFLICT skipped a key that a concurrent request (other accounts, so not
        # serialised by our locks) booked after our look-up.
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency_key_reused",
        )
    for index, key in fill:
        results[index] = ids_by_key[key]

    entries = [
        (ids_by_key[request.idempotency_key], account_id, minutes, new_balances[account_id])
        for _index, request, new_balances in rows
        for account_id, minutes in request.amounts.items()
    ]
    for start in range(0, len(entries), BULK_CHUNK):
        _insert_entry_rows(entries[start : start + BULK_CHUNK])
    touched: dict[int, int] = {}  # account id -> its last transfer in this batch
    for transfer_id, account_id, _minutes, _balance in entries:
        touched[account_id] = transfer_id
    final = {account_id: balances[account_id].balance_minutes for account_id in touched}
    items = sorted(final.items())
    for start in range(0, len(items), BULK_CHUNK):
        _update_balances(dict(items[start : start + BULK_CHUNK]))
    # One event per account with its final balance: a phone needs the newest, not each.
    send_each_on_commit(
        [
            (
                user_id,
                "balance.changed",
                {
                    "village": village.slug,
                    "account_id": account_id,
                    "balance_minutes": balance,
                    "transfer_id": touched[account_id],
                },
            )
            for account_id, balance in items
            if (user_id := balances[account_id].user_id) is not None
        ]
    )
    return results


def _booked_many(village: Village, keys: list[str]) -> dict[str, tuple[int | None, str]]:
    """The already booked transfers among these keys: key -> (id, request hash)."""
    booked: dict[str, tuple[int | None, str]] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), BULK_CHUNK):
        rows = Transfer.objects.filter(
            village=village, idempotency_key__in=unique[start : start + BULK_CHUNK]
        ).values_list("idempotency_key", "id", "request_hash")
        for key, transfer_id, stored_hash in rows:
            booked[key] = (transfer_id, stored_hash)
    return booked


def _insert_transfers(
    village_id: int,
    specs: Sequence[TransferSpec],
    rows: list[tuple[int, CheckedRequest, dict[int, int]]],
    now: datetime,
) -> dict[str, int]:
    """Insert the transfer rows; key -> id of those inserted (a key taken is skipped)."""
    params: list[Any] = []
    for index, request, _balances in rows:
        spec = specs[index]
        params += [
            village_id,
            request.kind.value,
            request.memo,
            spec.created_by.pk if spec.created_by else None,
            request.idempotency_key,
            request.request_hash,
            "",
            None,
            None,
            connection.ops.adapt_datetimefield_value(spec.booked_at or now),
        ]
    with connection.cursor() as cursor:
        # Only placeholders are formatted into the text; the values travel as parameters.
        cursor.execute(
            "INSERT INTO ledger_transfer (village_id, kind, memo, created_by_id,"  # noqa: S608
            " idempotency_key, request_hash, link_type, link_id, reverses_id, created_at)"
            f" VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)'] * len(rows))}"
            " ON CONFLICT (village_id, idempotency_key) DO NOTHING RETURNING id, idempotency_key",
            params,
        )
        return {key: int(transfer_id) for transfer_id, key in cursor.fetchall()}


def _insert_entry_rows(rows: list[tuple[int, int, int, int]]) -> None:
    """Insert entries (transfer, account, minutes, balance after), ids in list order."""
    with connection.cursor() as cursor:
        # Only placeholders are formatted into the text; the values travel as parameters.
        cursor.execute(
            "INSERT INTO ledger_entry (transfer_id, account_id, minutes, balance_after_minutes)"  # noqa: S608
            f" VALUES {', '.join(['(%s, %s, %s, %s)'] * len(rows))}",
            [value for row in rows for value in row],
        )


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
