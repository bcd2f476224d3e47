"""Write use-cases of deliveries: points, parcels, shifts, planning, routes, handover.

Lock order (everywhere): village row (only while storing a plan) → routes by pk →
parcels by pk → ledger accounts (inside ``transfer_create``). Status flips that can be
raced by a double tap are guarded ``filter(status=old).update(...)`` with a row count.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.core.realtime import send_to_users_on_commit
from dorf.core.scoping import require_moderator, require_staff
from dorf.deliveries import optimiser as opt
from dorf.deliveries import planning
from dorf.deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    DEFAULT_CAPACITY_UNITS,
    FINISHED_STATUSES,
    PIN_MAX_ATTEMPTS,
    PLANNABLE_STATUSES,
    JobStatus,
    JobTrigger,
    Parcel,
    ParcelEvent,
    ParcelStatus,
    PickupPoint,
    PlanningJob,
    Route,
    RouteStatus,
    Shift,
    ShiftStatus,
    Stop,
    StopKind,
    Vehicle,
)
from dorf.deliveries.pins import new_pin_salt, pin_matches
from dorf.notifications.models import Category
from dorf.notifications.services import notify
from dorf.users.models import User
from dorf.villages.models import Household, Membership, MembershipState, Village
from dorf.villages.services import ensure_inside_village

logger = logging.getLogger(__name__)

MAX_STALE_RETRIES = 3


# --- pickup points ------------------------------------------------------------------------


@transaction.atomic
def pickup_point_create(
    *,
    actor: Membership,
    name: str,
    kind: str,
    latitude: float,
    longitude: float,
    address: str = "",
    opens_at: dt.time | None = None,
    closes_at: dt.time | None = None,
) -> PickupPoint:
    require_staff(actor)
    ensure_inside_village(village=actor.village, latitude=latitude, longitude=longitude)
    _check_hours(opens_at, closes_at)
    return PickupPoint.objects.create(
        village=actor.village,
        name=name.strip(),
        kind=kind,
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
        opens_at=opens_at,
        closes_at=closes_at,
    )


def _check_hours(opens_at: dt.time | None, closes_at: dt.time | None) -> None:
    if (opens_at is None) != (closes_at is None):
        raise ValidationFailed(fields={"closes_at": [_("Give both opening and closing time.")]})
    if opens_at is not None and closes_at is not None and opens_at >= closes_at:
        raise ValidationFailed(fields={"closes_at": [_("It must close after it opens.")]})


@transaction.atomic
def pickup_point_set_active(*, actor: Membership, point_id: int, is_active: bool) -> PickupPoint:
    require_staff(actor)
    point = (
        PickupPoint.objects.select_for_update()
        .filter(pk=point_id, village_id=actor.village_id)
        .first()
    )
    if point is None:
        raise NotFound()
    point.is_active = is_active
    point.save(update_fields=["is_active", "updated_at"])
    return point


# --- parcels ----------------------------------------------------------------------------------


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


@transaction.atomic
def parcel_register(
    *,
    actor: Membership,
    pickup_point_id: int,
    household_id: int | None,
    size_units: int,
    delivery_date: dt.date | None = None,
    window_start_at: dt.datetime | None = None,
    window_end_at: dt.datetime | None = None,
    note: str = "",
) -> Parcel:
    """Staff register a parcel that arrived at a pickup point for a household.

    A shop registering its orders is a staff member of the village (role ``staff``).
    """
    require_staff(actor)
    village = actor.village
    point = PickupPoint.objects.filter(pk=pickup_point_id, village=village, is_active=True).first()
    if point is None:
        raise ValidationFailed(fields={"pickup_point": [_("Unknown pickup point.")]})
    if household_id is None:
        raise ValidationFailed(fields={"household": [_("A recipient household is required.")]})
    household = Household.objects.filter(pk=household_id, village=village).first()
    if household is None:
        raise ValidationFailed(fields={"household": [_("Unknown household.")]})
    ensure_inside_village(
        village=village, latitude=household.latitude, longitude=household.longitude
    )
    if size_units <= 0:
        raise ValidationFailed(fields={"size_units": [_("The size must be positive.")]})
    if (window_start_at is None) != (window_end_at is None):
        raise ValidationFailed(fields={"window_end_at": [_("Give both ends of the window.")]})
    today = planning.local_today(village)
    if window_start_at is not None and window_end_at is not None:
        if window_start_at >= window_end_at:
            raise ValidationFailed(
                fields={"window_end_at": [_("The window must end after it starts.")]}
            )
        window_day = window_start_at.astimezone(ZoneInfo(village.timezone)).date()
        if delivery_date is not None and delivery_date != window_day:
            raise ValidationFailed(fields={"delivery_date": [_("The window lies on another day.")]})
        delivery_date = window_day
    delivery_date = delivery_date or today
    if delivery_date < today:
        raise ValidationFailed(fields={"delivery_date": [_("This date is in the past.")]})
    parcel = Parcel.objects.create(
        village=village,
        pickup_point=point,
        household=household,
        size_units=size_units,
        delivery_date=delivery_date,
        window_start_at=window_start_at,
        window_end_at=window_end_at,
        note=note.strip(),
        pin_salt=new_pin_salt(),
        created_by=actor.user,
    )
    ParcelEvent.objects.create(
        parcel=parcel,
        from_status="",
        to_status=ParcelStatus.REGISTERED,
        at=timezone.now(),
        actor=actor.user,
    )
    if Route.objects.filter(
        village=village, date=delivery_date, status__in=ACTIVE_ROUTE_STATUSES
    ).exists():
        # The day is planned already: fit the late parcel in, starting from that plan.
        _job_create(
            village=village, date=delivery_date, trigger=JobTrigger.LATE_PARCEL, by=actor.user
        )
    return parcel


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


@transaction.atomic
def parcel_pickup(*, membership: Membership, parcel_id: int) -> Parcel:
    """The volunteer confirms they took the parcel at its pickup point."""
    stop, parcel = _lock_my_stop(membership=membership, parcel_id=parcel_id, kind=StopKind.PICKUP)
    if parcel.status == ParcelStatus.PICKED_UP:
        raise Conflict(_("This parcel was picked up already."), code="already_picked_up")
    if parcel.status != ParcelStatus.PLANNED:
        raise Conflict(_("This parcel cannot be picked up now."), code="wrong_status")
    _record([parcel], ParcelStatus.PICKED_UP, actor=membership.user)
    parcel.carrier_shift = stop.route.shift
    parcel.save(update_fields=["status", "carrier_shift", "updated_at"])
    delivery = Stop.objects.filter(route=stop.route, parcel=parcel, kind=StopKind.DELIVERY).first()
    _announce_parcels([parcel], {parcel.pk: delivery.service_start_at if delivery else None})
    return parcel


def parcel_deliver(*, membership: Membership, parcel_id: int, pin: str) -> Parcel:
    """The volunteer hands the parcel over against the recipient's PIN.

    A wrong PIN is counted (committed) and then refused; after ``PIN_MAX_ATTEMPTS``
    wrong entries the parcel is locked until staff reset it.
    """
    with transaction.atomic():
        stop, parcel = _lock_my_stop(
            membership=membership, parcel_id=parcel_id, kind=StopKind.DELIVERY
        )
        if parcel.status == ParcelStatus.DELIVERED:
            raise Conflict(_("This parcel was delivered already."), code="already_delivered")
        if (
            parcel.status != ParcelStatus.PICKED_UP
            or parcel.carrier_shift_id != stop.route.shift_id
        ):
            raise Conflict(_("Pick the parcel up first."), code="not_picked_up")
        if parcel.pin_locked:
            raise Conflict(
                _("Too many wrong PINs: the municipality must unlock this parcel."),
                code="pin_locked",
            )
        if pin_matches(parcel.pin_salt, pin):
            _record([parcel], ParcelStatus.DELIVERED, actor=membership.user)
            parcel.save(update_fields=["status", "updated_at"])
            _announce_parcels([parcel], {})
            route_complete_if_finished(route_id=stop.route_id)
            return parcel
        parcel.pin_attempts += 1
        parcel.save(update_fields=["pin_attempts", "updated_at"])
        remaining = max(0, PIN_MAX_ATTEMPTS - parcel.pin_attempts)
    # Raised after the commit above: the attempt must count even though we refuse.
    raise ValidationFailed(
        _("Wrong PIN (%(left)d attempts left).") % {"left": remaining},
        code="wrong_pin" if remaining else "pin_locked",
        fields={"pin": [_("Wrong PIN.")]},
    )


@transaction.atomic
def parcel_fail(
    *, membership: Membership, parcel_id: int, reason: str, return_point_id: int | None = None
) -> Parcel:
    """The handover failed: record why and bring the parcel back to a pickup point."""
    stop, parcel = _lock_my_stop(membership=membership, parcel_id=parcel_id, kind=StopKind.DELIVERY)
    if parcel.status != ParcelStatus.PICKED_UP or parcel.carrier_shift_id != stop.route.shift_id:
        raise Conflict(_("Pick the parcel up first."), code="not_picked_up")
    point = parcel.pickup_point
    if return_point_id is not None:
        found = PickupPoint.objects.filter(
            pk=return_point_id, village_id=parcel.village_id, is_active=True
        ).first()
        if found is None:
            raise ValidationFailed(fields={"return_point": [_("Unknown pickup point.")]})
        point = found
    reason = reason.strip()
    _record([parcel], ParcelStatus.FAILED, actor=membership.user, note=reason)
    _record([parcel], ParcelStatus.RETURNED, actor=membership.user, note=point.name)
    parcel.failure_reason = reason[:300]
    parcel.pickup_point = point
    parcel.save(update_fields=["status", "failure_reason", "pickup_point", "updated_at"])
    _announce_parcels([parcel], {})
    route_complete_if_finished(route_id=stop.route_id)
    return parcel


@transaction.atomic
def parcel_pin_reset(*, actor: Membership, parcel_id: int) -> Parcel:
    """Staff unlock a parcel after too many wrong PINs (having checked who is at the door)."""
    require_staff(actor)
    parcel = _lock_parcel(parcel_id, actor.village_id)
    parcel.pin_attempts = 0
    parcel.save(update_fields=["pin_attempts", "updated_at"])
    return parcel


@transaction.atomic
def parcel_reschedule(*, actor: Membership, parcel_id: int, delivery_date: dt.date) -> Parcel:
    """Staff put a returned parcel back into planning for a later date."""
    require_staff(actor)
    parcel = _lock_parcel(parcel_id, actor.village_id)
    if parcel.status != ParcelStatus.RETURNED:
        raise Conflict(_("Only returned parcels can be rescheduled."), code="wrong_status")
    if delivery_date < planning.local_today(parcel.village):
        raise ValidationFailed(fields={"delivery_date": [_("This date is in the past.")]})
    _record([parcel], ParcelStatus.REGISTERED, actor=actor.user, note=_("rescheduled"))
    parcel.delivery_date = delivery_date
    parcel.window_start_at = parcel.window_end_at = None
    parcel.carrier_shift = None
    parcel.save(
        update_fields=[
            "status",
            "delivery_date",
            "window_start_at",
            "window_end_at",
            "carrier_shift",
            "updated_at",
        ]
    )
    return parcel


# --- shifts ---------------------------------------------------------------------------------


@transaction.atomic
def shift_create(
    *,
    membership: Membership,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    vehicle: str,
    capacity_units: int | None = None,
    start_latitude: float | None = None,
    start_longitude: float | None = None,
    end_latitude: float | None = None,
    end_longitude: float | None = None,
) -> Shift:
    """A volunteer offers a shift. Start and end default to their household."""
    village = membership.village
    if date < planning.local_today(village):
        raise ValidationFailed(fields={"date": [_("This date is in the past.")]})
    starts_at = planning.local_datetime(date, start_time, village.timezone)
    ends_at = planning.local_datetime(date, end_time, village.timezone)
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"end_time": [_("The shift must end after it starts.")]})
    capacity = (
        DEFAULT_CAPACITY_UNITS[Vehicle(vehicle)] if capacity_units is None else capacity_units
    )
    if capacity <= 0:
        raise ValidationFailed(fields={"capacity_units": [_("The capacity must be positive.")]})
    home = membership.household
    points = []
    for lat, lon, label in (
        (start_latitude, start_longitude, "start"),
        (end_latitude, end_longitude, "end"),
    ):
        if (lat is None) != (lon is None):
            raise ValidationFailed(fields={f"{label}_longitude": [_("Give both coordinates.")]})
        if lat is None or lon is None:
            if home is None:
                raise ValidationFailed(
                    _("Set your household address or give a start and end point."),
                    code="no_address",
                )
            lat, lon = home.latitude, home.longitude
        ensure_inside_village(village=village, latitude=lat, longitude=lon)
        points.append((lat, lon))
    (start_lat, start_lon), (end_lat, end_lon) = points
    return Shift.objects.create(
        village=village,
        volunteer=membership.user,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        vehicle=vehicle,
        capacity_units=capacity,
        start_latitude=start_lat,
        start_longitude=start_lon,
        end_latitude=end_lat,
        end_longitude=end_lon,
    )


# --- planning -----------------------------------------------------------------------------


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


@transaction.atomic
def plan_request(*, actor: Membership, date: dt.date) -> PlanningJob:
    """A coordinator asks for the plan of ``date``; the job runs in the background."""
    require_moderator(actor)
    if date < planning.local_today(actor.village):
        raise ValidationFailed(fields={"date": [_("This date is in the past.")]})
    return _job_create(village=actor.village, date=date, trigger=JobTrigger.REQUEST, by=actor.user)


def _job_fail(job_id: int, code: str, message: str) -> None:
    PlanningJob.objects.filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.SOLVING]).update(
        status=JobStatus.FAILED,
        error_code=code,
        error=message[:500],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def planning_job_run(*, job_id: int) -> None:
    """Run one planning job: snapshot, solve outside any transaction, store.

    Safe to call twice (a redelivered task): only the call that flips the job from
    queued to solving does the work.
    """
    claimed = PlanningJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.SOLVING, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:
        return
    job = PlanningJob.objects.get(pk=job_id)
    try:
        snap = planning.snapshot(job)
        started = time.monotonic()
        plan, distances = planning.solve(snap)
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
    *, snap: planning.Snapshot, plan: opt.Plan, distances: list[list[float]], solve_ms: int
) -> PlanningJob:
    """Store a solved plan as the date's routes, unless the world moved on meanwhile."""
    # One plan is stored at a time per village: the village row serialises them.
    Village.objects.select_for_update().filter(pk=snap.village_id).first()
    job = PlanningJob.objects.select_for_update().select_related("village").get(pk=snap.job_id)
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

    old_routes = list(
        Route.objects.select_for_update(of=("self",))
        .select_related("shift")
        .filter(village_id=job.village_id, date=job.date, status__in=ACTIVE_ROUTE_STATUSES)
        .order_by("pk")
    )
    parcels = {
        p.pk: p
        for p in Parcel.objects.select_for_update()
        .filter(pk__in=list(snap.parcel_state))
        .order_by("pk")
    }
    shifts_active = set(
        Shift.objects.filter(pk__in=snap.shift_ids, status=ShiftStatus.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    stale = len(parcels) != len(snap.parcel_state) or shifts_active != set(snap.shift_ids)
    stale = stale or any(
        planning.parcel_state_key(p.status, p.carrier_shift_id) != snap.parcel_state[p.pk]
        for p in parcels.values()
    )
    if stale:
        # A pickup, decline or handover happened while we were solving: plan again.
        _job_fail(job.pk, "stale", "parcels or shifts changed while planning")
        if job.attempt < MAX_STALE_RETRIES:
            _job_create(
                village=job.village,
                date=job.date,
                trigger=JobTrigger.RETRY,
                by=job.requested_by,
                attempt=job.attempt + 1,
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
    shifts = Shift.objects.in_bulk([int(r.volunteer_id) for r in plan.routes])
    new_routes: list[Route] = []
    stops: list[Stop] = []
    etas: dict[int, dt.datetime] = {}
    for plan_route in plan.routes:
        shift_id = int(plan_route.volunteer_id)
        old = old_by_shift.get(shift_id)
        start_at = planning.from_seconds(plan_route.start_s, snap.midnight_utc)
        accepted = old is not None and old.status == RouteStatus.ACCEPTED
        route = Route.objects.create(
            village_id=job.village_id,
            job=job,
            shift=shifts[shift_id],
            date=job.date,
            status=RouteStatus.ACCEPTED if accepted else RouteStatus.PROPOSED,
            accepted_at=old.accepted_at if accepted and old else None,
            start_at=start_at,
            end_at=planning.from_seconds(plan_route.end_s, snap.midnight_utc),
            work_start_at=(
                min(old.work_start_at, start_at)
                if old and accepted and shift_id in worked
                else start_at
            ),
            travel_s=plan_route.travel_s,
            distance_m=planning.route_distance_m(
                plan_route, volunteers[plan_route.volunteer_id], distances
            ),
        )
        new_routes.append(route)
        for sequence, plan_stop in enumerate(plan_route.stops):
            stop = Stop(
                route=route,
                sequence=sequence,
                kind=plan_stop.kind.value,
                parcel_id=int(plan_stop.parcel_id),
                arrival_at=planning.from_seconds(plan_stop.arrival_s, snap.midnight_utc),
                service_start_at=planning.from_seconds(
                    plan_stop.service_start_s, snap.midnight_utc
                ),
                departure_at=planning.from_seconds(plan_stop.departure_s, snap.midnight_utc),
                load_units=plan_stop.load_units,
            )
            stops.append(stop)
            if plan_stop.kind is opt.StopKind.DELIVERY:
                etas[stop.parcel_id] = stop.service_start_at
    Stop.objects.bulk_create(stops)

    planned = [parcels[pid] for pid in etas if parcels[pid].status in PLANNABLE_STATUSES]
    dropped = [p for p in parcels.values() if p.status == ParcelStatus.PLANNED and p.pk not in etas]
    newly_planned = [p for p in planned if p.status == ParcelStatus.REGISTERED]
    _record(newly_planned, ParcelStatus.PLANNED, actor=None, note=f"job {job.pk}")
    _record(dropped, ParcelStatus.REGISTERED, actor=None, note=f"job {job.pk}: not planned")
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

    _announce_parcels([parcels[pid] for pid in etas], etas)
    _announce_parcels(dropped, {})
    still_on = {route.shift_id for route in new_routes}
    for old in old_routes:
        if old.shift_id not in still_on:
            # Their parcels went to others: tell the volunteer the route is gone.
            send_to_users_on_commit(
                [old.shift.volunteer_id],
                "delivery.route",
                {"route_id": old.pk, "status": RouteStatus.REPLACED, "date": old.date.isoformat()},
            )
    for route in new_routes:
        send_to_users_on_commit(
            [route.shift.volunteer_id],
            "delivery.route",
            {"route_id": route.pk, "status": route.status, "date": route.date.isoformat()},
        )
        if route.status == RouteStatus.PROPOSED:
            notify(
                user=route.shift.volunteer,
                category=Category.DELIVERY,
                title=_("A delivery route is waiting for you"),
                village=job.village,
                link_type="route",
                link_id=route.pk,
            )
    return job


# --- routes -----------------------------------------------------------------------------------


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


@transaction.atomic
def route_accept(*, membership: Membership, route_id: int) -> Route:
    route = _lock_route(route_id, membership.village_id)
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
    Shift.objects.filter(pk=route.shift_id).update(
        status=ShiftStatus.WITHDRAWN, updated_at=timezone.now()
    )
    parcel_ids = Stop.objects.filter(route=route).values("parcel_id")
    parcels = list(
        Parcel.objects.select_for_update()
        .filter(pk__in=parcel_ids, status=ParcelStatus.PLANNED)
        .order_by("pk")
    )
    _record(parcels, ParcelStatus.REGISTERED, actor=actor, note=note)
    Parcel.objects.filter(pk__in=[p.pk for p in parcels]).update(
        status=ParcelStatus.REGISTERED, updated_at=timezone.now()
    )
    return _job_create(village=route.village, date=route.date, trigger=trigger, by=actor)


@transaction.atomic
def route_decline(*, membership: Membership, route_id: int, reason: str = "") -> PlanningJob:
    """The volunteer declines: the shift leaves the day and the rest is re-planned."""
    route = _lock_route(route_id, membership.village_id)
    if route.shift.volunteer_id != membership.user_id:
        raise Forbidden(_("This is not your route."), code="not_your_route")
    return _drop_route(
        route, actor=membership.user, trigger=JobTrigger.DECLINE, note=reason or _("declined")
    )


@transaction.atomic
def route_no_show(*, actor: Membership, route_id: int) -> PlanningJob:
    """A coordinator records that the volunteer did not show up; re-plan without them."""
    require_moderator(actor)
    route = _lock_route(route_id, actor.village_id)
    return _drop_route(route, actor=actor.user, trigger=JobTrigger.NO_SHOW, note=_("no-show"))


def route_complete_if_finished(*, route_id: int) -> bool:
    """Complete and pay the route once all its parcels are finished. True if it paid now.

    Runs inside the caller's transaction. The guarded status flip makes a double tap
    (two last handovers racing) pay exactly once.
    """
    from dorf.deliveries.payments import route_pay

    # The route row lock serialises concurrent last handovers (see _lock_my_stop).
    Route.objects.select_for_update().filter(pk=route_id).first()
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
    transfer, minutes = route_pay(route=route)
    Route.objects.filter(pk=route_id).update(transfer_id=transfer.pk, paid_minutes=minutes)
    send_to_users_on_commit(
        [route.shift.volunteer_id],
        "delivery.route",
        {"route_id": route.pk, "status": RouteStatus.COMPLETED, "paid_minutes": minutes},
    )
    return True
