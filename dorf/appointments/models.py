"""Town-hall appointments (Bürgertermine): services, opening rules, closures, seats.

Times: every datetime is stored in UTC. Opening rules are recurrence rules evaluated in
the village's time zone, so "Tuesdays 08:00-12:00" stays 08:00 local across the clock
changes. A slot is ``slot_minutes`` long and has ``seats`` seats; an appointment occupies
one seat of one slot.

Invariant enforced by the database: an active appointment (held, confirmed, done or
no-show) is the only one on its (service, slot start, seat). The service picks a free seat
and inserts; two concurrent holds on the same seat cannot both commit.
"""

from __future__ import annotations

import hashlib
import secrets
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dorf.calendar.recurrence import validate_rule
from dorf.core.exceptions import DomainError
from dorf.core.models import TimeStampedModel


class Bundesland(models.TextChoices):
    """ISO 3166-2:DE subdivisions as the ``holidays`` package names them."""

    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"


class TownHall(TimeStampedModel):
    """The village's town hall: where services are offered and whose holidays apply."""

    village = models.OneToOneField(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="town_hall",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    bundesland = models.CharField(
        max_length=2, choices=Bundesland.choices, verbose_name=_("bundesland")
    )

    class Meta:
        verbose_name = _("town hall")
        verbose_name_plural = _("town halls")

    def __str__(self) -> str:
        return self.name


class Service(TimeStampedModel):
    """Something a resident comes to the town hall for (e.g. Personalausweis beantragen)."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="appointment_services",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    documents = models.JSONField(_("documents to bring"), default=list, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    desk = models.CharField(_("desk"), max_length=80, blank=True)
    # How many days ahead the calendar is open, and how early one must book.
    bookable_days = models.PositiveIntegerField(default=60, verbose_name=_("bookable days"))
    min_notice_minutes = models.PositiveIntegerField(
        default=60, verbose_name=_("min notice minutes")
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("town hall service")
        verbose_name_plural = _("town hall services")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5), name="appointment_service_duration_min"
            ),
            models.CheckConstraint(
                condition=Q(bookable_days__gte=1, bookable_days__lte=366),
                name="appointment_service_window",
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpeningRule(TimeStampedModel):
    """A recurring opening block of a service, cut into slots.

    ``starts_at``/``ends_at`` are the first block (aware); ``rrule`` repeats it in the
    village's zone ("" for a single block).
    """

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="opening_rules", verbose_name=_("service")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    rrule = models.CharField(max_length=500, blank=True, verbose_name=_("recurrence rule"))
    slot_minutes = models.PositiveIntegerField(verbose_name=_("slot minutes"))
    seats = models.PositiveIntegerField(default=1, verbose_name=_("seats"))

    class Meta:
        verbose_name = _("opening rule")
        verbose_name_plural = _("opening rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="opening_rule_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5), name="opening_rule_slot_minutes_min"
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=1, seats__lte=50), name="opening_rule_seats_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.rrule or 'once'} from {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        """Refuse a rule the calendar module cannot expand (admin forms call this)."""
        if self.starts_at is None or self.ends_at is None:
            return
        try:
            self.rrule = validate_rule(
                self.rrule, starts_at=self.starts_at, tz=ZoneInfo(self.service.village.timezone)
            )
        except DomainError as exc:
            raise ValidationError({"rrule": str(exc.fields or exc.message)}) from exc


class Closure(TimeStampedModel):
    """Days the town hall (or one service, when set) is closed, in local dates."""

    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
        verbose_name=_("service"),
    )
    first_day = models.DateField(verbose_name=_("first day"))
    last_day = models.DateField(verbose_name=_("last day"))
    reason = models.CharField(max_length=200, verbose_name=_("reason"))

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="closure_last_day_after_first"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_day} to {self.last_day}: {self.reason}"


class AppointmentStatus(models.TextChoices):
    HELD = "held", _("Held")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("No-show")


# States that occupy a seat. Done and no-show stay: the seat was used.
SEAT_TAKING = (
    AppointmentStatus.HELD,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.DONE,
    AppointmentStatus.NO_SHOW,
)
# States that count towards a household's limit of open bookings.
OPEN_STATES = (AppointmentStatus.HELD, AppointmentStatus.CONFIRMED)


def new_cancel_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Appointment(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("service")
    )
    membership = models.ForeignKey(
        "villages.Membership",
        on_delete=models.CASCADE,
        related_name="appointments",
        verbose_name=_("membership"),
    )
    # The household at the time of booking (the fairness limit counts per household).
    household = models.ForeignKey(
        "villages.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("household"),
    )
    slot_start = models.DateTimeField(verbose_name=_("slot start"))
    slot_end = models.DateTimeField(verbose_name=_("slot end"))
    seat = models.PositiveSmallIntegerField(verbose_name=_("seat"))
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, verbose_name=_("status")
    )
    hold_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hold expires at"))
    # A hold made for a waitlisted resident (a freed seat offered to them first).
    from_waitlist = models.BooleanField(default=False, verbose_name=_("from waitlist"))
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    # Only the hash is stored: a leaked database does not leak working cancel links.
    cancel_token_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, verbose_name=_("cancel token hash")
    )
    reminded_24h_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded 24h at"))
    reminded_2h_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded 2h at"))
    # iCalendar SEQUENCE: bumped by every change the invitee's calendar must follow.
    sequence = models.PositiveIntegerField(default=0, verbose_name=_("sequence"))
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "slot_start", "seat"],
                condition=Q(status__in=SEAT_TAKING),
                name="appointment_one_per_seat",
            ),
            models.CheckConstraint(
                condition=Q(slot_end__gt=F("slot_start")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(seat__gte=1), name="appointment_seat_positive"),
            models.CheckConstraint(
                condition=~Q(status=AppointmentStatus.HELD) | Q(hold_expires_at__isnull=False),
                name="appointment_hold_has_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "slot_start"]),
            models.Index(fields=["status", "hold_expires_at"]),
            models.Index(fields=["village", "slot_start"]),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.slot_start:%Y-%m-%d %H:%M} seat {self.seat}"


class WaitlistState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a seat")
    CLAIMED = "claimed", _("Claimed")
    LAPSED = "lapsed", _("Offer lapsed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WaitlistEntry(TimeStampedModel):
    """A resident who wants the next freed seat of a service (first come, first served)."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("service")
    )
    membership = models.ForeignKey(
        "villages.Membership",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("membership"),
    )
    # Optional local date range the resident can come.
    earliest_day = models.DateField(null=True, blank=True, verbose_name=_("earliest day"))
    latest_day = models.DateField(null=True, blank=True, verbose_name=_("latest day"))
    state = models.CharField(
        max_length=16,
        choices=WaitlistState.choices,
        default=WaitlistState.WAITING,
        verbose_name=_("state"),
    )
    offered_appointment = models.ForeignKey(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("offered appointment"),
    )

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "membership"],
                condition=Q(state__in=["waiting", "offered"]),
                name="waitlist_one_open_entry",
            )
        ]
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.membership_id} waits for {self.service_id} ({self.state})"
