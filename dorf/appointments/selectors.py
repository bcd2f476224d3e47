"""Read use-cases of appointments, already scoped to what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.appointments.models import (
    SEAT_TAKING,
    Appointment,
    OpeningRule,
    Service,
    WaitlistEntry,
)
from dorf.appointments.services import bookable_until, closed_days_for, village_tz
from dorf.appointments.slots import local_midnight, slots_between
from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.villages.models import Membership
from dorf.villages.scoping import require_staff

MAX_AVAILABILITY_DAYS = 92


@dataclass(frozen=True, slots=True)
class FreeSlot:
    starts_at: datetime
    ends_at: datetime
    seats: int
    free: int


def service_list(*, membership: Membership) -> QuerySet[Service]:
    return Service.objects.filter(village_id=membership.village_id, active=True).order_by(
        "name", "pk"
    )


def service_get(*, membership: Membership, service_id: int) -> Service:
    service = (
        Service.objects.select_related("village")
        .filter(pk=service_id, village_id=membership.village_id, active=True)
        .first()
    )
    if service is None:
        raise NotFound()
    return service


def availability(
    *, membership: Membership, service_id: int, first_day: date, last_day: date
) -> list[FreeSlot]:
    """Slots of the service between two local dates (inclusive) that a resident may
    book now, with their free seats: the opening rules, minus holidays and closures,
    minus the notice period and anything past the bookable window, minus taken seats.
    Five queries, whatever the range."""
    service = service_get(membership=membership, service_id=service_id)
    if last_day < first_day:
        raise ValidationFailed(
            fields={"to": [_("The end is before the start.")]}, code="end_before_start"
        )
    if (last_day - first_day).days >= MAX_AVAILABILITY_DAYS:
        raise ValidationFailed(
            fields={
                "to": [_("Ask for at most %(n)d days at once.") % {"n": MAX_AVAILABILITY_DAYS}]
            },
            code="range_too_long",
        )
    tz = village_tz(service.village)
    now = timezone.now()
    window_start = max(
        local_midnight(first_day, tz), now + timedelta(minutes=service.min_notice_minutes)
    )
    window_end = min(
        local_midnight(last_day + timedelta(days=1), tz), bookable_until(service, now=now)
    )
    if window_end <= window_start:
        return []
    slots = slots_between(
        list(OpeningRule.objects.filter(service=service).order_by("pk")),
        tz=tz,
        window_start=window_start,
        window_end=window_end,
        closed=closed_days_for(service),
    )
    taken = dict(
        Appointment.objects.filter(
            service=service,
            slot_start__gte=window_start,
            slot_start__lt=window_end,
            status__in=SEAT_TAKING,
        )
        .values("slot_start")
        .annotate(n=Count("pk"))
        .values_list("slot_start", "n")
    )
    result = []
    for slot in slots:
        free = slot.seats - taken.get(slot.starts_at, 0)
        if free > 0:
            result.append(FreeSlot(slot.starts_at, slot.ends_at, slot.seats, free))
    return result


def my_appointments(*, membership: Membership) -> QuerySet[Appointment]:
    return Appointment.objects.filter(membership=membership).select_related("service")


def my_waitlist(*, membership: Membership) -> QuerySet[WaitlistEntry]:
    return WaitlistEntry.objects.filter(membership=membership).select_related("service")


def day_list(*, staff: Membership, day: date) -> QuerySet[Appointment]:
    """The staff's list of one local day: every confirmed, done or no-show appointment."""
    require_staff(staff)
    tz = village_tz(staff.village)
    return (
        Appointment.objects.filter(
            village_id=staff.village_id,
            slot_start__gte=local_midnight(day, tz),
            slot_start__lt=local_midnight(day + timedelta(days=1), tz),
            status__in=[s for s in SEAT_TAKING if s != "held"],
        )
        .select_related("service", "membership__user")
        .order_by("slot_start", "service_id", "seat")
    )


def my_appointment(*, membership: Membership, appointment_id: int) -> Appointment:
    appointment = (
        Appointment.objects.select_related("service", "village", "membership__user")
        .filter(pk=appointment_id, membership=membership)
        .first()
    )
    if appointment is None:
        raise NotFound()
    return appointment
