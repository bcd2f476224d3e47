"""Helpers the parcel, planning and route use-cases share: locks, parcel events, live ETAs, job queueing.

Lock order (everywhere): village row (only while storing a plan) → routes by pk →
parcels by pk → ledger accounts (inside ``transfer_create``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.core.exceptions import Conflict, Forbidden, NotFound
from dorf.core.realtime import send_to_users_on_commit
from dorf.deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    JobStatus,
    JobTrigger,
    Parcel,
    ParcelEvent,
    ParcelStatus,
    PlanningJob,
    Route,
    RouteStatus,
    Stop,
    StopKind,
)
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Village


def _record(
    parcels: Sequence[Parcel], to_status: str, *, actor: User | None, note: str = ""
) -> None:
    """Move ``parcels`` (already locked) to ``to_status`` and write one event each."""
    now = timezone.now()
    events = [
        ParcelEvent(
            parcel=parcel,
            from_status=parcel.status,
            to_status=to_status,
            at=now,
            actor=actor,
            note=note[:300],
        )
        for parcel in parcels
        if parcel.status != to_status
    ]
    ParcelEvent.objects.bulk_create(events)
    for parcel in parcels:
        parcel.status = to_status


def _recipients(household_ids: Iterable[int]) -> dict[int, list[int]]:
    """household id -> user ids of its verified members."""
    members: dict[int, list[int]] = defaultdict(list)
    rows = Membership.objects.filter(
        household_id__in=set(household_ids), state=MembershipState.VERIFIED
    ).values_list("household_id", "user_id")
    for household_id, user_id in rows:
        members[household_id].append(user_id)
    return members


def _announce_parcels(parcels: Sequence[Parcel], etas: Mapping[int, dt.datetime | None]) -> None:
    """Tell each recipient household what changed about its parcel, after commit."""
    members = _recipients(p.household_id for p in parcels if p.household_id is not None)
    for parcel in parcels:
        users = members.get(parcel.household_id or 0, [])
        if not users:
            continue
        eta = etas.get(parcel.pk)
        send_to_users_on_commit(
            users,
            "delivery.eta",
            {
                "parcel_id": parcel.pk,
                "status": parcel.status,
                "eta": eta.isoformat() if eta else None,
            },
        )


def _lock_parcel(parcel_id: int, village_id: int) -> Parcel:
    parcel = (
        Parcel.objects.select_for_update(of=("self",))
        .select_related("village")
        .filter(pk=parcel_id, village_id=village_id)
        .first()
    )
    if parcel is None:
        raise NotFound()
    return parcel


def _lock_my_stop(*, membership: Membership, parcel_id: int, kind: StopKind) -> tuple[Stop, Parcel]:
    """Lock the user's accepted route holding ``parcel_id``'s stop, then the parcel.

    Route before parcel, as when storing a plan: two handovers on one route queue on
    the route row, so the second sees the first's delivery when it checks whether the
    route is complete (without the route lock both could miss each other).
    """
    stop = (
        Stop.objects.select_related("route", "route__shift")
        .filter(
            parcel_id=parcel_id,
            parcel__village_id=membership.village_id,
            kind=kind,
            route__status__in=ACTIVE_ROUTE_STATUSES,
        )
        .first()
    )
    if stop is None:
        found = Parcel.objects.filter(pk=parcel_id, village_id=membership.village_id).first()
        if found is None:
            raise NotFound()
        if found.status == ParcelStatus.DELIVERED:
            raise Conflict(_("This parcel was delivered already."), code="already_delivered")
        raise Forbidden(_("This parcel is not on your route."), code="not_your_route")
    route = _lock_route(stop.route_id, membership.village_id)
    if route.shift.volunteer_id != membership.user_id or route.status not in ACTIVE_ROUTE_STATUSES:
        raise Forbidden(_("This parcel is not on your route."), code="not_your_route")
    if route.status != RouteStatus.ACCEPTED:
        raise Conflict(_("Accept the route first."), code="route_not_accepted")
    stop.route = route
    return stop, _lock_parcel(parcel_id, membership.village_id)


def _enqueue(job_id: int) -> None:
    from dorf.deliveries.tasks import plan_task  # the task module imports this one

    transaction.on_commit(lambda: plan_task.delay(job_id))


def _job_create(
    *, village: Village, date: dt.date, trigger: str, by: User | None, attempt: int = 1
) -> PlanningJob:
    if trigger != JobTrigger.REQUEST:
        # A burst of automatic triggers (ten late parcels) needs one re-plan, not ten.
        waiting = PlanningJob.objects.filter(
            village=village, date=date, status=JobStatus.QUEUED
        ).first()
        if waiting is not None:
            return waiting
    job = PlanningJob.objects.create(
        village=village, date=date, trigger=trigger, requested_by=by, attempt=attempt
    )
    _enqueue(job.pk)
    return job


def _lock_route(route_id: int, village_id: int) -> Route:
    route = (
        Route.objects.select_for_update(of=("self",))
        .select_related("shift", "village")
        .filter(pk=route_id, village_id=village_id)
        .first()
    )
    if route is None:
        raise NotFound()
    return route
