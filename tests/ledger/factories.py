"""Ledger test helpers: accounts and funding go through the services, like production."""

from __future__ import annotations

import itertools

from dorf.ledger import services
from dorf.ledger.models import Account, Transfer, TransferKind
from dorf.villages.models import Membership, Village
from tests.factories import MembershipFactory

_keys = itertools.count(1)


def new_key() -> str:
    return f"test-key-{next(_keys)}"


def member_with_account(village: Village, **kwargs: object) -> tuple[Membership, Account]:
    membership = MembershipFactory(village=village, **kwargs)
    return membership, services.account_for_membership(membership)


def fund(account: Account, minutes: int) -> Transfer:
    """Credit ``account`` from the community account (as a delivery route would)."""
    return services.transfer_create(
        village=account.village,
        kind=TransferKind.DELIVERY,
        legs=[(services.community_account(account.village), -minutes), (account, minutes)],
        memo="Paketrunde",
        idempotency_key=new_key(),
        created_by=None,
    )


def pay(payer: Membership, payee: Membership, minutes: int, key: str | None = None) -> Transfer:
    return services.payment_create(
        payer=payer,
        payee_membership_id=payee.pk,
        minutes=minutes,
        memo="Rasen gemäht",
        idempotency_key=key or new_key(),
    )
