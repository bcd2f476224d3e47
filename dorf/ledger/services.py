"""Write use-cases of the time-credit ledger.

Every minute moves through ``transfer_create``: it validates the rules, locks the
accounts in primary-key order (``locks.lock_accounts``), answers a retried idempotency
key with the original transfer, writes the transfer and its entries, updates the cached
balances under the lock and announces the new balances after commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.core.realtime import send_each_on_commit
from dorf.core.scoping import require_moderator
from dorf.ledger import locks
from dorf.ledger.models import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    MEMO_ERASED,
    MEMO_MAX_LENGTH,
    Account,
    AccountKind,
    Entry,
    LinkType,
    PaymentRequest,
    PaymentRequestStatus,
    Transfer,
    TransferKind,
)
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Village

PAYMENT_REQUEST_TTL = timedelta(days=7)
COMMUNITY_ACCOUNT_NAME = "Gemeinschaftskonto"
# Kinds whose credited legs may exceed the village's per-transfer maximum: a reversal
# mirrors a transfer that was valid, a welcome credit is a village setting of its own.
MAX_TRANSFER_EXEMPT_KINDS = frozenset({TransferKind.WELCOME, TransferKind.REVERSAL})


# --- accounts --------------------------------------------------------------------------


def account_for_membership(membership: Membership) -> Account:
    """The member's account in the membership's village (created on first use)."""
    account, _created = Account.objects.get_or_create(
        membership=membership,
        defaults={"village_id": membership.village_id, "kind": AccountKind.MEMBER},
    )
    return account


def community_account(village: Village) -> Account:
    """The village's community account, which issues credits (created on first use)."""
    account, _created = Account.objects.get_or_create(
        village=village,
        kind=AccountKind.COMMUNITY,
        defaults={"name": COMMUNITY_ACCOUNT_NAME},
    )
    return account


def club_account_create(*, village: Village, name: str) -> Account:
    """A new club account (balance 0). It is funded by a moderator's grant
    (``club_grant``) from the community account and may never go below zero."""
    name = name.strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("A name is required.")]})
    return Account.objects.create(village=village, kind=AccountKind.CLUB, name=name[:120])


# --- transfers -------------------------------------------------------------------------


def request_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


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


def _validate_key(idempotency_key: str) -> str:
    if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationFailed(
            _("An Idempotency-Key of at most 200 characters is required."),
            code="idempotency_key_required",
        )
    return idempotency_key


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
    idempotency_key = _validate_key(idempotency_key)
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


ModelT = TypeVar("ModelT", bound=Model)


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


def _payee_in_village(payer: Membership, payee_membership_id: object, field: str) -> Membership:
    if type(payee_membership_id) is not int:
        raise ValidationFailed(fields={field: [_("Unknown member.")]})
    # The payer's row comes along so that one query also brings both accounts.
    rows = {
        membership.pk: membership
        for membership in Membership.objects.select_related("user", "ledger_account").filter(
            pk__in=[payer.pk, payee_membership_id], village_id=payer.village_id
        )
    }
    payee = rows.get(payee_membership_id)
    if payee is None:
        raise ValidationFailed(fields={field: [_("Unknown member.")]}, code="unknown_member")
    if payee.pk == payer.pk:
        raise ValidationFailed(_("You cannot pay yourself."), code="same_account")
    if payee.state != MembershipState.VERIFIED:
        raise ValidationFailed(
            _("Only verified members of the village can send or receive minutes."),
            code="not_verified",
        )
    if payer.pk in rows:
        payer.ledger_account = _account_of(rows[payer.pk])
    return payee


def _payment_accounts(payer: Membership, payee_membership_id: object) -> tuple[Account, Account]:
    """The payer's and the payee's accounts, each with its membership and user attached.

    The payee is checked like in ``_payee_in_village``, but with one hand-written query
    that loads only the columns a payment and its answer use (the other columns load on
    access): building the equivalent ``select_related`` query cost a millisecond of CPU.
    """
    field = "payee_membership_id"
    if type(payee_membership_id) is not int:
        raise ValidationFailed(fields={field: [_("Unknown member.")]})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.id, m.state, m.user_id, u.first_name, u.last_name,"
            " a.id, a.kind, a.balance_minutes"
            " FROM villages_membership m JOIN users_user u ON u.id = m.user_id"
            " LEFT JOIN ledger_account a ON a.membership_id = m.id"
            " WHERE m.id IN (%s, %s) AND m.village_id = %s",
            [payer.pk, payee_membership_id, payer.village_id],
        )
        rows = {row[0]: row for row in cursor.fetchall()}
    row = rows.get(payee_membership_id)
    if row is None:
        raise ValidationFailed(fields={field: [_("Unknown member.")]}, code="unknown_member")
    if payee_membership_id == payer.pk:
        raise ValidationFailed(_("You cannot pay yourself."), code="same_account")
    if row[1] != MembershipState.VERIFIED:
        raise ValidationFailed(
            _("Only verified members of the village can send or receive minutes."),
            code="not_verified",
        )
    payee = _partial(
        Membership, id=row[0], state=row[1], user_id=row[2], village_id=payer.village_id
    )
    payee.village = payer.village
    payee.user = _partial(User, id=row[2], first_name=row[3], last_name=row[4])
    accounts = []
    for membership in (payer, payee):
        row = rows.get(membership.pk)
        if row is None or row[5] is None:
            accounts.append(account_for_membership(membership))
            continue
        account = _partial(
            Account,
            id=row[5],
            village_id=membership.village_id,
            kind=row[6],
            membership_id=membership.pk,
            balance_minutes=row[7],
        )
        account.membership = membership
        accounts.append(account)
    return accounts[0], accounts[1]


def _partial(model: type[ModelT], **values: object) -> ModelT:
    """An instance loaded with only these columns; any other loads on access."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def _account_of(membership: Membership) -> Account:
    """The account fetched along with the membership, or a newly opened one."""
    try:
        return membership.ledger_account
    except Account.DoesNotExist:
        return account_for_membership(membership)


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


def payment_create(
    *,
    payer: Membership,
    payee_membership_id: int,
    minutes: int,
    memo: str,
    idempotency_key: str,
) -> Transfer:
    """A resident pays another resident of the same village."""
    _require_verified(payer)
    key = f"payment:{payer.user_id}:{_validate_key(idempotency_key)}"
    village = payer.village
    payer_account, payee_account = _payment_accounts(payer, payee_membership_id)
    minutes = _validate_amount(minutes, village)
    # No transaction of its own: transfer_create's is the only one, so a payment costs
    # no savepoint round trips.
    return transfer_create(
        village=village,
        kind=TransferKind.PAYMENT,
        legs=[(payer_account, -minutes), (payee_account, minutes)],
        memo=memo,
        idempotency_key=key,
        created_by=payer.user,
    )


@transaction.atomic
def transfer_reverse(
    *, actor: Membership, transfer_id: int, memo: str, idempotency_key: str
) -> Transfer:
    """A moderator undoes a transfer with a new one that mirrors its entries."""
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
    return transfer_create(
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


@transaction.atomic
def club_grant(
    *, actor: Membership, account_id: int, minutes: int, memo: str, idempotency_key: str
) -> Transfer:
    """A moderator funds a club account from the community account (kind ``grant``)."""
    require_moderator(actor)
    key = f"grant:{actor.user_id}:{_validate_key(idempotency_key)}"
    club = Account.objects.filter(
        pk=account_id, village_id=actor.village_id, kind=AccountKind.CLUB
    ).first()
    if club is None:
        raise NotFound()
    amount = _validate_amount(minutes, actor.village)
    return transfer_create(
        village=actor.village,
        kind=TransferKind.GRANT,
        legs=[(community_account(actor.village), -amount), (club, amount)],
        memo=memo,
        idempotency_key=key,
        created_by=actor.user,
    )


def welcome_credit_book(*, membership: Membership) -> Transfer | None:
    """Open the member's account and book the village's welcome credit (once ever)."""
    account = account_for_membership(membership)
    village = membership.village
    key = f"welcome:{membership.pk}"
    if Transfer.objects.filter(village=village, idempotency_key=key).exists():
        return None
    minutes = village.welcome_credit_minutes
    if village.max_balance_minutes is not None:
        # Verification must never fail because of a welcome present.
        minutes = min(minutes, village.max_balance_minutes - account.balance_minutes)
    if minutes <= 0:
        return None
    return transfer_create(
        village=village,
        kind=TransferKind.WELCOME,
        legs=[(community_account(village), -minutes), (account, minutes)],
        memo=_("Welcome credit"),
        idempotency_key=key,
        created_by=None,
    )


# --- payment requests ------------------------------------------------------------------


@transaction.atomic
def payment_request_create(
    *,
    payee: Membership,
    payer_membership_id: int,
    minutes: int,
    memo: str,
    idempotency_key: str,
) -> PaymentRequest:
    """The payee asks the payer for minutes; nothing moves until the payer confirms."""
    _require_verified(payee)
    key = f"request:{payee.user_id}:{_validate_key(idempotency_key)}"
    payer = _payee_in_village(payee, payer_membership_id, "payer_membership_id")
    amount = _validate_amount(minutes, payee.village)
    memo = _validate_memo(memo)
    expected_hash = request_hash({"payer": payer.pk, "minutes": amount, "memo": memo})
    existing = PaymentRequest.objects.filter(
        village_id=payee.village_id, idempotency_key=key
    ).first()
    if existing is not None:
        if existing.request_hash != expected_hash:
            raise Conflict(
                _("This Idempotency-Key was already used for a different request."),
                code="idempotency_key_reused",
            )
        return existing
    try:
        with transaction.atomic():
            payment_request = PaymentRequest.objects.create(
                village_id=payee.village_id,
                payee=payee,
                payer=payer,
                minutes=amount,
                memo=memo,
                idempotency_key=key,
                request_hash=expected_hash,
                expires_at=timezone.now() + PAYMENT_REQUEST_TTL,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency_key_reused",
        ) from exc
    from dorf.notifications.models import Category
    from dorf.notifications.services import notify

    notify(
        user=payer.user,
        category=Category.LEDGER,
        title=_("%(name)s asks you for %(minutes)d minutes")
        % {"name": payee.user.display_name, "minutes": amount},
        body=memo,
        village=payee.village,
        link_type="payment_request",
        link_id=payment_request.pk,
        actor=payee.user,
    )
    return payment_request


def _lock_request(*, actor: Membership, request_id: int) -> PaymentRequest:
    payment_request = (
        PaymentRequest.objects.select_for_update(of=("self",))
        .select_related("payer__user", "payee__user")
        .filter(pk=request_id, village_id=actor.village_id)
        .first()
    )
    if payment_request is None or actor.pk not in (
        payment_request.payer_id,
        payment_request.payee_id,
    ):
        raise NotFound()
    return payment_request


@transaction.atomic
def payment_request_confirm(*, actor: Membership, request_id: int) -> PaymentRequest:
    """The payer confirms: the minutes move. Confirming twice returns the same result."""
    _require_verified(actor)
    payment_request = _lock_request(actor=actor, request_id=request_id)
    if payment_request.payer_id != actor.pk:
        raise Forbidden(_("Only the payer can confirm a payment request."))
    if payment_request.status == PaymentRequestStatus.CONFIRMED:
        return payment_request
    if payment_request.status != PaymentRequestStatus.PENDING:
        raise Conflict(_("This payment request is no longer open."), code="request_closed")
    if payment_request.expires_at <= timezone.now():
        raise Conflict(_("This payment request has expired."), code="request_expired")
    transfer = transfer_create(
        village=actor.village,
        kind=TransferKind.PAYMENT,
        legs=[
            (account_for_membership(payment_request.payer), -payment_request.minutes),
            (account_for_membership(payment_request.payee), payment_request.minutes),
        ],
        memo=payment_request.memo,
        idempotency_key=f"payreq:{payment_request.pk}",
        created_by=actor.user,
    )
    payment_request.status = PaymentRequestStatus.CONFIRMED
    payment_request.transfer = transfer
    payment_request.decided_at = timezone.now()
    payment_request.save(update_fields=["status", "transfer", "decided_at"])
    return payment_request


@transaction.atomic
def payment_request_decline(*, actor: Membership, request_id: int) -> PaymentRequest:
    """The payer declines, or the payee withdraws, an open request."""
    payment_request = _lock_request(actor=actor, request_id=request_id)
    if payment_request.status == PaymentRequestStatus.DECLINED:
        return payment_request
    if payment_request.status != PaymentRequestStatus.PENDING:
        raise Conflict(_("This payment request is no longer open."), code="request_closed")
    payment_request.status = PaymentRequestStatus.DECLINED
    payment_request.decided_at = timezone.now()
    payment_request.save(update_fields=["status", "decided_at"])
    return payment_request


def payment_requests_expire() -> int:
    """Mark open requests past their expiry as expired (periodic task); returns how many."""
    now = timezone.now()
    return PaymentRequest.objects.filter(
        status=PaymentRequestStatus.PENDING, expires_at__lte=now
    ).update(status=PaymentRequestStatus.EXPIRED, decided_at=now)


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
