"""Neighbourhood parcel delivery: pickup points, parcels, volunteer shifts, plans, routes.

A coordinator asks for the plan of a date (a ``PlanningJob``); the optimiser's routes are
stored as ``Route`` rows with ordered ``Stop`` rows. A re-plan makes a new job whose
routes replace the active routes of that date (status ``replaced``), so the history of
every plan stays readable. Parcel status changes are recorded in ``ParcelEvent``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel


class PickupPointKind(models.TextChoices):
    DEPOT = "depot", _("Depot")
    SHOP = "shop", _("Shop")
    LOCKER = "locker", _("Parcel locker")


class PickupPoint(TimeStampedModel):
    """Where parcels wait to be fetched. Public inside the village (like a shop's address)."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="pickup_points",
        verbose_name=_("village"),
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))
    kind = models.CharField(max_length=16, choices=PickupPointKind.choices, verbose_name=_("kind"))
    address = models.CharField(max_length=200, blank=True, verbose_name=_("address"))
    latitude = models.FloatField(verbose_name=_("latitude"))
    longitude = models.FloatField(verbose_name=_("longitude"))
    # Local opening hours; a pickup must happen inside them. Null: open all day.
    opens_at = models.TimeField(null=True, blank=True, verbose_name=_("opens at"))
    closes_at = models.TimeField(null=True, blank=True, verbose_name=_("closes at"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True, closes_at__isnull=True)
                | Q(
                    opens_at__isnull=False,
                    closes_at__isnull=False,
                    opens_at__lt=models.F("closes_at"),
                ),
                name="pickup_point_hours_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ParcelStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    PLANNED = "planned", _("Planned")
    PICKED_UP = "picked_up", _("Picked up")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Delivery failed")
    RETURNED = "returned", _("Returned to a pickup point")


class FailureReason(models.TextChoices):
    """Why a handover failed: a fixed list, so that a route cannot be "finished" with excuses."""

    RECIPIENT_ABSENT = "recipient_absent", _("Nobody at home")
    REFUSED = "refused", _("Recipient refused the parcel")
    ADDRESS_NOT_FOUND = "address_not_found", _("Address not found")
    DAMAGED = "damaged", _("Parcel damaged")


#: Failures that needed the visit at the door: their stops count as work done (paid).
VISIT_FAILURES = (
    FailureReason.RECIPIENT_ABSENT,
    FailureReason.REFUSED,
    FailureReason.ADDRESS_NOT_FOUND,
)


class PlanningPolicy(models.TextChoices):
    """What a plan optimises after serving as many parcels as possible."""

    SPREAD = "spread", _("Spread the work among the volunteers")
    FEWEST_VOLUNTEERS = "fewest_volunteers", _("Use as few volunteers as possible")


#: Statuses in which a parcel is done for its route (delivered, or back at a point).
FINISHED_STATUSES = (ParcelStatus.DELIVERED, ParcelStatus.FAILED, ParcelStatus.RETURNED)
#: Statuses a plan may (re)assign.
PLANNABLE_STATUSES = (ParcelStatus.REGISTERED, ParcelStatus.PLANNED)

PIN_MAX_ATTEMPTS = 5


class Parcel(TimeStampedModel):
    """A parcel for a recipient household, waiting at a pickup point.

    The handover PIN is never stored: it is derived from ``pin_salt`` with the server's
    secret key (``dorf.deliveries.pins``), so a copy of the database alone reveals no
    PIN, while the recipient can still be shown it at any time.
    """

    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    pickup_point = models.ForeignKey(
        PickupPoint,
        on_delete=models.PROTECT,
        related_name="parcels",
        verbose_name=_("pickup point"),
    )
    # SET_NULL: when the last resident of a household erases their data the household
    # goes; the parcel's history stays, without an address (it is no longer planned).
    household = models.ForeignKey(
        "villages.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parcels",
        verbose_name=_("household"),
    )
    size_units = models.PositiveSmallIntegerField(default=1, verbose_name=_("size units"))
    # The local day the parcel is due; a parcel without a window is also planned on
    # later days until it is delivered.
    delivery_date = models.DateField(verbose_name=_("delivery date"))
    window_start_at = models.DateTimeField(null=True, blank=True, verbose_name=_("window start at"))
    window_end_at = models.DateTimeField(null=True, blank=True, verbose_name=_("window end at"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))
    status = models.CharField(
        max_length=16,
        choices=ParcelStatus.choices,
        default=ParcelStatus.REGISTERED,
        verbose_name=_("status"),
    )
    # The shift whose volunteer holds the parcel (set at pickup).
    carrier_shift = models.ForeignKey(
        "deliveries.DeliveryShift",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("carrier shift"),
    )
    pin_salt = models.CharField(max_length=32, verbose_name=_("pin salt"))
    pin_attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("pin attempts"))
    failure_reason = models.CharField(max_length=300, blank=True, verbose_name=_("failure reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        constraints = [
            models.CheckConstraint(condition=Q(size_units__gt=0), name="parcel_size_positive"),
            models.CheckConstraint(
                condition=Q(window_start_at__isnull=True, window_end_at__isnull=True)
                | Q(
                    window_start_at__isnull=False,
                    window_end_at__isnull=False,
                    window_start_at__lt=models.F("window_end_at"),
                ),
                name="parcel_window_ordered",
            ),
        ]
        indexes = [models.Index(fields=["village", "status", "delivery_date"])]

    def __str__(self) -> str:
        return f"Parcel {self.pk} ({self.status})"

    @property
    def pin_locked(self) -> bool:
        return self.pin_attempts >= PIN_MAX_ATTEMPTS


class ParcelEvent(models.Model):
    """One status change of a parcel: when, by whom, why. Never edited."""

    parcel = models.ForeignKey(
        Parcel, on_delete=models.CASCADE, related_name="events", verbose_name=_("parcel")
    )
    from_status = models.CharField(
        max_length=16, choices=ParcelStatus.choices, blank=True, verbose_name=_("from status")
    )
    to_status = models.CharField(
        max_length=16, choices=ParcelStatus.choices, verbose_name=_("to status")
    )
    at = models.DateTimeField(verbose_name=_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("parcel event")
        verbose_name_plural = _("parcel events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["parcel", "at"])]

    def __str__(self) -> str:
        return f"{self.parcel_id}: {self.from_status} → {self.to_status}"


class Vehicle(models.TextChoices):
    FOOT = "foot", _("On foot")
    BIKE = "bike", _("Bike")
    CARGO_BIKE = "cargo_bike", _("Cargo bike")
    CAR = "car", _("Car")


#: Default capacity in parcel units per vehicle (a unit: a shoebox-sized parcel).
DEFAULT_CAPACITY_UNITS = {
    Vehicle.FOOT: 2,
    Vehicle.BIKE: 4,
    Vehicle.CARGO_BIKE: 12,
    Vehicle.CAR: 30,
}


#: How long a volunteer works at most when they do not say (minutes).
DEFAULT_MAX_WORK_MINUTES = 120


class DeliveryShiftStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DeliveryShift(TimeStampedModel):
    """A volunteer's offer to deliver parcels on one date inside a window, with a vehicle.

    Not to be confused with a club's volunteer shift (``clubs.Shift``: a slot at a club
    event that members sign up for). Named apart since both apps grew a ``Shift``.
    """

    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delivery_shifts",
        verbose_name=_("volunteer"),
    )
    date = models.DateField(verbose_name=_("date"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    vehicle = models.CharField(max_length=16, choices=Vehicle.choices, verbose_name=_("vehicle"))
    capacity_units = models.PositiveSmallIntegerField(verbose_name=_("capacity units"))
    start_latitude = models.FloatField(verbose_name=_("start latitude"))
    start_longitude = models.FloatField(verbose_name=_("start longitude"))
    end_latitude = models.FloatField(verbose_name=_("end latitude"))
    end_longitude = models.FloatField(verbose_name=_("end longitude"))
    status = models.CharField(
        max_length=16,
        choices=DeliveryShiftStatus.choices,
        default=DeliveryShiftStatus.ACTIVE,
        verbose_name=_("status"),
    )
    # Hard limits the planner keeps: the longest round (leaving home to coming back) and,
    # optionally, how many doors (delivery stops).
    max_work_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_MAX_WORK_MINUTES, verbose_name=_("max work minutes")
    )
    max_stops = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("max stops"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="shift_ordered"
            ),
            models.CheckConstraint(
                condition=Q(capacity_units__gt=0), name="shift_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_work_minutes__gt=0), name="shift_max_work_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_stops__isnull=True) | Q(max_stops__gt=0),
                name="shift_max_stops_positive",
            ),
        ]
        indexes = [models.Index(fields=["village", "date", "status"])]
        verbose_name = _("Delivery shift")
        verbose_name_plural = _("Delivery shifts")

    def __str__(self) -> str:
        return f"Delivery shift {self.pk} of {self.volunteer_id} on {self.date}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SOLVING = "solving", _("Solving")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobTrigger(models.TextChoices):
    REQUEST = "request", _("Requested by a coordinator")
    DECLINE = "decline", _("A volunteer declined")
    NO_SHOW = "no_show", _("A volunteer did not show up")
    LATE_PARCEL = "late_parcel", _("A parcel arrived after planning")
    RETRY = "retry", _("Parcels changed while planning")


class PlanningJob(TimeStampedModel):
    """One planning run for a village and date; its result is the routes it stored."""

    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    date = models.DateField(verbose_name=_("date"))
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, verbose_name=_("status")
    )
    trigger = models.CharField(
        max_length=16,
        choices=JobTrigger.choices,
        default=JobTrigger.REQUEST,
        verbose_name=_("trigger"),
    )
    policy = models.CharField(
        max_length=24,
        choices=PlanningPolicy.choices,
        default=PlanningPolicy.SPREAD,
        verbose_name=_("policy"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    attempt = models.PositiveSmallIntegerField(default=1, verbose_name=_("attempt"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    solve_ms = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("solve time (ms)"))
    travel_s = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("travel time (s)"))
    # [{"parcel_id": int, "reason": str, "detail": str}]
    unassigned = models.JSONField(default=list, blank=True, verbose_name=_("unassigned"))
    error_code = models.CharField(max_length=32, blank=True, verbose_name=_("error code"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("planning job")
        verbose_name_plural = _("planning jobs")
        indexes = [models.Index(fields=["village", "date"])]

    def __str__(self) -> str:
        return f"Planning job {self.pk} for {self.date} ({self.status})"


class RouteStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    REPLACED = "replaced", _("Replaced by a newer plan")


#: Routes that belong to the current plan of their date.
ACTIVE_ROUTE_STATUSES = (RouteStatus.PROPOSED, RouteStatus.ACCEPTED)


class Route(TimeStampedModel):
    """The stops of one shift in one plan, with ETAs (timezone-aware)."""

    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    job = models.ForeignKey(
        PlanningJob, on_delete=models.CASCADE, related_name="routes", verbose_name=_("job")
    )
    shift = models.ForeignKey(
        DeliveryShift, on_delete=models.CASCADE, related_name="routes", verbose_name=_("shift")
    )
    date = models.DateField(verbose_name=_("date"))
    status = models.CharField(
        max_length=16,
        choices=RouteStatus.choices,
        default=RouteStatus.PROPOSED,
        verbose_name=_("status"),
    )
    start_at = models.DateTimeField(verbose_name=_("start at"))
    end_at = models.DateTimeField(verbose_name=_("end at"))
    # When the volunteer's work on this date began: the start of the first route of the
    # shift that had progress, so a re-plan mid-route does not shorten the payment.
    work_start_at = models.DateTimeField(verbose_name=_("work start at"))
    travel_s = models.PositiveIntegerField(verbose_name=_("travel time (s)"))
    distance_m = models.PositiveIntegerField(verbose_name=_("distance (m)"))
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("accepted at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    paid_minutes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("paid minutes")
    )
    transfer_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("transfer ID"))
    # How paid_minutes came about (see payments.route_payment), shown to the volunteer
    # and the coordinators; and what looked odd about the route when it finished.
    payment = models.JSONField(default=dict, blank=True, verbose_name=_("payment"))
    anomalies = models.JSONField(default=list, blank=True, verbose_name=_("anomalies"))

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        indexes = [models.Index(fields=["village", "date", "status"])]

    def __str__(self) -> str:
        return f"Route {self.pk} ({self.status})"

    @property
    def planned_minutes(self) -> int:
        """Whole minutes from the start of work to the end, at least 1 (the most it pays)."""
        seconds = (self.end_at - self.work_start_at).total_seconds()
        return max(1, round(seconds / 60))


class StopKind(models.TextChoices):
    PICKUP = "pickup", _("Pickup")
    DELIVERY = "delivery", _("Delivery")


class Stop(models.Model):
    route = models.ForeignKey(
        Route, on_delete=models.CASCADE, related_name="stops", verbose_name=_("route")
    )
    sequence = models.PositiveSmallIntegerField(verbose_name=_("sequence"))
    kind = models.CharField(max_length=16, choices=StopKind.choices, verbose_name=_("kind"))
    parcel = models.ForeignKey(
        Parcel, on_delete=models.CASCADE, related_name="stops", verbose_name=_("parcel")
    )
    arrival_at = models.DateTimeField(verbose_name=_("arrival at"))
    service_start_at = models.DateTimeField(verbose_name=_("service start at"))
    departure_at = models.DateTimeField(verbose_name=_("departure at"))
    load_units = models.PositiveSmallIntegerField(verbose_name=_("load units"))

    class Meta:
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        ordering = ["route_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["route", "sequence"], name="stop_unique_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of parcel {self.parcel_id} at {self.service_start_at}"
