"""Write use-cases of rooms, desks and equipment.

Order inside a booking: validate the request against the resource's rules (pure,
nothing written), check the booker can pay, insert (the exclusion constraint decides
overlaps on PostgreSQL), pay through the ledger when no approval is needed, and notify
after commit. Any 4xx rolls the whole transaction back: nothing is half-written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.bookings import locks, messages, payments
from dorf.bookings.models import (
    LIVE_STATES,
    Booking,
    BookingSeries,
    BookingStatus,
    OnConflict,
    Resource,
)
from dorf.calendar.recurrence import Series, occurrences, validate_rule
from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.villages.models import Membership

CHECK_IN_WINDOW = timedelta(minutes=15)
MAX_SERIES_OCCURRENCES = 104


def resource_get(*, membership: Membership, resource_id: int) -> Resource:
    resource = (
        Resource.objects.select_related("village", "owner_account")
        .filter(pk=resource_id, village_id=membership.village_id, active=True)
        .first()
    )
    if resource is None:
        raise NotFound()
    return resource


def _require_verified(membership: Membership) -> None:
    if not membership.is_verified:
        raise Forbidden(_("Only verified residents can book."), code="not_verified")


def _fail(field_name: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(fields={field_name: [message]}, code=code)


def validate_times(
    resource: Resource, *, starts_at: datetime, ends_at: datetime, now: datetime
) -> None:
    """Raise a 400 naming the first rule of the resource the range breaks."""
    if ends_at <= starts_at:
        raise _fail("ends_at", _("The end must be after the start."), "end_before_start")
    minutes = (ends_at - starts_at).total_seconds() / 60
    if minutes < resource.min_minutes:
        raise _fail(
            "ends_at",
            _("A booking lasts at least %(n)d minutes.") % {"n": resource.min_minutes},
            "too_short",
        )
    if minutes > resource.max_minutes:
        raise _fail(
            "ends_at",
            _("A booking lasts at most %(n)d minutes.") % {"n": resource.max_minutes},
            "too_long",
        )
    if starts_at < now + timedelta(minutes=resource.notice_minutes):
        raise _fail(
            "starts_at",
            _("Book at least %(n)d minutes ahead.") % {"n": resource.notice_minutes},
            "too_soon",
        )
    if starts_at > now + timedelta(days=resource.max_advance_days):
        raise _fail(
            "starts_at",
            _("Book at most %(n)d days ahead.") % {"n": resource.max_advance_days},
            "beyond_window",
        )
    if not _inside_availability(resource, starts_at=starts_at, ends_at=ends_at):
        raise _fail(
            "starts_at", _("The resource is not available at this time."), "outside_availability"
        )
    blackout = resource.blackouts.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    if blackout is not None:
        raise _fail(
            "starts_at",
            _("The resource is blocked at this time: %(reason)s") % {"reason": blackout.reason},
            "blackout",
        )


def _inside_availability(resource: Resource, *, starts_at: datetime, ends_at: datetime) -> bool:
    """True when no rule exists, or one occurrence of a rule covers the whole range."""
    rules = list(resource.availability_rules.all())
    if not rules:
        return True
    tz = ZoneInfo(resource.village.timezone)
    for rule in rules:
        longest = rule.ends_at - rule.starts_at + timedelta(hours=2)
        series = Series(starts_at=rule.starts_at, ends_at=rule.ends_at, tz=tz, rule=rule.rrule)
        for occurrence in occurrences(
            series, window_start=starts_at - longest, window_end=starts_at + timedelta(seconds=1)
        ):
            if occurrence.starts_at <= starts_at and ends_at <= occurrence.ends_at:
                return True
    return False


def price_of(resource: Resource, *, starts_at: datetime, ends_at: datetime) -> int:
    """Time credits for the range: the hourly price per started hour."""
    if not resource.price_minutes_per_hour:
        return 0
    hours = math.ceil((ends_at - starts_at).total_seconds() / 3600)
    return hours * resource.price_minutes_per_hour


def _insert(
    *,
    resource: Resource,
    membership: Membership,
    starts_at: datetime,
    ends_at: datetime,
    title: str,
    series: BookingSeries | None,
    price: int,
) -> Booking | None:
    """Insert a live booking; None when it overlaps another one (buffer included)."""
    blocked_until = ends_at + timedelta(minutes=resource.buffer_minutes)
    values = {
        "village_id": resource.village_id,
        "resource": resource,
        "membership": membership,
        "series": series,
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "blocked_until": blocked_until,
        "status": (
            BookingStatus.REQUESTED if resource.approval_required else BookingStatus.APPROVED
        ),
        "price_minutes": price,
    }
    if locks.database_enforces_no_overlap():
        try:
            with transaction.atomic():
                return Booking.objects.create(**values)
        except IntegrityError as exc:
            if "booking_no_overlap" in str(exc):
                return None
            raise
    locks.lock_for_overlap_check(resource.pk)
    if overlapping(resource, starts_at=starts_at, blocked_until=blocked_until).exists():
        return None
    return Booking.objects.create(**values)


def overlapping(
    resource: Resource, *, starts_at: datetime, blocked_until: datetime
) -> QuerySet[Booking]:
    """Live bookings of the resource whose blocked range meets [starts_at, blocked_until)."""
    return Booking.objects.filter(
        resource=resource,
        status__in=LIVE_STATES,
        starts_at__lt=blocked_until,
        blocked_until__gt=starts_at,
    )


def _overlap_conflict(resource: Resource, *, starts_at: datetime, ends_at: datetime) -> Conflict:
    return Conflict(
        _("The resource is already booked at this time (including the buffer of %(n)d minutes).")
        % {"n": resource.buffer_minutes},
        code="overlap",
    )


def _memo(resource: Resource, starts_at: datetime) -> str:
    local = starts_at.astimezone(ZoneInfo(resource.village.timezone))
    return f"{resource.name} {local:%d.%m.%Y %H:%M}"


def _pay(booking: Booking, membership: Membership) -> None:
    resource = booking.resource
    if booking.price_minutes == 0 or resource.owner_account is None:
        return
    booking.payment_transfer_id = payments.pay(
        booking_id=booking.pk,
        membership=membership,
        payee=resource.owner_account,
        minutes=booking.price_minutes,
        memo=_memo(resource, booking.starts_at),
    )
    booking.save(update_fields=["payment_transfer_id", "updated_at"])


@transaction.atomic
def booking_create(
    *,
    membership: Membership,
    resource_id: int,
    starts_at: datetime,
    ends_at: datetime,
    title: str = "",
) -> Booking:
    """Book a resource over a range: approved at once, or requested when it needs approval.

    Raises 400 (rules, credits), 404 (another village's resource), 409 (overlap)."""
    _require_verified(membership)
    resource = resource_get(membership=membership, resource_id=resource_id)
    now = timezone.now()
    validate_times(resource, starts_at=starts_at, ends_at=ends_at, now=now)
    price = price_of(resource, starts_at=starts_at, ends_at=ends_at)
    payments.check_affordable(membership=membership, minutes=price)
    booking = _insert(
        resource=resource,
        membership=membership,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        series=None,
        price=price,
    )
    if booking is None:
        raise _overlap_conflict(resource, starts_at=starts_at, ends_at=ends_at)
    if booking.status == BookingStatus.APPROVED:
        _pay(booking, membership)
    else:
        messages.requested(booking)
    return booking


@dataclass
class Skipped:
    starts_at: datetime
    ends_at: datetime
    code: str
    reason: str


@dataclass
class SeriesResult:
    series: BookingSeries
    created: list[Booking] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@transaction.atomic
def series_create(
    *,
    membership: Membership,
    resource_id: int,
    starts_at: datetime,
    ends_at: datetime,
    rrule: str,
    on_conflict: str,
    title: str = "",
) -> SeriesResult:
    """Book every occurrence of an RRULE (in the village's zone) up to the resource's
    advance window. ``on_conflict=skip`` books what it can and lists the rest with the
    reason; ``fail`` books nothing when one date does not fit (409 listing them)."""
    _require_verified(membership)
    resource = resource_get(membership=membership, resource_id=resource_id)
    if on_conflict not in OnConflict.values:
        raise _fail("on_conflict", _("Use fail or skip."), "invalid")
    if ends_at <= starts_at:
        raise _fail("ends_at", _("The end must be after the start."), "end_before_start")
    tz = ZoneInfo(resource.village.timezone)
    rule = validate_rule(rrule, starts_at=starts_at, tz=tz)
    if not rule:
        raise _fail("rrule", _("A series needs a recurrence rule."), "invalid_rrule")
    now = timezone.now()
    series = BookingSeries.objects.create(
        resource=resource,
        membership=membership,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        rrule=rule,
        on_conflict=on_conflict,
    )
    result = SeriesResult(series)
    horizon = now + timedelta(days=resource.max_advance_days)
    spec = Series(starts_at=starts_at, ends_at=ends_at, tz=tz, rule=rule)
    found = 0
    for occurrence in occurrences(spec, window_start=starts_at, window_end=horizon):
        found += 1
        if found > MAX_SERIES_OCCURRENCES:
            break
        start, end = occurrence.starts_at, occurrence.ends_at
        try:
            validate_times(resource, starts_at=start, ends_at=end, now=now)
            price = price_of(resource, starts_at=start, ends_at=end)
            payments.check_affordable(membership=membership, minutes=price)
        except ValidationFailed as exc:
            result.skipped.append(Skipped(start, end, exc.code, _first_message(exc)))
            continue
        booking = _insert(
            resource=resource,
            membership=membership,
            starts_at=start,
            ends_at=end,
            title=title,
            series=series,
            price=price,
        )
        if booking is None:
            conflict = _overlap_conflict(resource, starts_at=start, ends_at=end)
            result.skipped.append(Skipped(start, end, conflict.code, str(conflict.message)))
            continue
        if booking.status == BookingStatus.APPROVED:
            try:
                with transaction.atomic():
                    _pay(booking, membership)
            except ValidationFailed as exc:
                Booking.objects.filter(pk=booking.pk).delete()
                result.skipped.append(Skipped(start, end, exc.code, _first_message(exc)))
                continue
        result.created.append(booking)
    if on_conflict == OnConflict.FAIL and result.skipped:
        raise Conflict(
            _("%(n)d dates of the series do not fit; nothing was booked.")
            % {"n": len(result.skipped)},
            code="series_conflict",
            fields={"skipped": [f"{s.starts_at.isoformat()}: {s.reason}" for s in result.skipped]},
        )
    if not result.created and not result.skipped:
        raise _fail("rrule", _("The rule gives no date within the booking window."), "no_dates")
    if resource.approval_required and result.created:
        messages.requested(result.created[0], count=len(result.created))
    return result


def _first_message(exc: ValidationFailed) -> str:
    if exc.fields:
        for messages_ in exc.fields.values():
            if messages_:
                return str(messages_[0])
    return str(exc.message)


def _can_manage(membership: Membership, resource: Resource) -> bool:
    if membership.is_staff:
        return True
    return resource.managers.filter(pk=membership.pk).exists()


def _managed_booking(manager: Membership, booking_id: int) -> Booking:
    booking = (
        Booking.objects.select_related("resource__village", "resource__owner_account", "membership")
        .filter(pk=booking_id, village_id=manager.village_id)
        .first()
    )
    if booking is None:
        raise NotFound()
    if not _can_manage(manager, booking.resource):
        raise Forbidden(_("Only the resource's managers can decide."), code="not_manager")
    return booking


@transaction.atomic
def booking_decide(
    *, manager: Membership, booking_id: int, approve: bool, note: str = ""
) -> Booking:
    """A manager approves (the price is paid now) or rejects a requested booking; the
    requester is told either way."""
    booking = _managed_booking(manager, booking_id)
    before = audit.snapshot(booking)
    now = timezone.now()
    new_status = BookingStatus.APPROVED if approve else BookingStatus.REJECTED
    changed = Booking.objects.filter(pk=booking.pk, status=BookingStatus.REQUESTED).update(
        status=new_status, decided_by=manager, decided_at=now, decision_note=note, updated_at=now
    )
    if changed != 1:
        raise Conflict(_("This booking has already been decided."), code="already_decided")
    booking.refresh_from_db()
    if approve:
        requester = Membership.objects.select_related("village", "user").get(
            pk=booking.membership_id
        )
        _pay(booking, requester)
    audit.record(
        actor=manager.user,
        instance=booking,
        before=before,
        verb="booking_approve" if approve else "booking_reject",
        village_id=manager.village_id,
        subject_user_id=booking.membership.user_id,
        reason=note,
    )
    messages.decided(booking)
    return booking


@transaction.atomic
def booking_cancel(*, membership: Membership, booking_id: int) -> Booking:
    """The booker cancels a live booking before it starts; paid credits come back by a
    reversal transfer when it is at least ``refund_until_hours`` ahead."""
    booking = (
        Booking.objects.select_related("resource__village", "membership__village")
        .filter(pk=booking_id, membership=membership)
        .first()
    )
    if booking is None:
        raise NotFound()
    now = timezone.now()
    if booking.starts_at <= now:
        raise Conflict(_("This booking has already begun."), code="already_begun")
    changed = Booking.objects.filter(pk=booking.pk, status__in=LIVE_STATES).update(
        status=BookingStatus.CANCELLED, cancelled_at=now, updated_at=now
    )
    if changed != 1:
        raise Conflict(_("This booking is no longer active."), code="not_active")
    booking.refresh_from_db()
    refundable = now <= booking.starts_at - timedelta(hours=booking.resource.refund_until_hours)
    if booking.payment_transfer_id is not None and refundable:
        booking.refund_transfer_id = payments.refund(
            booking_id=booking.pk,
            membership=booking.membership,
            payment_transfer_id=booking.payment_transfer_id,
            memo=_memo(booking.resource, booking.starts_at),
        )
        booking.save(update_fields=["refund_transfer_id", "updated_at"])
    return booking


@transaction.atomic
def booking_check_in(*, membership: Membership, booking_id: int) -> Booking:
    """Check in at a desk from 15 minutes before until 15 minutes after the start."""
    booking = (
        Booking.objects.select_related("resource")
        .filter(pk=booking_id, membership=membership)
        .first()
    )
    if booking is None:
        raise NotFound()
    now = timezone.now()
    if not booking.starts_at - CHECK_IN_WINDOW <= now <= booking.starts_at + CHECK_IN_WINDOW:
        raise Conflict(
            _("Check in between 15 minutes before and 15 minutes after the start."),
            code="outside_check_in",
        )
    changed = Booking.objects.filter(
        pk=booking.pk, status=BookingStatus.APPROVED, checked_in_at__isnull=True
    ).update(checked_in_at=now, updated_at=now)
    if changed != 1:
        raise Conflict(_("This booking cannot be checked in."), code="not_checkable")
    booking.refresh_from_db()
    return booking


def unchecked_release(*, now: datetime | None = None) -> int:
    """Release desk bookings nobody checked in to within 15 minutes (periodic)."""
    now = now or timezone.now()
    due = list(
        Booking.objects.filter(
            status=BookingStatus.APPROVED,
            resource__check_in_required=True,
            checked_in_at__isnull=True,
            starts_at__lte=now - CHECK_IN_WINDOW,
            ends_at__gt=now,
        ).values_list("pk", flat=True)[:500]
    )
    released = 0
    for booking_id in due:
        with transaction.atomic():
            changed = Booking.objects.filter(
                pk=booking_id, status=BookingStatus.APPROVED, checked_in_at__isnull=True
            ).update(status=BookingStatus.RELEASED, updated_at=now)
            if changed == 1:
                released += 1
                messages.released(
                    Booking.objects.select_related("resource", "membership__user").get(
                        pk=booking_id
                    )
                )
    return released
