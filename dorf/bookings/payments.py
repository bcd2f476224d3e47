"""The bookings app's one door to the time-credit ledger.

A priced booking is paid by one transfer from the booker to the resource's owner
(the community account for the municipality, the club's account for a club), and
refunded by a reversal transfer: this module never writes a ledger row itself.
Idempotency keys derive from the booking, so a retried approval never pays twice.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from dorf.core.exceptions import ValidationFailed
from dorf.ledger.models import Account, Transfer, TransferKind
from dorf.ledger.services import account_for_membership, transfer_create
from dorf.villages.models import Membership


def check_affordable(*, membership: Membership, minutes: int) -> None:
    """400 when paying ``minutes`` would take the member below the credit limit."""
    if minutes <= 0:
        return
    balance = (
        Account.objects.filter(membership=membership).values_list("balance_minutes", flat=True)
    ).first() or 0
    if balance - minutes < membership.village.credit_limit_minutes:
        raise ValidationFailed(
            _("You do not have enough time credits for this booking (%(price)d minutes).")
            % {"price": minutes},
            code="insufficient_credits",
        )


def pay(*, booking_id: int, membership: Membership, payee: Account, minutes: int, memo: str) -> int:
    transfer = transfer_create(
        village=membership.village,
        kind=TransferKind.PAYMENT,
        legs=[(account_for_membership(membership), -minutes), (payee, minutes)],
        memo=memo,
        idempotency_key=f"bookings:booking:{booking_id}:pay",
        created_by=membership.user,
    )
    return int(transfer.pk)


def refund(*, booking_id: int, membership: Membership, payment_transfer_id: int, memo: str) -> int:
    payment = Transfer.objects.prefetch_related("entries__account").get(
        pk=payment_transfer_id, village_id=membership.village_id
    )
    transfer = transfer_create(
        village=membership.village,
        kind=TransferKind.REVERSAL,
        legs=[(entry.account, -entry.minutes) for entry in payment.entries.all()],
        memo=memo,
        idempotency_key=f"bookings:booking:{booking_id}:refund",
        created_by=membership.user,
        reverses=payment,
    )
    return int(transfer.pk)
