"""An independent check of a plan against its problem, for tests, benchmarks and callers.

It re-computes every schedule from the travel-time matrices instead of trusting the
solver's numbers, so it also catches a plan that was edited by hand.
"""

from __future__ import annotations

from collections.abc import Mapping

from .problem import Matrix, Problem, TravelMode
from .solution import Plan, StopKind


def plan_violations(
    problem: Problem, plan: Plan, matrices: Mapping[TravelMode, Matrix]
) -> list[str]:
    """Everything wrong with ``plan``; an empty list means it keeps every rule.

    The rules: each parcel is either on exactly one route (pickup, if it has one to
    do, before delivery, both on that route) or unassigned, never both; loads stay
    within ``0..capacity_units``; service starts within every window; routes stay
    within the volunteer's shift and maximum duration; a parcel already picked up
    stays with its carrier; the stated arrival times can really be met.
    """
    errors: list[str] = []
    parcels = {parcel.id: parcel for parcel in problem.parcels}
    volunteers = {volunteer.id: volunteer for volunteer in problem.volunteers}
    where: dict[str, str] = {}
    for item in plan.unassigned:
        where[item.parcel_id] = "unassigned"
    for route in plan.routes:
        volunteer = volunteers.get(route.volunteer_id)
        if volunteer is None:
            errors.append(f"route for unknown volunteer {route.volunteer_id!r}")
            continue
        matrix = matrices[volunteer.mode]
        picked: set[str] = set()
        delivered: set[str] = set()
        on_board = [
            p
            for p in parcels.values()
            if any(s.parcel_id == p.id for s in route.stops)
            and (p.picked_up_by is not None or p.pickup is None)
        ]
        load = sum(p.size_units for p in on_board)
        here, time_s = volunteer.start, route.start_s
        if route.start_s < volunteer.shift.start_s:
            errors.append(f"{volunteer.id}: leaves at {route.start_s} before the shift")
        for stop in route.stops:
            parcel = parcels.get(stop.parcel_id)
            if parcel is None:
                errors.append(f"{volunteer.id}: stop for unknown parcel {stop.parcel_id!r}")
                continue
            if stop.kind is StopKind.PICKUP:
                if parcel.pickup is None or parcel.picked_up_by is not None:
                    errors.append(f"{volunteer.id}: pickup of {parcel.id}, which has none to do")
                    continue
                if stop.parcel_id in picked:
                    errors.append(f"{volunteer.id}: {parcel.id} picked up twice")
                picked.add(stop.parcel_id)
                location, service_s, window = (
                    parcel.pickup,
                    parcel.pickup_service_s,
                    parcel.pickup_window,
                )
                load += parcel.size_units
            else:
                needs_pickup = parcel.pickup is not None and parcel.picked_up_by is None
                if needs_pickup and stop.parcel_id not in picked:
                    errors.append(f"{volunteer.id}: {parcel.id} delivered before its pickup")
                if stop.parcel_id in delivered or stop.parcel_id in where:
                    errors.append(f"{parcel.id} delivered twice or also unassigned")
                delivered.add(stop.parcel_id)
                where[stop.parcel_id] = volunteer.id
                location, service_s, window = (
                    parcel.delivery,
                    parcel.delivery_service_s,
                    parcel.window,
                )
                load -= parcel.size_units
                if parcel.picked_up_by is not None and parcel.picked_up_by != volunteer.id:
                    errors.append(
                        f"{parcel.id} is carried by {parcel.picked_up_by}, not {volunteer.id}"
                    )
            if stop.location != location:
                errors.append(f"{volunteer.id}: stop of {parcel.id} at the wrong place")
            time_s += matrix[here][location]
            if stop.arrival_s < time_s:
                errors.append(f"{volunteer.id}: cannot reach {parcel.id} by {stop.arrival_s}")
            time_s = max(time_s, stop.service_start_s)
            if window is not None and not window.contains(time_s):
                errors.append(
                    f"{volunteer.id}: {stop.kind} of {parcel.id} at {time_s} outside {window}"
                )
            if not 0 <= load <= volunteer.capacity_units:
                errors.append(f"{volunteer.id}: load {load} after {parcel.id} outside capacity")
            time_s += service_s
            here = location
        for parcel_id in picked - delivered:
            errors.append(f"{volunteer.id}: {parcel_id} picked up but not delivered")
        time_s += matrix[here][volunteer.end]
        if time_s > volunteer.shift.end_s or route.end_s > volunteer.shift.end_s:
            errors.append(f"{volunteer.id}: back at {time_s} after the shift ends")
        duration_s = max(time_s, route.end_s) - route.start_s
        if volunteer.max_duration_s is not None and duration_s > volunteer.max_duration_s:
            errors.append(f"{volunteer.id}: route lasts {duration_s} s, over the maximum")
        doors = len(route.parcel_ids)
        if volunteer.max_stops is not None and doors > volunteer.max_stops:
            errors.append(f"{volunteer.id}: {doors} deliveries, over the maximum")
    for parcel_id in parcels:
        if parcel_id not in where:
            errors.append(f"{parcel_id} neither routed nor unassigned")
    return errors
