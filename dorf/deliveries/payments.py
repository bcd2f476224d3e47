"""Paying a completed route for the work done: the planned minutes of the stops served.

A parcel counts as served when it was delivered, or when its handover failed at the
door for a reason that needed the visit (``VISIT_FAILURES``: nobody at home, refused,
address not found). Each stop of a served parcel (its pickup and its delivery) pays
its planned leg: from leaving the stop before (or the start of the route) to leaving
it; the way home pays once something was served. A route where nothing was served
pays nothing. The stops of the shift's earlier routes (a re-plan replaced them after
work had begun) count for the parcels this volunteer carried; parcels already paid
with another completed route of the shift do not count twice.

Called inside the transaction that flipped the route to completed (a guarded
``UPDATE … WHERE status = 'accepted'``), so the flip and the transfer commit together
or not at all. The idempotency key is derived from the route id: even a second flip
could never pay twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from dorf.deliveries.models import (
    VISIT_FAILURES,
    ParcelStatus,
    Route,
    RouteStatus,
    Stop,
    StopKind,
)
from dorf.ledger.models import LinkType, Transfer, TransferKind
from dorf.ledger.services import account_for_membership, community_account, transfer_create
from dorf.villages.models import Membership

#: A route that finishes this far from its planned end is flagged to the coordinators.
FAR_FROM_PLAN = dt.timedelta(hours=1)


def route_payment_key(route_id: int) -> str:
    return f"delivery-route-{route_id}"


@dataclass
class RoutePayment:
    """What a route pays and why (stored on the route as ``payment``)."""

    minutes: int
    capped: bool
    served_parcels: int
    planned_parcels: int
    failed_parcels: int
    return_s: int
    lines: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": "planned minutes of the stops served (delivered, or failed at the door)",
            "minutes": self.minutes,
            "capped": self.capped,
            "served_parcels": self.served_parcels,
            "planned_parcels": self.planned_parcels,
            "failed_parcels": self.failed_parcels,
            "return_s": self.return_s,
            "parcels": self.lines,
        }


def _outcome(status: str, reason: str) -> tuple[str, bool]:
    """A finished parcel's outcome for the payment, and whether it counts as served."""
    if status == ParcelStatus.DELIVERED:
        return "delivered", True
    if status in (ParcelStatus.FAILED, ParcelStatus.RETURNED):
        return f"failed:{reason}", reason in VISIT_FAILURES
    return status, False


def route_payment(route: Route, *, max_minutes: int) -> RoutePayment:
    """The payment of a completed ``route``, computed from its planned stop times."""
    stops = list(
        Stop.objects.filter(route__shift_id=route.shift_id)
        .exclude(route__status=RouteStatus.DECLINED)
        .select_related("route", "parcel")
        .order_by("route_id", "sequence")
    )
    paid_elsewhere = set(
        Stop.objects.filter(route__shift_id=route.shift_id, route__status=RouteStatus.COMPLETED)
        .exclude(route_id=route.pk)
        .values_list("parcel_id", flat=True)
    )
    # Each stop's planned leg: from leaving the stop before it on its route to leaving it.
    leg_s: dict[int, int] = {}
    previous: dict[int, dt.datetime] = {}
    for stop in stops:
        left = previous.get(stop.route_id, stop.route.start_at)
        leg_s[stop.pk] = max(0, int((stop.departure_at - left).total_seconds()))
        previous[stop.route_id] = stop.departure_at
    # A parcel's stops from the newest route of the shift that holds them.
    newest: dict[tuple[int, str], Stop] = {}
    for stop in stops:
        newest[stop.parcel_id, stop.kind] = stop
    own_deliveries = {
        s.parcel_id for s in stops if s.route_id == route.pk and s.kind == StopKind.DELIVERY
    }

    lines: list[dict[str, Any]] = []
    served = failed = 0
    total_s = 0
    for (parcel_id, kind), stop in sorted(newest.items()):
        if kind != StopKind.DELIVERY or parcel_id in paid_elsewhere:
            continue
        parcel = stop.parcel
        if parcel.carrier_shift_id != route.shift_id and parcel_id not in own_deliveries:
            continue  # planned on an old route of this shift, carried by someone else
        outcome, counts = _outcome(parcel.status, parcel.failure_reason)
        failed += outcome.startswith("failed")
        pickup = newest.get((parcel_id, StopKind.PICKUP))
        seconds = 0
        if counts and parcel.carrier_shift_id == route.shift_id:
            served += 1
            seconds = leg_s[stop.pk] + (leg_s[pickup.pk] if pickup is not None else 0)
        total_s += seconds
        lines.append({"parcel_id": parcel_id, "outcome": outcome, "paid_s": seconds})
    own = [s for s in stops if s.route_id == route.pk]
    return_s = 0
    if served and own:
        return_s = max(0, int((route.end_at - own[-1].departure_at).total_seconds()))
    total_s += return_s
    minutes = max(1, round(total_s / 60)) if served else 0
    return RoutePayment(
        minutes=min(minutes, max_minutes),
        capped=minutes > max_minutes,
        served_parcels=served,
        planned_parcels=len(lines),
        failed_parcels=failed,
        return_s=return_s,
        lines=lines,
    )


def route_anomalies(route: Route, payment: RoutePayment, *, completed_at: dt.datetime) -> list[str]:
    """What a coordinator should look at: nothing served, many failures, far off the plan."""
    flags = []
    if payment.planned_parcels and payment.served_parcels == 0:
        flags.append("nothing_served")
    if payment.failed_parcels == payment.planned_parcels and payment.planned_parcels:
        flags.append("everything_failed")
    elif payment.failed_parcels >= 2 and payment.failed_parcels * 2 >= payment.planned_parcels:
        flags.append("many_failures")
    if abs(completed_at - route.end_at) > FAR_FROM_PLAN or completed_at < route.start_at:
        flags.append("far_from_plan")
    return flags


def route_pay(*, route: Route, payment: RoutePayment) -> Transfer | None:
    """Book ``payment`` from the village's community account; nothing when it is 0."""
    if payment.minutes <= 0:
        return None
    village = route.village
    membership = Membership.objects.get(user_id=route.shift.volunteer_id, village_id=village.pk)
    return transfer_create(
        village=village,
        kind=TransferKind.DELIVERY,
        legs=[
            (community_account(village), -payment.minutes),
            (account_for_membership(membership), payment.minutes),
        ],
        memo=_("Delivery route on %(date)s") % {"date": route.date.isoformat()},
        idempotency_key=route_payment_key(route.pk),
        created_by=None,
        link_type=LinkType.ROUTE,
        link_id=route.pk,
    )
