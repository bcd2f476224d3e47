"""A parcel's life: registered, picked up, delivered (with the PIN), failed, rescheduled.

Status flips that can be raced by a double tap are guarded ``filter(status=old).update(...)``
with a row count.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.core import audit
from dorf.core.exceptions import Conflict, ValidationFailed
from dorf.deliveries.clock import local_today
from dorf.deliveries.locks import lock_own_stop, lock_parcel
from dorf.deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    PIN_MAX_ATTEMPTS,
    FailureReason,
    JobTrigger,
    Parcel,
    ParcelEvent,
    ParcelStatus,
    PickupPoint,
    Route,
    Stop,
    StopKind,
)
from dorf.deliveries.pins import new_pin_salt, pin_matches
from dorf.deliveries.services.parcel_events import parcel_status_record, parcels_announce
from dorf.deliveries.services.planning_jobs import planning_job_create
from dorf.deliveries.services.routes import route_complete_if_finished
from dorf.villages.models import Household, Membership
from dorf.villages.scoping import require_staff
from dorf.villages.services import ensure_inside_village


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
    today = local_today(village)
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
    audit.record(
        actor=actor.user,
        instance=parcel,
        before={},
        verb="parcel_register",
        village_id=village.pk,
    )
    if Route.objects.filter(
        village=village, date=delivery_date, status__in=ACTIVE_ROUTE_STATUSES
    ).exists():
        # The day is planned already: fit the late parcel in, starting from that plan.
        planning_job_create(
            village=village, date=delivery_date, trigger=JobTrigger.LATE_PARCEL, by=actor.user
        )
    return parcel


def _tolerance() -> dt.timedelta:
    return dt.timedelta(minutes=settings.DORF_HANDOVER_TOLERANCE_MIN)


def _local_hhmm(moment: dt.datetime, tz_name: str) -> str:
    return moment.astimezone(ZoneInfo(tz_name)).strftime("%H:%M")


@transaction.atomic
def parcel_pickup(*, membership: Membership, parcel_id: int) -> Parcel:
    """The volunteer of the accepted route takes the parcel at its pickup point.

    Only on the route's date within the shift's window (give or take the handover
    tolerance): a parcel picked up the day before is not a parcel delivered.
    """
    stop, parcel = lock_own_stop(membership=membership, parcel_id=parcel_id, kind=StopKind.PICKUP)
    shift = stop.route.shift
    now = timezone.now()
    if not shift.starts_at - _tolerance() <= now <= shift.ends_at + _tolerance():
        tz_name = parcel.village.timezone
        raise Conflict(
            _("Pick parcels up during your shift (%(date)s, %(start)s to %(end)s).")
            % {
                "date": shift.date.isoformat(),
                "start": _local_hhmm(shift.starts_at, tz_name),
                "end": _local_hhmm(shift.ends_at, tz_name),
            },
            code="outside_shift",
        )
    if parcel.status == ParcelStatus.PICKED_UP:
        raise Conflict(_("This parcel was picked up already."), code="already_picked_up")
    if parcel.status != ParcelStatus.PLANNED:
        raise Conflict(_("This parcel cannot be picked up now."), code="wrong_status")
    parcel_status_record([parcel], ParcelStatus.PICKED_UP, actor=membership.user)
    parcel.carrier_shift = stop.route.shift
    parcel.save(update_fields=["status", "carrier_shift", "updated_at"])
    delivery = Stop.objects.filter(route=stop.route, parcel=parcel, kind=StopKind.DELIVERY).first()
    parcels_announce([parcel], {parcel.pk: delivery.service_start_at if delivery else None})
    return parcel


def parcel_deliver(*, membership: Membership, parcel_id: int, pin: str) -> Parcel:
    """The volunteer hands the parcel over against the recipient's PIN.

    A wrong PIN is counted (committed) and then refused; after ``PIN_MAX_ATTEMPTS``
    wrong entries the parcel is locked until staff reset it.
    """
    with transaction.atomic():
        stop, parcel = lock_own_stop(
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
            parcel_status_record([parcel], ParcelStatus.DELIVERED, actor=membership.user)
            parcel.save(update_fields=["status", "updated_at"])
            parcels_announce([parcel], {})
            route_complete_if_finished(route_id=stop.route_id, village_id=parcel.village_id)
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
    *,
    membership: Membership,
    parcel_id: int,
    reason: str,
    note: str = "",
    return_point_id: int | None = None,
) -> Parcel:
    """The handover failed at the door: record why and bring the parcel back to a pickup point.

    ``reason`` comes from ``FailureReason``; the stop must have been reached: the parcel
    picked up, and not before the stop's planned arrival minus the handover tolerance.
    Staff may reschedule the returned parcel (a retry); each step is a ``ParcelEvent``.
    """
    if reason not in FailureReason.values:
        raise ValidationFailed(fields={"reason": [_("Choose one of the listed reasons.")]})
    stop, parcel = lock_own_stop(membership=membership, parcel_id=parcel_id, kind=StopKind.DELIVERY)
    if parcel.status != ParcelStatus.PICKED_UP or parcel.carrier_shift_id != stop.route.shift_id:
        raise Conflict(_("Pick the parcel up first."), code="not_picked_up")
    if timezone.now() < stop.arrival_at - _tolerance():
        raise Conflict(
            _("Report a failed handover at the door (from %(time)s on).")
            % {"time": _local_hhmm(stop.arrival_at - _tolerance(), parcel.village.timezone)},
            code="too_early",
        )
    point = parcel.pickup_point
    if return_point_id is not None:
        found = PickupPoint.objects.filter(
            pk=return_point_id, village_id=parcel.village_id, is_active=True
        ).first()
        if found is None:
            raise ValidationFailed(fields={"return_point": [_("Unknown pickup point.")]})
        point = found
    # The reason's code, not its label: the history reads the same in every language.
    detail = f"{reason}: {note.strip()}" if note.strip() else reason
    parcel_status_record([parcel], ParcelStatus.FAILED, actor=membership.user, note=detail)
    parcel_status_record([parcel], ParcelStatus.RETURNED, actor=membership.user, note=point.name)
    parcel.failure_reason = reason
    parcel.pickup_point = point
    parcel.save(update_fields=["status", "failure_reason", "pickup_point", "updated_at"])
    parcels_announce([parcel], {})
    route_complete_if_finished(route_id=stop.route_id, village_id=parcel.village_id)
    return parcel


@transaction.atomic
def parcel_pin_reset(*, actor: Membership, parcel_id: int) -> Parcel:
    """Staff unlock a parcel after too many wrong PINs (having checked who is at the door)."""
    require_staff(actor)
    parcel = lock_parcel(parcel_id, village_id=actor.village_id)
    before = audit.snapshot(parcel)
    parcel.pin_attempts = 0
    parcel.save(update_fields=["pin_attempts", "updated_at"])
    audit.record(
        actor=actor.user,
        instance=parcel,
        before=before,
        verb="parcel_pin_reset",
        village_id=parcel.village_id,
    )
    return parcel


@transaction.atomic
def parcel_reschedule(*, actor: Membership, parcel_id: int, delivery_date: dt.date) -> Parcel:
    """Staff put a returned parcel back into planning for a later date."""
    require_staff(actor)
    parcel = lock_parcel(parcel_id, village_id=actor.village_id)
    if parcel.status != ParcelStatus.RETURNED:
        raise Conflict(_("Only returned parcels can be rescheduled."), code="wrong_status")
    if delivery_date < local_today(parcel.village):
        raise ValidationFailed(fields={"delivery_date": [_("This date is in the past.")]})
    before = audit.snapshot(parcel)
    parcel_status_record([parcel], ParcelStatus.REGISTERED, actor=actor.user, note=_("rescheduled"))
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
    audit.record(
        actor=actor.user,
        instance=parcel,
        before=before,
        verb="parcel_reschedule",
        village_id=parcel.village_id,
    )
    return parcel
