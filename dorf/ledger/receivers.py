"""The ledger's part of other apps' domain events, run inside their transaction."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dorf.ledger.services import welcome_credit_book
from dorf.users.models import User
from dorf.users.signals import email_confirmed
from dorf.villages.models import Membership, MembershipState
from dorf.villages.signals import membership_verified


@receiver(membership_verified, dispatch_uid="ledger_welcome_credit")
def open_account_and_book_welcome_credit(
    sender: type[Membership], membership: Membership, **kwargs: Any
) -> None:
    welcome_credit_book(membership=membership)


@receiver(email_confirmed, dispatch_uid="ledger_welcome_credit_after_confirmation")
def book_welcome_credits_that_waited_for_the_address(
    sender: type[User], user: User, **kwargs: Any
) -> None:
    for membership in Membership.objects.filter(
        user=user, state=MembershipState.VERIFIED
    ).select_related("village", "user"):
        welcome_credit_book(membership=membership)
