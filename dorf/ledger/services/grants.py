"""Minutes the village hands out: club grants and the welcome credit."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from dorf.core.exceptions import NotFound
from dorf.ledger.models import (
    Account,
    AccountKind,
    Transfer,
    TransferKind,
)
from dorf.ledger.services._common import _validate_amount, _validate_key
from dorf.ledger.services.accounts import account_for_membership, community_account
from dorf.ledger.services.transfers import transfer_audit_record, transfer_create
from dorf.villages.models import Membership
from dorf.villages.scoping import require_moderator


@transaction.atomic
def club_grant(
    *, actor: Membership, account_id: int, minutes: int, memo: str, idempotency_key: str
) -> Transfer:
    """A moderator funds a club account from the community account (kind ``grant``);
    audited once (a retry with the same key writes no second entry)."""
    require_moderator(actor)
    key = f"grant:{actor.user_id}:{_validate_key(idempotency_key)}"
    club = Account.objects.filter(
        pk=account_id, village_id=actor.village_id, kind=AccountKind.CLUB
    ).first()
    if club is None:
        raise NotFound()
    amount = _validate_amount(minutes, actor.village)
    transfer = transfer_create(
        village=actor.village,
        kind=TransferKind.GRANT,
        legs=[(community_account(actor.village), -amount), (club, amount)],
        memo=memo,
        idempotency_key=key,
        created_by=actor.user,
    )
    transfer_audit_record(transfer=transfer, actor=actor.user, verb="club_grant")
    return transfer


def welcome_credit_book(*, membership: Membership) -> Transfer | None:
    """Open the member's account and book the village's welcome credit (once ever).

    Only to a confirmed e-mail address (else booked when the address is confirmed).
    """
    account = account_for_membership(membership)
    if membership.user.email_confirmed_at is None:
        return None
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
