"""Planning jobs: a coordinator's request, queueing, running the optimiser, storing the plan.

``planning_job_run`` is what the Celery task ``deliveries.plan`` runs (``tasks.py``);
this module enqueues that task by its name, so it never imports the task module (which
imports this one).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from celery import current_app
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.core import audit
from dorf.core.exceptions import ValidationFailed
from dorf.core.realtime import send_to_users_on_commit
from dorf.deliveries import optimiser as opt
from dorf.deliveries.clock import from_seconds, local_today
from dorf.deliveries.locks import lock_active_routes, lock_parcels, lock_planning_job, lock_village
from dorf.deliveries.models import (
    PLANNABLE_STATUSES,
    DeliveryShift,
    DeliveryShiftStatus,
    JobStatus,
    JobTrigger,
    Parcel,
    ParcelStatus,
    PlanningJob,
    PlanningPolicy,
    Route,
    RouteStatus,
    Stop,
)
from dorf.deliveries.services.parcel_events import parcel_status_record, parcels_announce
from dorf.deliveries.snapshot import (
    Distances,
    Snapshot,
    parcel_state_key,
    route_distance_m,
    snapshot_solve,
    snapshot_take,
)
from dorf.notifications.models import Category
from dorf.notifications.services import Notice, NotificationText, notify_each
from dorf.users.models import User
from dorf.villages.models import Membership, Village
from dorf.villages.scoping import require_moderator

logger = logging.getLogger(__name__)

MAX_STALE_RETRIES = 3
#: The Celery task that runs a planning job (defined in ``dorf.deliveries.tasks``).
PLAN_TASK = "deliveries.plan"


def _enqueue(job_id: int) -> None:
    # By name: the task module imports this one. Registered in every process by
    # DeliveriesConfig.ready(), so that the inline (eager) mode runs it too.
    task = current_app.tasks[PLAN_TASK]
    transaction.on_commit(lambda: task.delay(job_id))


def planning_job_create(
    *,
    village: Village,
    date: dt.date,
    trigger: str,
    by: User | None,
    attempt: int = 1,
    policy: str | None = None,
) -> PlanningJob:
    """Queue a planning job for ``village`` and ``date``; it runs after commit.

    Automatic triggers (a decline, a late parcel) reuse a job still queued for the date,
    and plan with the policy of the date's latest job (``policy=None``).
    """
    if trigger != JobTrigger.REQUEST:
        # A burst of automatic triggers (ten late parcels) needs one re-plan, not ten.
        waiting = PlanningJob.objects.filter(
            village=village, date=date, status=JobStatus.QUEUED
        ).first()
        if waiting is not None:
            return waiting
    if policy is None:
        latest = PlanningJob.objects.filter(village=village, date=date).order_by("-pk").first()
        policy = latest.policy if latest is not None else PlanningPolicy.SPREAD
    job = PlanningJob.objects.create(
        village=village,
        date=date,
        trigger=trigger,
        requested_by=by,
        attempt=attempt,
        policy=policy,
    )
    _enqueue(job.pk)
    return job


@transaction.atomic
def plan_request(
    *, actor: Membership, date: dt.date, policy: str = PlanningPolicy.SPREAD
) -> PlanningJob:
    """A coordinator asks for the plan of ``date``; the job runs in the background.

    ``policy``: ``spread`` (the default: balance the work among the volunteers who
    offered shifts) or ``fewest_volunteers``.
    """
    if policy not in PlanningPolicy.values:
        raise ValidationFailed(fields={"policy": [_("Unknown policy.")]})
    require_moderator(actor)
    if date < local_today(actor.village):
        raise ValidationFailed(fields={"date": [_("This date is in the past.")]})
    job = planning_job_create(
        village=actor.village, date=date, trigger=JobTrigger.REQUEST, by=actor.user, policy=policy
    )
    audit.record(
        actor=actor.user, instance=job, before={}, verb="plan_request", village_id=job.village_id
    )
    return job


def _job_fail(job_id: int, code: str, message: str) -> None:
    PlanningJob.objects.filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.SOLVING]).update(
        status=JobStatus.FAILED,
        error_code=code,
        error=message[:500],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def planning_job_run(*, job_id: int, time_limit_s: float | None = None) -> None:
    """Run one planning job: snapshot, solve outside any transaction, store.

    Safe to call twice (a redelivered task): only the call that flips the job from
    queued to solving does the work. ``time_limit_s``: instead of the configured limit
    (the demo's small day, ``dorf.deliveries.demo``).
    """
    claimed = PlanningJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.SOLVING, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:
        return
    job = PlanningJob.objects.get(pk=job_id)
    try:
        snap = snapshot_take(job)
        started = time.monotonic()
        plan, distances = snapshot_solve(snap, time_limit_s=time_limit_s)
        solve_ms = round((time.monotonic() - started) * 1000)
    except opt.InvalidProblem as exc:
        logger.warning("planning job %s: invalid problem: %s", job_id, exc)
        _job_fail(job_id, "invalid_problem", str(exc))
        return
    except Exception as exc:  # a job must end in a state the coordinator can see
        logger.exception("planning job %s failed", job_id)
        _job_fail(job_id, "error", type(exc).__name__)
        return
    plan_store(snap=snap, plan=plan, distances=distances, solve_ms=solve_ms)


@transaction.atomic
def plan_store(
    *, snap: Snapshot, plan: opt.Plan, distances: Distances, solve_ms: int
) -> PlanningJob:
    """Store a solved plan as the date's routes, unless the world moved on meanwhile."""
    # One plan is stored at a time per village: the village row serialises them.
    lock_village(snap.village_id)
    job = lock_planning_job(snap.job_id, village_id=snap.village_id)
    if job.status != JobStatus.SOLVING:
        return job
    now = timezone.now()
    newer = PlanningJob.objects.filter(
        village_id=job.village_id,
        date=job.date,
        pk__gt=job.pk,
        status__in=[JobStatus.QUEUED, JobStatus.SOLVING, JobStatus.DONE],
    ).exists()
    if newer:
        _job_fail(job.pk, "superseded", "a newer plan for this date was requested")
        job.refresh_from_db()
        return job

    old_routes = lock_active_routes(village_id=job.village_id, date=job.date)
    parcels = {p.pk: p for p in lock_parcels(snap.parcel_state, village_id=job.village_id)}
    shifts_active = set(
        DeliveryShift.objects.filter(
            pk__in=snap.shift_ids, status=DeliveryShiftStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    stale = len(parcels) != len(snap.parcel_state) or shifts_active != set(snap.shift_ids)
    stale = stale or any(
        parcel_state_key(p.status, p.carrier_shift_id) != snap.parcel_state[p.pk]
        for p in parcels.values()
    )
    if stale:
        # A pickup, decline or handover happened while we were solving: plan again.
        _job_fail(job.pk, "stale", "parcels or shifts changed while planning")
        if job.attempt < MAX_STALE_RETRIES:
            planning_job_create(
                village=job.village,
                date=job.date,
                trigger=JobTrigger.RETRY,
                by=job.requested_by,
                attempt=job.attempt + 1,
                policy=job.policy,
            )
        job.refresh_from_db()
        return job

    old_by_shift = {route.shift_id: route for route in old_routes}
    Route.objects.filter(pk__in=[r.pk for r in old_routes]).update(
        status=RouteStatus.REPLACED, updated_at=now
    )
    # Shifts whose volunteer already did something today keep their start of work.
    worked = set(
        Parcel.objects.filter(carrier_shift_id__in=snap.shift_ids).values_list(
            "carrier_shift_id", flat=True
        )
    )
    volunteers = {v.id: v for v in snap.problem.volunteers}
    shifts = DeliveryShift.objects.in_bulk([int(r.volunteer_id) for r in plan.routes])
    new_routes: list[Route] = []
    stops: list[Stop] = []
    etas: dict[int, dt.datetime] = {}
    for plan_route in plan.routes:
        shift_id = int(plan_route.volunteer_id)
        old = old_by_shift.get(shift_id)
        start_at = from_seconds(plan_route.start_s, snap.midnight_utc)
        accepted = old is not None and old.status == RouteStatus.ACCEPTED
        route = Route.objects.create(
            village_id=job.village_id,
            job=job,
            shift=shifts[shift_id],
            date=job.date,
            status=RouteStatus.ACCEPTED if accepted else RouteStatus.PROPOSED,
            accepted_at=old.accepted_at if accepted and old else None,
            start_at=start_at,
            end_at=from_seconds(plan_route.end_s, snap.midnight_utc),
            work_start_at=(
                min(old.work_start_at, start_at)
                if old and accepted and shift_id in worked
                else start_at
            ),
            travel_s=plan_route.travel_s,
            distance_m=route_distance_m(plan_route, volunteers[plan_route.volunteer_id], distances),
        )
        new_routes.append(route)
        for sequence, plan_stop in enumerate(plan_route.stops):
            stop = Stop(
                route=route,
                sequence=sequence,
                kind=plan_stop.kind.value,
                parcel_id=int(plan_stop.parcel_id),
                arrival_at=from_seconds(plan_stop.arrival_s, snap.midnight_utc),
                service_start_at=from_seconds(plan_stop.service_start_s, snap.midnight_utc),
                departure_at=from_seconds(plan_stop.departure_s, snap.midnight_utc),
                load_units=plan_stop.load_units,
            )
            stops.append(stop)
            if plan_stop.kind is opt.StopKind.DELIVERY:
                etas[stop.parcel_id] = stop.service_start_at
    Stop.objects.bulk_create(stops)

    planned = [parcels[pid] for pid in etas if parcels[pid].status in PLANNABLE_STATUSES]
    dropped = [p for p in parcels.values() if p.status == ParcelStatus.PLANNED and p.pk not in etas]
    newly_planned = [p for p in planned if p.status == ParcelStatus.REGISTERED]
    parcel_status_record(newly_planned, ParcelStatus.PLANNED, actor=None, note=f"job {job.pk}")
    parcel_status_record(
        dropped, ParcelStatus.REGISTERED, actor=None, note=f"job {job.pk}: not planned"
    )
    Parcel.objects.filter(pk__in=[p.pk for p in newly_planned]).update(
        status=ParcelStatus.PLANNED, updated_at=now
    )
    Parcel.objects.filter(pk__in=[p.pk for p in dropped]).update(
        status=ParcelStatus.REGISTERED, updated_at=now
    )

    job.status = JobStatus.DONE
    job.finished_at = now
    job.solve_ms = solve_ms
    job.travel_s = plan.travel_s
    job.unassigned = [
        *snap.pre_unassigned,
        *(
            {"parcel_id": int(u.parcel_id), "reason": u.reason.value, "detail": u.detail}
            for u in plan.unassigned
        ),
    ]
    job.save()

    parcels_announce([parcels[pid] for pid in etas], etas)
    parcels_announce(dropped, {})
    still_on = {route.shift_id for route in new_routes}
    for old in old_routes:
        if old.shift_id not in still_on:
            # Their parcels went to others: tell the volunteer the route is gone.
            send_to_users_on_commit(
                [old.shift.volunteer_id],
                "delivery.route",
                {"route_id": old.pk, "status": RouteStatus.REPLACED, "date": old.date.isoformat()},
            )
    offer = NotificationText(title=gettext_lazy("A delivery route is waiting for you"))
    offers: list[Notice] = []
    for route in new_routes:
        send_to_users_on_commit(
            [route.shift.volunteer_id],
            "delivery.route",
            {"route_id": route.pk, "status": route.status, "date": route.date.isoformat()},
        )
        if route.status == RouteStatus.PROPOSED:
            offers.append(
                Notice(
                    user=route.shift.volunteer,
                    category=Category.DELIVERY,
                    text=offer,
                    village_id=job.village_id,
                    link_type="route",
                    link_id=route.pk,
                )
            )
    notify_each(notices=offers)
    return job
