"""A volunteer's route: accepting, declining, no-show, and completing it when every stop is done."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden
from dorf.core.realtime import send_to_users_on_commit
from dorf.deliveries.locks import lock_parcels, lock_route
from dorf.deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    FINISHED_STATUSES,
    DeliveryShift,
    DeliveryShiftStatus,
    JobTrigger,
    Parcel,
    ParcelStatus,
    PlanningJob,
    Route,
    RouteStatus,
    Stop,
    StopKind,
)
from dorf.deliveries.payments import route_anomalies, route_pay, route_payment
from dorf.deliveries.services.parcel_events import parcel_status_record
from dorf.deliveries.services.planning_jobs import planning_job_create
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many
from dorf.users.models import User
from dorf.villages.models import MODERATING_ROLES, Membership, MembershipState
from dorf.villages.scoping import require_moderator


@transaction.atomic
def route_accept(*, membership: Membership, route_id: int) -> Route:
    route = lock_route(route_id, village_id=membership.village_id)
    if route.shift.volunteer_id != membership.user_id:
        raise Forbidden(_("This is not your route."), code="not_your_route")
    if route.status == RouteStatus.ACCEPTED:
        return route
    if route.status != RouteStatus.PROPOSED:
        raise Conflict(_("This route can no longer be accepted."), code="route_closed")
    route.status = RouteStatus.ACCEPTED
    route.accepted_at = timezone.now()
    route.save(update_fields=["status", "accepted_at", "updated_at"])
    return route


def _drop_route(route: Route, *, actor: User, trigger: str, note: str) -> PlanningJob:
    """Take a route (and its shift) out of the day and re-plan what it carried."""
    if route.status not in ACTIVE_ROUTE_STATUSES:
        raise Conflict(_("This route is no longer open."), code="route_closed")
    if Parcel.objects.filter(carrier_shift=route.shift, status=ParcelStatus.PICKED_UP).exists():
        raise Conflict(_("Deliver or return the parcels you carry first."), code="parcels_on_board")
    route.status = RouteStatus.DECLINED
    route.save(update_fields=["status", "updated_at"])
    DeliveryShift.objects.filter(pk=route.shift_id).update(
        status=DeliveryShiftStatus.WITHDRAWN, updated_at=timezone.now()
    )
    parcel_ids = Stop.objects.filter(route=route).values_list("parcel_id", flat=True)
    parcels = lock_parcels(parcel_ids, village_id=route.village_id, status=ParcelStatus.PLANNED)
    parcel_status_record(parcels, ParcelStatus.REGISTERED, actor=actor, note=note)
    Parcel.objects.filter(pk__in=[p.pk for p in parcels]).update(
        status=ParcelStatus.REGISTERED, updated_at=timezone.now()
    )
    return planning_job_create(village=route.village, date=route.date, trigger=trigger, by=actor)


@transaction.atomic
def route_decline(*, membership: Membership, route_id: int, reason: str = "") -> PlanningJob:
    """The volunteer declines: the shift leaves the day and the rest is re-planned."""
    route = lock_route(route_id, village_id=membership.village_id)
    if route.shift.volunteer_id != membership.user_id:
        raise Forbidden(_("This is not your route."), code="not_your_route")
    return _drop_route(
        route, actor=membership.user, trigger=JobTrigger.DECLINE, note=reason or _("declined")
    )


@transaction.atomic
def route_no_show(*, actor: Membership, route_id: int) -> PlanningJob:
    """A coordinator records that the volunteer did not show up; re-plan without them."""
    require_moderator(actor)
    route = lock_route(route_id, village_id=actor.village_id)
    before = audit.snapshot(route)
    job = _drop_route(route, actor=actor.user, trigger=JobTrigger.NO_SHOW, note=_("no-show"))
    audit.record(
        actor=actor.user,
        instance=route,
        before=before,
        verb="route_no_show",
        village_id=route.village_id,
        subject_user_id=route.shift.volunteer_id,
        extra={"planning_job_id": job.pk},
    )
    return job


def route_complete_if_finished(*, route_id: int, village_id: int) -> bool:
    """Complete and pay the route once all its parcels are finished. True if it paid now.

    Runs inside the caller's transaction. The route row lock serialises concurrent
    last handovers (a handover holds it already, see ``locks.lock_own_stop``), and the
    guarded status flip makes a double tap pay exactly once.
    """
    lock_route(route_id, village_id=village_id)
    open_parcels = (
        Stop.objects.filter(route_id=route_id, kind=StopKind.DELIVERY)
        .exclude(parcel__status__in=FINISHED_STATUSES)
        .exists()
    )
    if open_parcels:
        return False
    now = timezone.now()
    flipped = Route.objects.filter(pk=route_id, status=RouteStatus.ACCEPTED).update(
        status=RouteStatus.COMPLETED, completed_at=now, updated_at=now
    )
    if not flipped:
        return False
    route = Route.objects.select_related("village", "shift").get(pk=route_id)
    payment = route_payment(route, max_minutes=route.village.max_transfer_minutes)
    transfer = route_pay(route=route, payment=payment)
    anomalies = route_anomalies(route, payment, completed_at=now)
    Route.objects.filter(pk=route_id).update(
        transfer_id=transfer.pk if transfer else None,
        paid_minutes=payment.minutes,
        payment=payment.as_json(),
        anomalies=anomalies,
    )
    send_to_users_on_commit(
        [route.shift.volunteer_id],
        "delivery.route",
        {"route_id": route.pk, "status": RouteStatus.COMPLETED, "paid_minutes": payment.minutes},
    )
    if anomalies:
        _flag_to_coordinators(route, anomalies)
    return True


def _flag_to_coordinators(route: Route, anomalies: list[str]) -> None:
    coordinators = User.objects.filter(
        memberships__village_id=route.village_id,
        memberships__state=MembershipState.VERIFIED,
        memberships__role__in=MODERATING_ROLES,
    )
    notify_many(
        recipients=coordinators,
        category=Category.DELIVERY,
        title=gettext_lazy("A delivery route needs a look"),
        body=gettext_lazy("Route %(route)s on %(date)s finished with: %(flags)s."),
        params={"route": route.pk, "date": route.date.isoformat(), "flags": ", ".join(anomalies)},
        village=route.village,
        link_type="route",
        link_id=route.pk,
    )
