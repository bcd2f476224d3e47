"""The marketplace's one door to the time-credit ledger."""

from __future__ import annotations

from dorf.users.models import User
from dorf.villages.models import Membership, Village


def pay_for_help(
    *,
    village: Village,
    helped: User,
    helper: User,
    minutes: int,
    agreement_id: int,
    posting_id: int,
    created_by: User,
) -> int:
    """Book ``minutes`` from the helped person to the helper; returns the transfer id.

    Idempotent by a key derived from the agreement: a retry can never pay twice.
    """
    from dorf.ledger.models import TransferKind
    from dorf.ledger.services import account_for_membership, transfer_create

    helped_membership = Membership.objects.get(village=village, user=helped)
    helper_membership = Membership.objects.get(village=village, user=helper)
    transfer = transfer_create(
        village=village,
        kind=TransferKind.HELP,
        legs=[
            (account_for_membership(helped_membership), -minutes),
            (account_for_membership(helper_membership), minutes),
        ],
        memo=f"Nachbarschaftshilfe (Aushang {posting_id})",
        idempotency_key=f"marketplace:agreement:{agreement_id}",
        created_by=created_by,
        link_type="posting",
        link_id=posting_id,
    )
    return int(transfer.pk)
