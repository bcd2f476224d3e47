"""Write use-cases of town-hall appointments.

A resident holds a seat (10 minutes), then confirms it. A seat freed by a cancellation
or a lapsed hold is offered first to the service's waitlist (a 15-minute hold in the
waiting resident's name), then to everyone. Exactly one active appointment per seat is
enforced by the unique constraint ``appointment_one_per_seat``; the household limit is
kept under the household's row lock (``locks.lock_booker``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.appointments import locks, messages
from dorf.appointments.models import (
    OPEN_STATES,
    SEAT_TAKING,
    Appointment,
    AppointmentStatus,
    Closure,
    OpeningRule,
    Service,
    TownHall,
    WaitlistEntry,
    WaitlistState,
    hash_token,
    new_cancel_token,
)
from dorf.appointments.slots import ClosedDays, Slot, local_midnight, slots_between
from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.villages.models import Membership, Village
from dorf.villages.scoping import require_staff

HOLD_TTL = timedelta(minutes=10)
WAITLIST_CLAIM_TTL = timedelta(minutes=15)
MAX_OPEN_PER_HOUSEHOLD = 2
REMINDERS = (("24h", timedelta(hours=24)), ("2h", timedelta(hours=2)))


def village_tz(village: Village) -> ZoneInfo:
    return ZoneInfo(village.timezone)


def closed_days_for(service: Service) -> ClosedDays:
    town_hall = TownHall.objects.filter(village_id=service.village_id).first()
    closures = Closure.objects.filter(village_id=service.village_id).filter(
        Q(service__isnull=True) | Q(service=service)
    )
    return ClosedDays(bundesland=town_hall.bundesland if town_hall else "", closures=closures)


def _rules(service: Service) -> list[OpeningRule]:
    return list(OpeningRule.objects.filter(service=service).order_by("pk"))


def bookable_until(service: Service, *, now: datetime) -> datetime:
    """The end of the bookable window: midnight after the last bookable local day."""
    tz = village_tz(service.village)
    last_day = now.astimezone(tz).date() + timedelta(days=service.bookable_days)
    return local_midnight(last_day + timedelta(days=1), tz)


def slot_at(service: Service, *, starts_at: datetime, now: datetime) -> Slot:
    """The slot of ``service`` starting exactly at ``starts_at``, or a 400 saying why not."""
    field = "starts_at"
    if starts_at < now + timedelta(minutes=service.min_notice_minutes):
        raise ValidationFailed(
            fields={field: [_("This time is too soon or already past.")]}, code="too_soon"
        )
    if starts_at >= bookable_until(service, now=now):
        raise ValidationFailed(
            fields={field: [_("This time is beyond the bookable window.")]},
            code="beyond_window",
        )
    tz = village_tz(service.village)
    day = starts_at.astimezone(tz).date()
    closed = closed_days_for(service)
    if closed.closed(day):
        raise ValidationFailed(
            fields={field: [_("The town hall is closed on this day.")]}, code="closed"
        )
    for slot in slots_between(
        _rules(service),
        tz=tz,
        window_start=starts_at,
        window_end=starts_at + timedelta(seconds=1),
        closed=closed,
    ):
        if slot.starts_at == starts_at:
            return slot
    raise ValidationFailed(
        fields={field: [_("This time is outside the opening hours.")]}, code="outside_hours"
    )


def _require_service(membership: Membership, service_id: int) -> Service:
    service = (
        Service.objects.select_related("village")
        .filter(pk=service_id, village_id=membership.village_id, active=True)
        .first()
    )
    if service is None:
        raise NotFound()
    return service


def _require_verified(membership: Membership) -> None:
    if not membership.is_verified:
        raise Forbidden(_("Only verified residents can book appointments."), code="not_verified")


def _open_count(membership: Membership, *, now: datetime) -> int:
    if membership.household_id is not None:
        mine = Q(household_id=membership.household_id)
    else:
        mine = Q(membership=membership)
    return (
        Appointment.objects.filter(mine, status__in=OPEN_STATES, slot_end__gt=now)
        .exclude(status=AppointmentStatus.HELD, hold_expires_at__lte=now)
        .count()
    )


def _check_household_limit(membership: Membership, *, now: datetime) -> None:
    if _open_count(membership, now=now) >= MAX_OPEN_PER_HOUSEHOLD:
        raise Conflict(
            _("Your household already has %(n)d open appointments.")
            % {"n": MAX_OPEN_PER_HOUSEHOLD},
            code="household_limit",
        )


def _insert_hold(
    *,
    service: Service,
    membership: Membership,
    slot: Slot,
    expires_at: datetime,
    from_waitlist: bool,
) -> Appointment | None:
    """Insert a hold on the lowest free seat; None when every seat is taken.

    The free seats are read without a lock: a concurrent hold on the same seat makes
    this insert fail on the unique constraint (after the other commits), and the next
    seat is tried. The database, not this read, decides who gets a seat.
    """
    taken = set(
        Appointment.objects.filter(
            service=service, slot_start=slot.starts_at, status__in=SEAT_TAKING
        ).values_list("seat", flat=True)
    )
    for seat in range(1, slot.seats + 1):
        if seat in taken:
            continue
        try:
            with transaction.atomic():
                return Appointment.objects.create(
                    village_id=service.village_id,
                    service=service,
                    membership=membership,
                    household_id=membership.household_id,
                    slot_start=slot.starts_at,
                    slot_end=slot.ends_at,
                    seat=seat,
                    status=AppointmentStatus.HELD,
                    hold_expires_at=expires_at,
                    from_waitlist=from_waitlist,
                )
        except IntegrityError:
            continue
    return None


@transaction.atomic
def appointment_hold(
    *, membership: Membership, service_id: int, starts_at: datetime
) -> Appointment:
    """Keep a seat of the slot at ``starts_at`` for ten minutes (409 when it is full)."""
    _require_verified(membership)
    service = _require_service(membership, service_id)
    now = timezone.now()
    slot = slot_at(service, starts_at=starts_at, now=now)
    locks.lock_booker(membership)
    _check_household_limit(membership, now=now)
    appointment = _insert_hold(
        service=service,
        membership=membership,
        slot=slot,
        expires_at=now + HOLD_TTL,
        from_waitlist=False,
    )
    if appointment is None:
        raise Conflict(_("This slot has just been booked out."), code="slot_full")
    return appointment


@dataclass(frozen=True)
class Confirmation:
    appointment: Appointment
    cancel_token: str


def _own_appointment(membership: Membership, appointment_id: int) -> Appointment:
    appointment = (
        Appointment.objects.select_related("service", "village", "membership__user")
        .filter(pk=appointment_id, membership=membership)
        .first()
    )
    if appointment is None:
        raise NotFound()
    return appointment


@transaction.atomic
def appointment_confirm(*, membership: Membership, appointment_id: int) -> Confirmation:
    """Turn one's own live hold into a booking; returns the cancel token (shown once)."""
    _require_verified(membership)
    appointment = _own_appointment(membership, appointment_id)
    now = timezone.now()
    token = new_cancel_token()
    changed = Appointment.objects.filter(
        pk=appointment.pk, status=AppointmentStatus.HELD, hold_expires_at__gt=now
    ).update(
        status=AppointmentStatus.CONFIRMED,
        confirmed_at=now,
        hold_expires_at=None,
        cancel_token_hash=hash_token(token),
        updated_at=now,
    )
    if changed != 1:
        raise Conflict(_("This hold has expired or was already used."), code="hold_not_active")
    appointment.refresh_from_db()
    if appointment.from_waitlist:
        WaitlistEntry.objects.filter(
            offered_appointment=appointment, state=WaitlistState.OFFERED
        ).update(state=WaitlistState.CLAIMED, updated_at=now)
    messages.confirmed(appointment)
    return Confirmation(appointment, token)


def _cancel(appointment: Appointment, *, now: datetime) -> Appointment:
    changed = Appointment.objects.filter(pk=appointment.pk, status__in=OPEN_STATES).update(
        status=AppointmentStatus.CANCELLED,
        cancelled_at=now,
        hold_expires_at=None,
        sequence=appointment.sequence + 1,
        updated_at=now,
    )
    if changed != 1:
        raise Conflict(_("This appointment is no longer open."), code="not_open")
    was_confirmed = appointment.status == AppointmentStatus.CONFIRMED
    appointment.refresh_from_db()
    WaitlistEntry.objects.filter(
        offered_appointment=appointment, state=WaitlistState.OFFERED
    ).update(state=WaitlistState.WITHDRAWN, updated_at=now)
    if was_confirmed:
        messages.cancelled(appointment)
    _offer_freed_seat(appointment, now=now)
    return appointment


@transaction.atomic
def appointment_cancel(*, membership: Membership, appointment_id: int) -> Appointment:
    """The resident cancels their own hold or booking; the seat goes to the waitlist."""
    appointment = _own_appointment(membership, appointment_id)
    if appointment.slot_start <= timezone.now():
        raise Conflict(_("This appointment has already begun."), code="already_begun")
    return _cancel(appointment, now=timezone.now())


@transaction.atomic
def appointment_cancel_by_token(*, token: str) -> Appointment:
    """Cancel through the link in the confirmation; an unknown token is a plain 404.

    Known and unknown tokens cost the same: one hash and one indexed lookup, and the
    lookup is by hash, so the comparison time says nothing about the stored tokens.
    """
    digest = hash_token(token)
    appointment = (
        Appointment.objects.select_related("service", "village", "membership__user")
        .filter(cancel_token_hash=digest, status=AppointmentStatus.CONFIRMED)
        .first()
    )
    if appointment is None or appointment.slot_start <= timezone.now():
        raise NotFound()
    return _cancel(appointment, now=timezone.now())


def _offer_freed_seat(freed: Appointment, *, now: datetime) -> Appointment | None:
    """Offer the freed seat's slot to the first waiting resident who may take it.

    The offer is a hold in their name for 15 minutes; if it lapses, the expiry task
    frees the seat again and the next waiting resident gets it, then everyone.
    """
    service = freed.service
    if freed.slot_start < now + timedelta(minutes=service.min_notice_minutes):
        return None
    day = freed.slot_start.astimezone(village_tz(freed.village)).date()
    candidates = (
        WaitlistEntry.objects.select_related("membership")
        .filter(service=service, state=WaitlistState.WAITING)
        .filter(Q(earliest_day__isnull=True) | Q(earliest_day__lte=day))
        .filter(Q(latest_day__isnull=True) | Q(latest_day__gte=day))
        .exclude(membership_id=freed.membership_id)
        .order_by("created_at", "pk")
    )
    slot = Slot(freed.slot_start, freed.slot_end, seats=freed.seat)
    for entry in candidates[:20]:
        member = entry.membership
        if not member.is_verified:
            continue
        locks.lock_booker(member)
        if _open_count(member, now=now) >= MAX_OPEN_PER_HOUSEHOLD:
            continue
        # Only the freed seat itself: the offer must not take a seat nobody freed.
        hold = _insert_seat(service=service, member=member, slot=slot, seat=freed.seat, now=now)
        if hold is None:
            return None
        WaitlistEntry.objects.filter(pk=entry.pk, state=WaitlistState.WAITING).update(
            state=WaitlistState.OFFERED, offered_appointment=hold, updated_at=now
        )
        messages.waitlist_offer(hold)
        return hold
    return None


def _insert_seat(
    *, service: Service, member: Membership, slot: Slot, seat: int, now: datetime
) -> Appointment | None:
    try:
        with transaction.atomic():
            return Appointment.objects.create(
                village_id=service.village_id,
                service=service,
                membership=member,
                household_id=member.household_id,
                slot_start=slot.starts_at,
                slot_end=slot.ends_at,
                seat=seat,
                status=AppointmentStatus.HELD,
                hold_expires_at=now + WAITLIST_CLAIM_TTL,
                from_waitlist=True,
            )
    except IntegrityError:
        return None


def holds_expire(*, now: datetime | None = None) -> int:
    """Expire lapsed holds (periodic); each freed seat is offered to the waitlist."""
    now = now or timezone.now()
    expired = 0
    due = list(
        Appointment.objects.filter(
            status=AppointmentStatus.HELD, hold_expires_at__lte=now
        ).values_list("pk", flat=True)[:500]
    )
    for appointment_id in due:
        with transaction.atomic():
            changed = Appointment.objects.filter(
                pk=appointment_id, status=AppointmentStatus.HELD, hold_expires_at__lte=now
            ).update(status=AppointmentStatus.EXPIRED, updated_at=now)
            if changed != 1:
                continue
            expired += 1
            appointment = Appointment.objects.select_related("service", "village").get(
                pk=appointment_id
            )
            WaitlistEntry.objects.filter(
                offered_appointment=appointment, state=WaitlistState.OFFERED
            ).update(state=WaitlistState.LAPSED, updated_at=now)
            _offer_freed_seat(appointment, now=now)
    return expired


@transaction.atomic
def waitlist_join(
    *,
    membership: Membership,
    service_id: int,
    earliest_day: date | None = None,
    latest_day: date | None = None,
) -> WaitlistEntry:
    """Wait for the next freed seat of a service (one open entry per service)."""
    _require_verified(membership)
    service = _require_service(membership, service_id)
    if earliest_day and latest_day and latest_day < earliest_day:
        raise ValidationFailed(
            fields={"latest_day": [_("The last day is before the first day.")]},
            code="end_before_start",
        )
    entry, created = WaitlistEntry.objects.get_or_create(
        service=service,
        membership=membership,
        state=WaitlistState.WAITING,
        defaults={"earliest_day": earliest_day, "latest_day": latest_day},
    )
    if not created:
        raise Conflict(_("You are already on this waitlist."), code="already_waiting")
    return entry


@transaction.atomic
def waitlist_leave(*, membership: Membership, entry_id: int) -> None:
    changed = WaitlistEntry.objects.filter(
        pk=entry_id, membership=membership, state=WaitlistState.WAITING
    ).update(state=WaitlistState.WITHDRAWN, updated_at=timezone.now())
    if changed != 1:
        raise NotFound()


@transaction.atomic
def appointment_mark(*, staff: Membership, appointment_id: int, outcome: str) -> Appointment:
    """Staff record whether a confirmed appointment happened (done) or not (no-show)."""
    require_staff(staff)
    if outcome not in (AppointmentStatus.DONE, AppointmentStatus.NO_SHOW):
        raise ValidationFailed(fields={"outcome": [_("Use done or no_show.")]})
    appointment = Appointment.objects.filter(pk=appointment_id, village_id=staff.village_id).first()
    if appointment is None:
        raise NotFound()
    if appointment.slot_start > timezone.now():
        raise Conflict(_("This appointment has not begun yet."), code="not_begun")
    before = audit.snapshot(appointment)
    changed = Appointment.objects.filter(
        pk=appointment.pk,
        status__in=(AppointmentStatus.CONFIRMED, AppointmentStatus.DONE, AppointmentStatus.NO_SHOW),
    ).update(status=outcome, updated_at=timezone.now())
    if changed != 1:
        raise Conflict(_("Only confirmed appointments can be marked."), code="not_confirmed")
    appointment.refresh_from_db()
    audit.record(
        actor=staff.user,
        instance=appointment,
        before=before,
        verb=f"appointment_mark_{AppointmentStatus(outcome).value}",
        village_id=staff.village_id,
        subject_user_id=appointment.membership.user_id,
    )
    return appointment


def reminders_send(*, now: datetime | None = None) -> int:
    """Send the 24 h and 2 h reminders that are due (periodic; each exactly once).

    The guarded update claims a reminder before it is sent, so two overlapping runs of
    the task never send it twice. A booking made less than 2 h ahead gets neither; one
    made less than 24 h ahead gets only the 2 h reminder.
    """
    now = now or timezone.now()
    sent = 0
    for label, before in REMINDERS:
        field = f"reminded_{label}_at"
        due = Appointment.objects.filter(
            status=AppointmentStatus.CONFIRMED,
            slot_start__gt=now,
            slot_start__lte=now + before,
            **{f"{field}__isnull": True},
        ).values_list("pk", "slot_start", "confirmed_at")
        for appointment_id, slot_start, confirmed_at in list(due[:1000]):
            # Booked inside the reminder's horizon: the confirmation was the reminder.
            skip = confirmed_at is not None and confirmed_at > slot_start - before
            with transaction.atomic():
                claimed = Appointment.objects.filter(
                    pk=appointment_id, **{f"{field}__isnull": True}
                ).update(**{field: now})
                if claimed != 1 or skip:
                    continue
                if label == "24h" and slot_start <= now + REMINDERS[1][1]:
                    continue  # the 2 h reminder is due as well: one message, not two
                appointment = Appointment.objects.select_related(
                    "service", "village", "membership__user"
                ).get(pk=appointment_id)
                messages.reminder(appointment, label=label)
                sent += 1
    return sent
