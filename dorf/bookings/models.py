"""Rooms, desks, equipment and vehicles the village lends out, and their bookings.

Invariant enforced by PostgreSQL: two live bookings (requested or approved) of one
resource never overlap, buffer included. ``blocked_until`` is the end plus the
resource's buffer at booking time, and the exclusion constraint
``booking_no_overlap`` (btree_gist: ``resource WITH =, tstzrange(starts_at,
blocked_until) WITH &&``) refuses the second of two overlapping rows whoever inserts
them. SQLite (the embedded demo) has no exclusion constraints: there the service checks
the overlap itself after taking SQLite's write lock.

Times are stored in UTC; availability rules and series are evaluated in the village's
zone, so a weekly 18:00 booking stays at 18:00 local across the clock changes.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from dorf.calendar.recurrence import validate_rule
from dorf.core.exceptions import DomainError
from dorf.core.models import TimeStampedModel


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class ResourceKind(models.TextChoices):
    ROOM = "room", _("Room")
    DESK = "desk", _("Co-working desk")
    EQUIPMENT = "equipment", _("Equipment")
    VEHICLE = "vehicle", _("Vehicle")


class OwnerKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    CLUB = "club", _("Club")


class Resource(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="bookable_resources",
        verbose_name=_("village"),
    )
    kind = models.CharField(max_length=16, choices=ResourceKind.choices, verbose_name=_("kind"))
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    owner_kind = models.CharField(
        max_length=16,
        choices=OwnerKind.choices,
        default=OwnerKind.MUNICIPALITY,
        verbose_name=_("owner kind"),
    )
    owner_name = models.CharField(max_length=120, blank=True, verbose_name=_("owner name"))
    # Where a booking's price goes: the community account (municipality) or a club's.
    owner_account = models.ForeignKey(
        "ledger.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner account"),
    )
    # Members who approve bookings (besides the village's staff).
    managers = models.ManyToManyField(
        "villages.Membership", blank=True, related_name="+", verbose_name=_("managers")
    )
    capacity = models.PositiveIntegerField(default=1, verbose_name=_("capacity"))
    min_minutes = models.PositiveIntegerField(default=30, verbose_name=_("min minutes"))
    max_minutes = models.PositiveIntegerField(default=24 * 60, verbose_name=_("max minutes"))
    notice_minutes = models.PositiveIntegerField(default=0, verbose_name=_("notice minutes"))
    max_advance_days = models.PositiveIntegerField(default=180, verbose_name=_("max advance days"))
    buffer_minutes = models.PositiveIntegerField(default=0, verbose_name=_("buffer minutes"))
    approval_required = models.BooleanField(default=False, verbose_name=_("approval required"))
    # Time credits per started hour; 0 is free.
    price_minutes_per_hour = models.PositiveIntegerField(
        default=0, verbose_name=_("price minutes per hour")
    )
    # A cancellation this long before the start is refunded in full, later not at all.
    refund_until_hours = models.PositiveIntegerField(
        default=24, verbose_name=_("refund until hours")
    )
    # Desks: a booking not checked in within 15 minutes of its start is released.
    check_in_required = models.BooleanField(default=False, verbose_name=_("check in required"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_minutes__gte=F("min_minutes")), name="resource_max_ge_min"
            ),
            models.CheckConstraint(condition=Q(min_minutes__gte=5), name="resource_min_5"),
            models.CheckConstraint(
                condition=Q(price_minutes_per_hour=0) | Q(owner_account__isnull=False),
                name="resource_priced_has_payee",
            ),
        ]
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class AvailabilityRule(models.Model):
    """When the resource may be booked (recurring, local time). No rule: any time."""

    resource = models.ForeignKey(
        Resource,
        on_delete=models.CASCADE,
        related_name="availability_rules",
        verbose_name=_("resource"),
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    rrule = models.CharField(max_length=500, blank=True, verbose_name=_("recurrence rule"))

    class Meta:
        verbose_name = _("availability rule")
        verbose_name_plural = _("availability rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="availability_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.rrule or 'once'}"

    def clean(self) -> None:
        """Refuse a rule the calendar module cannot expand (admin forms call this)."""
        if self.starts_at is None or self.ends_at is None:
            return
        try:
            self.rrule = validate_rule(
                self.rrule, starts_at=self.starts_at, tz=ZoneInfo(self.resource.village.timezone)
            )
        except DomainError as exc:
            raise ValidationError({"rrule": str(exc.fields or exc.message)}) from exc


class Blackout(models.Model):
    """A time the resource cannot be booked (repairs, the village fair, ...)."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="blackouts", verbose_name=_("resource")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    reason = models.CharField(max_length=200, verbose_name=_("reason"))

    class Meta:
        verbose_name = _("blackout")
        verbose_name_plural = _("blackouts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="blackout_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.reason


class OnConflict(models.TextChoices):
    FAIL = "fail", _("Fail the whole series")
    SKIP = "skip", _("Skip conflicting dates")


class BookingSeries(TimeStampedModel):
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="series", verbose_name=_("resource")
    )
    membership = models.ForeignKey(
        "villages.Membership",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("membership"),
    )
    title = models.CharField(max_length=200, blank=True, verbose_name=_("title"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    rrule = models.CharField(max_length=500, verbose_name=_("recurrence rule"))
    on_conflict = models.CharField(
        max_length=8, choices=OnConflict.choices, verbose_name=_("on conflict")
    )

    class Meta:
        verbose_name = _("booking series")
        verbose_name_plural = _("booking series")

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.rrule}"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    RELEASED = "released", _("Released (no check-in)")


LIVE_STATES = (BookingStatus.REQUESTED, BookingStatus.APPROVED)


class Booking(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("resource")
    )
    membership = models.ForeignKey(
        "villages.Membership",
        on_delete=models.CASCADE,
        related_name="resource_bookings",
        verbose_name=_("membership"),
    )
    series = models.ForeignKey(
        BookingSeries,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
        verbose_name=_("series"),
    )
    title = models.CharField(max_length=200, blank=True, verbose_name=_("title"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    # ends_at + the resource's buffer when booked: the range nobody else may overlap.
    blocked_until = models.DateTimeField(verbose_name=_("blocked until"))
    status = models.CharField(
        max_length=16, choices=BookingStatus.choices, verbose_name=_("status")
    )
    price_minutes = models.PositiveIntegerField(default=0, verbose_name=_("price minutes"))
    payment_transfer_id = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("payment transfer ID")
    )
    refund_transfer_id = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("refund transfer ID")
    )
    decided_by = models.ForeignKey(
        "villages.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.CharField(max_length=500, blank=True, verbose_name=_("decision note"))
    checked_in_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked in at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=F("ends_at")), name="booking_blocked_after_end"
            ),
            # Created on PostgreSQL only (see migration 0002); SQLite keeps the rule in
            # the service.
            ExclusionConstraint(
                name="booking_no_overlap",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    (
                        TsTzRange("starts_at", "blocked_until", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(status__in=LIVE_STATES),
            ),
        ]
        indexes = [
            models.Index(fields=["resource", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%H:%M}"
