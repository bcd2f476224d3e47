"""Write use-cases of deliveries: points, parcels, shifts, planning, routes, handover.

Every service that acts for a person takes the acting ``Membership`` and loads the rows
it changes through ``dorf.deliveries.locks``, filtered by that membership's village: a
service called with another village's id answers 404 whoever calls it. Views only
resolve the membership. ``planning_job_run`` and ``plan_store`` act for nobody (the
planning worker) and lock by the job's own village.

Lock order (everywhere): village row (only while storing a plan) → routes by pk →
parcels by pk → ledger accounts (inside ``transfer_create``). Status flips that can be
raced by a double tap are guarded ``filter(status=old).update(...)`` with a row count.

What staff and coordinators do (pickup points, registering a parcel, resetting its PIN,
rescheduling it, asking for a plan, recording a no-show) writes one audit entry each
(``dorf.core.audit``); a volunteer's and the planner's own steps do not.
"""

from dorf.deliveries.services.parcels import (
    parcel_deliver,
    parcel_fail,
    parcel_pickup,
    parcel_pin_reset,
    parcel_register,
    parcel_reschedule,
)
from dorf.deliveries.services.pickup_points import (
    pickup_point_create,
    pickup_point_set_active,
)
from dorf.deliveries.services.planning_jobs import (
    MAX_STALE_RETRIES,
    PLAN_TASK,
    plan_request,
    plan_store,
    planning_job_create,
    planning_job_run,
)
from dorf.deliveries.services.routes import (
    route_accept,
    route_complete_if_finished,
    route_decline,
    route_no_show,
)
from dorf.deliveries.services.shifts import delivery_shift_create, delivery_shift_withdraw

__all__ = [
    "MAX_STALE_RETRIES",
    "PLAN_TASK",
    "delivery_shift_create",
    "delivery_shift_withdraw",
    "parcel_deliver",
    "parcel_fail",
    "parcel_pickup",
    "parcel_pin_reset",
    "parcel_register",
    "parcel_reschedule",
    "pickup_point_create",
    "pickup_point_set_active",
    "plan_request",
    "plan_store",
    "planning_job_create",
    "planning_job_run",
    "route_accept",
    "route_complete_if_finished",
    "route_decline",
    "route_no_show",
]
