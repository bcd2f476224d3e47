"""Paying a completed route: the village's community account pays the volunteer.

Called inside the transaction that flipped the route to completed (a guarded
``UPDATE … WHERE status = 'accepted'``), so the flip and the transfer commit together
or not at all. The idempotency key is derived from the route id: even a second flip
could never pay twice.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from dorf.deliveries.models import Route
from dorf.ledger.models import LinkType, Transfer, TransferKind
from dorf.ledger.services import account_for_membership, community_account, transfer_create
from dorf.villages.models import Membership


def route_payment_key(route_id: int) -> str:
    return f"delivery-route-{route_id}"


def route_pay(*, route: Route) -> tuple[Transfer, int]:
    """Book the route's planned minutes (capped at the village's per-transfer maximum)."""
    village = route.village
    membership = Membership.objects.get(user_id=route.shift.volunteer_id, village_id=village.pk)
    minutes = min(route.planned_minutes, village.max_transfer_minutes)
    transfer = transfer_create(
        village=village,
        kind=TransferKind.DELIVERY,
        legs=[
            (community_account(village), -minutes),
            (account_for_membership(membership), minutes),
        ],
        memo=_("Delivery route on %(date)s") % {"date": route.date.isoformat()},
        idempotency_key=route_payment_key(route.pk),
        created_by=None,
        link_type=LinkType.ROUTE,
        link_id=route.pk,
    )
    return transfer, minutes
