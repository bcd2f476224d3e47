"""The ledger's part of other apps' domain events, run inside their transaction."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dorf.ledger.services import welcome_credit_book
from dorf.villages.models import Membership
from dorf.villages.signals import membership_verified


@receiver(membership_verified, dispatch_uid="ledger_welcome_credit")
def open_account_and_book_welcome_credit(
    sender: type[Membership], membership: Membership, **kwargs: Any
) -> None:
    welcome_credit_book(membership=membership)
