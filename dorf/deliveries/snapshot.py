"""The planning snapshot: what one planning run reads from the database, as optimiser input.

Models ⇄ optimiser dataclasses. Everything here only reads: ``snapshot_take`` collects
what a planning run needs, ``snapshot_solve`` runs the optimiser on it outside any
transaction, and ``services.planning_jobs.plan_store`` stores the result. Times are
converted with ``dorf.deliveries.clock`` (real seconds since local midnight).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from dorf.deliveries import optimiser as opt
from dorf.deliveries.clock import local_datetime, local_midnight_utc, local_today, to_seconds
from dorf.deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    PLANNABLE_STATUSES,
    DeliveryShift,
    DeliveryShiftStatus,
    Parcel,
    ParcelEvent,
    ParcelStatus,
    PickupPoint,
    PlanningJob,
    Route,
)
from dorf.villages.models import Village

logger = logging.getLogger(__name__)

PICKUP_SERVICE_S = 60
DELIVERY_SERVICE_S = 120
# Re-planning today: nobody can be somewhere before a minute from now.
REPLAN_LEAD_S = 60


@dataclass
class Snapshot:
    """What one planning run read from the database, and the problem built from it."""

    job_id: int
    village_id: int
    date: dt.date
    midnight_utc: dt.datetime
    problem: opt.Problem
    previous: opt.Plan | None
    #: ``PlanningPolicy`` value of the job: what to optimise after serving every parcel.
    policy: str
    #: parcel id -> (status class, carrier shift id) as seen; compared before storing.
    parcel_state: dict[int, tuple[str, int | None]]
    shift_ids: list[int]
    #: Parcels left out before solving (their carrier is no longer on duty).
    pre_unassigned: list[dict[str, object]] = field(default_factory=list)


def parcel_state_key(status: str, carrier_shift_id: int | None) -> tuple[str, int | None]:
    # REGISTERED and PLANNED are the same for a plan: both may be (re)assigned.
    if status in PLANNABLE_STATUSES:
        return ("plannable", None)
    return (status, carrier_shift_id)


class _Places:
    """Deduplicated locations; each place gets one index in ``Problem.locations``."""

    def __init__(self) -> None:
        self.locations: list[opt.Location] = []
        self._index: dict[tuple[float, float], int] = {}

    def index(self, lat: float, lon: float) -> int:
        key = (round(lat, 6), round(lon, 6))
        if key not in self._index:
            self._index[key] = len(self.locations)
            self.locations.append(opt.Location(lat, lon))
        return self._index[key]


def _plannable_parcels(village_id: int, day: dt.date) -> Iterable[Parcel]:
    due = Q(delivery_date=day) | Q(delivery_date__lt=day, window_start_at__isnull=True)
    return (
        Parcel.objects.filter(
            village_id=village_id, status__in=PLANNABLE_STATUSES, household__isnull=False
        )
        .filter(due)
        .select_related("pickup_point", "household")
        .order_by("pk")
    )


def _carried_parcels(village_id: int, day: dt.date) -> Iterable[Parcel]:
    return (
        Parcel.objects.filter(
            village_id=village_id,
            status=ParcelStatus.PICKED_UP,
            carrier_shift__date=day,
            household__isnull=False,
        )
        .select_related("pickup_point", "household")
        .order_by("pk")
    )


def _window(
    start: dt.datetime | None, end: dt.datetime | None, midnight: dt.datetime
) -> opt.TimeWindow | None:
    if start is None or end is None:
        return None
    start_s = max(to_seconds(start, midnight), 0)
    end_s = max(to_seconds(end, midnight), start_s)
    return opt.TimeWindow(start_s, end_s)


def _opening_hours(
    point: PickupPoint, day: dt.date, tz_name: str, midnight: dt.datetime
) -> opt.TimeWindow | None:
    if point.opens_at is None or point.closes_at is None:
        return None
    return _window(
        local_datetime(day, point.opens_at, tz_name),
        local_datetime(day, point.closes_at, tz_name),
        midnight,
    )


def snapshot_take(job: PlanningJob) -> Snapshot:
    """Read the parcels, shifts and current routes of the job's date into a Problem."""
    village = Village.objects.get(pk=job.village_id)
    day = job.date
    midnight = local_midnight_utc(day, village.timezone)
    earliest_s = 0
    if day == local_today(village):
        earliest_s = to_seconds(timezone.now(), midnight) + REPLAN_LEAD_S
    places = _Places()

    carried = list(_carried_parcels(village.pk, day))
    last_pickup_point: dict[int, PickupPoint] = {}
    if carried:
        # A carrier continues from where they last picked something up.
        last_events = (
            ParcelEvent.objects.filter(
                parcel__in=[p.pk for p in carried], to_status=ParcelStatus.PICKED_UP
            )
            .order_by("at", "id")
            .values_list("parcel_id", flat=True)
        )
        by_id = {p.pk: p for p in carried}
        for parcel_id in last_events:
            parcel = by_id[parcel_id]
            assert parcel.carrier_shift_id is not None
            last_pickup_point[parcel.carrier_shift_id] = parcel.pickup_point

    volunteers: list[opt.Volunteer] = []
    shift_ids: list[int] = []
    shifts = DeliveryShift.objects.filter(
        village=village, date=day, status=DeliveryShiftStatus.ACTIVE
    ).order_by("pk")
    for shift in shifts:
        start_s = max(to_seconds(shift.starts_at, midnight), earliest_s)
        end_s = to_seconds(shift.ends_at, midnight)
        if start_s >= end_s:
            continue  # the shift is over
        here = last_pickup_point.get(shift.pk)
        if here is not None:
            start = places.index(here.latitude, here.longitude)
        else:
            start = places.index(shift.start_latitude, shift.start_longitude)
        volunteers.append(
            opt.Volunteer(
                id=str(shift.pk),
                mode=opt.TravelMode(shift.vehicle),
                capacity_units=shift.capacity_units,
                start=start,
                end=places.index(shift.end_latitude, shift.end_longitude),
                shift=opt.TimeWindow(start_s, end_s),
                max_duration_s=shift.max_work_minutes * 60,
                max_stops=shift.max_stops,
            )
        )
        shift_ids.append(shift.pk)
    on_duty = {str(pk) for pk in shift_ids}

    parcels: list[opt.Parcel] = []
    state: dict[int, tuple[str, int | None]] = {}
    pre_unassigned: list[dict[str, object]] = []
    for parcel in [*carried, *_plannable_parcels(village.pk, day)]:
        state[parcel.pk] = parcel_state_key(parcel.status, parcel.carrier_shift_id)
        carrier = str(parcel.carrier_shift_id) if parcel.status == ParcelStatus.PICKED_UP else None
        if carrier is not None and carrier not in on_duty:
            pre_unassigned.append(
                {
                    "parcel_id": parcel.pk,
                    "reason": opt.UnassignedReason.CARRIER_TOO_LATE.value,
                    "detail": "its carrier's shift is over or withdrawn",
                }
            )
            continue
        point = parcel.pickup_point
        household = parcel.household
        assert household is not None  # filtered above
        parcels.append(
            opt.Parcel(
                id=str(parcel.pk),
                size_units=parcel.size_units,
                pickup=places.index(point.latitude, point.longitude),
                delivery=places.index(household.latitude, household.longitude),
                window=_window(parcel.window_start_at, parcel.window_end_at, midnight),
                pickup_window=_opening_hours(point, day, village.timezone, midnight),
                pickup_service_s=PICKUP_SERVICE_S,
                delivery_service_s=DELIVERY_SERVICE_S,
                picked_up_by=carrier,
            )
        )

    problem = opt.Problem(
        locations=tuple(places.locations), volunteers=tuple(volunteers), parcels=tuple(parcels)
    )
    return Snapshot(
        job_id=job.pk,
        village_id=village.pk,
        date=day,
        midnight_utc=midnight,
        problem=problem,
        previous=previous_plan(village.pk, day),
        policy=job.policy,
        parcel_state=state,
        shift_ids=shift_ids,
        pre_unassigned=pre_unassigned,
    )


def previous_plan(village_id: int, day: dt.date) -> opt.Plan | None:
    """The active routes of the date as an optimiser Plan, for a warm start.

    The warm start reads only which parcel stops each volunteer has, in order; times
    and locations are left at 0.
    """
    routes = (
        Route.objects.filter(village_id=village_id, date=day, status__in=ACTIVE_ROUTE_STATUSES)
        .prefetch_related("stops")
        .order_by("pk")
    )
    plan_routes = [
        opt.Route(
            volunteer_id=str(route.shift_id),
            stops=tuple(
                opt.Stop(
                    kind=opt.StopKind(stop.kind),
                    parcel_id=str(stop.parcel_id),
                    location=0,
                    arrival_s=0,
                    service_start_s=0,
                    departure_s=0,
                    load_units=0,
                )
                for stop in route.stops.all()
            ),
            start_s=0,
            end_s=0,
            travel_s=0,
        )
        for route in routes
    ]
    if not plan_routes:
        return None
    return opt.Plan(routes=tuple(plan_routes), unassigned=(), travel_s=0)


#: One provider for the process: its distances are cached per set of places
#: (``optimiser.matrix.DISTANCE_CACHE``), so a re-plan of the day reuses the plan's.
_PROVIDER = opt.GeodesicProvider()

#: Straight-line metres between the problem's places: a NumPy matrix from the provider
#: (a list when nobody is on duty). Typed loosely: web processes never import NumPy.
Distances = Any


def provider() -> opt.GeodesicProvider:
    return _PROVIDER


def travel_matrices(problem: opt.Problem) -> dict[opt.TravelMode, list[list[int]]]:
    """Travel times from OSRM, when configured, per mode the volunteers use.

    Modes OSRM cannot answer (and all of them without OSRM) are left to the optimiser,
    which computes geodesic matrices within its time limit.
    """
    osrm_url = settings.DORF_OSRM_URL
    matrices: dict[opt.TravelMode, list[list[int]]] = {}
    if not osrm_url:
        return matrices
    for mode in sorted({v.mode for v in problem.volunteers}):
        with contextlib.suppress(opt.TravelTimeUnavailable):
            matrices[mode] = opt.OsrmTableProvider(osrm_url).travel_times_s(problem.locations, mode)
    return matrices


def snapshot_solve(
    snap: Snapshot, *, time_limit_s: float | None = None
) -> tuple[opt.Plan, Distances]:
    """Build the matrices and run the optimiser (slow: never inside a transaction).

    The time limit (default: the configured one) covers everything from here: an OSRM
    request, the matrices, the first plans and the search. A day that needs more time
    than that before any search can start (``optimiser.minimum_time_limit_s``) gets that
    much, with a warning in the log.
    """
    started_s = time.monotonic()
    if not snap.problem.volunteers:
        # Nobody on duty. (The optimiser crashes OR-Tools with zero vehicles: reported.)
        unassigned = tuple(
            opt.Unassigned(p.id, opt.UnassignedReason.OUT_OF_REACH, "no volunteer is on duty")
            for p in snap.problem.parcels
        )
        return opt.Plan(routes=(), unassigned=unassigned, travel_s=0), []
    source = provider()
    problem = opt.Problem(
        locations=snap.problem.locations,
        volunteers=snap.problem.volunteers,
        parcels=snap.problem.parcels,
        travel_times_s=travel_matrices(snap.problem),
    )
    limit = float(settings.DORF_PLANNING_TIME_LIMIT_S if time_limit_s is None else time_limit_s)
    needed = opt.minimum_time_limit_s(problem)
    if limit < needed:
        logger.warning(
            "planning job %s: %d parcels need at least %.1f s, more than the limit of %.1f s",
            snap.job_id,
            len(problem.parcels),
            needed,
            limit,
        )
        limit = needed
    # Tests ask for the first solution only: reproducible, and fast on a busy machine.
    # Not on a warm start: there the first solution IS the previous plan, which would
    # never take in a late parcel or a declined volunteer's parcels.
    first_only = snap.previous is None and bool(settings.DORF_PLANNING_FIRST_SOLUTION_ONLY)
    plan = opt.solve(
        problem,
        opt.Settings(
            time_limit_s=limit, first_solution_only=first_only, policy=opt.Policy(snap.policy)
        ),
        provider=source,
        previous=snap.previous,
        started_s=started_s,
    )
    if plan.timing is not None:
        logger.info(
            "planning job %s: %.2f s of %.1f s (%s)",
            snap.job_id,
            plan.timing.elapsed_s,
            limit,
            ", ".join(f"{phase} {s:.2f}" for phase, s in plan.timing.phases_s.items()),
        )
    # Cached by the solve: the same places' distances, not computed again.
    distances: Distances = (
        source.distances_m(snap.problem.locations) if snap.problem.locations else []
    )
    return plan, distances


def route_distance_m(route: opt.Route, volunteer: opt.Volunteer, distances: Distances) -> int:
    """Straight-line metres along the route's stops x the mode's detour factor."""
    factor = _PROVIDER.detour_factors[volunteer.mode]
    here, metres = volunteer.start, 0.0
    for stop in route.stops:
        metres += float(distances[here][stop.location])
        here = stop.location
    metres += float(distances[here][volunteer.end])
    return round(metres * factor)
