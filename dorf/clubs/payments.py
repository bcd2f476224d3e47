"""The clubs app's one door to the time-credit ledger."""

from __future__ import annotations

from collections.abc import Sequence

from dorf.ledger.models import Account, TransferKind
from dorf.ledger.services import account_for_membership, club_account_create, transfer_create
from dorf.users.models import User
from dorf.villages.models import Membership, Village


def open_club_account(*, village: Village, name: str) -> Account:
    return club_account_create(village=village, name=name)


def pay_shift(
    *,
    village: Village,
    club_account: Account,
    helpers: Sequence[User],
    minutes: int,
    shift_id: int,
    memo: str,
    created_by: User,
) -> int:
    """One transfer: the club pays every helper who came ``minutes``; returns its id.

    Idempotent by a key derived from the shift, so a retried confirmation never pays twice.
    """
    memberships = Membership.objects.filter(village=village, user__in=helpers).order_by("pk")
    legs: list[tuple[Account, int]] = [(club_account, -minutes * len(helpers))]
    legs.extend((account_for_membership(m), minutes) for m in memberships)
    transfer = transfer_create(
        village=village,
        kind=TransferKind.SHIFT,
        legs=legs,
        memo=memo,
        idempotency_key=f"clubs:shift:{shift_id}",
        created_by=created_by,
        link_type="shift",
        link_id=shift_id,
    )
    return int(transfer.pk)
