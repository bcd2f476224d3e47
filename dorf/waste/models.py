"""The Müllkalender: waste types, tours over the village's streets, collections with
their shifts, and each household member's reminder setting.

Collections are all-day dates in the village's time zone. A reminder fires at a local
wall-clock time; its next firing is stored in UTC (``ReminderSetting.next_fire_at``,
indexed), so "which reminders are due now" reads a few rows of one index however many
collections the calendar holds. ``ReminderSent`` makes the firing exactly-once per
(setting, collection, date): a collection moved to a new date is reminded again there.
"""

from __future__ import annotations

import uuid
from datetime import time

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel

DEFAULT_REMINDER_TIME = time(19, 0)
MAX_DAYS_BEFORE = 3


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


class WasteSettings(TimeStampedModel):
    """Per village: whose public holidays the imported plan is checked against."""

    village = models.OneToOneField(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="waste_settings",
        verbose_name=_("village"),
    )
    bundesland = models.CharField(
        _("federal state"), max_length=2, choices=Bundesland.choices, blank=True
    )

    class Meta:
        verbose_name = _("waste calendar settings")
        verbose_name_plural = _("waste calendar settings")

    def __str__(self) -> str:
        return f"{self.village_id}: {self.bundesland or '-'}"


class WasteType(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="waste_types",
        verbose_name=_("village"),
    )
    code = models.SlugField(_("code"), max_length=32)
    label = models.CharField(_("label"), max_length=60)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#607d8b",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$")],
    )

    class Meta:
        verbose_name = _("waste type")
        verbose_name_plural = _("waste types")
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["village", "code"], name="waste_type_unique_code"),
        ]

    def __str__(self) -> str:
        return self.label


class Tour(TimeStampedModel):
    """One collection round of one waste type over a set of streets (or parts of them)."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="waste_tours",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=80)
    waste_type = models.ForeignKey(
        WasteType, on_delete=models.PROTECT, related_name="tours", verbose_name=_("waste type")
    )

    class Meta:
        verbose_name = _("tour")
        verbose_name_plural = _("tours")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="waste_tour_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TourStreet(models.Model):
    """A street of the address register on a tour, whole or a range of house numbers.

    ``number_from``/``number_to`` compare with the number part of a house number
    ("12a" is 12); ``parity`` limits the range to one side of the street.
    """

    class Parity(models.TextChoices):
        ALL = "all", _("all numbers")
        EVEN = "even", _("even numbers")
        ODD = "odd", _("odd numbers")

    tour = models.ForeignKey(
        Tour, on_delete=models.CASCADE, related_name="streets", verbose_name=_("tour")
    )
    street = models.CharField(_("street"), max_length=120)
    number_from = models.PositiveIntegerField(_("from house number"), null=True, blank=True)
    number_to = models.PositiveIntegerField(_("to house number"), null=True, blank=True)
    parity = models.CharField(_("parity"), max_length=4, choices=Parity.choices, default=Parity.ALL)

    class Meta:
        verbose_name = _("tour street")
        verbose_name_plural = _("tour streets")
        constraints = [
            models.CheckConstraint(
                condition=Q(number_from__isnull=True)
                | Q(number_to__isnull=True)
                | Q(number_from__lte=models.F("number_to")),
                name="waste_tour_street_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        if self.number_from is None and self.number_to is None:
            return self.street
        return f"{self.street} {self.number_from or ''}-{self.number_to or ''}"


class Collection(TimeStampedModel):
    """One collection of a tour on a local date.

    ``source_key`` is the identity the import gives it (the iCalendar UID and
    RECURRENCE-ID, or the CSV's tour and planned date): importing the same file again
    finds the same rows and changes nothing; a changed date is a shift, recorded with
    the first planned date (``original_date``) and a bumped ``sequence`` for calendar
    apps. ``uid`` is the stable UID of its VEVENT in our feeds.
    """

    tour = models.ForeignKey(
        Tour, on_delete=models.CASCADE, related_name="collections", verbose_name=_("tour")
    )
    date = models.DateField(_("date"))
    original_date = models.DateField(_("originally planned date"), null=True, blank=True)
    shift_reason = models.CharField(_("reason of the shift"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Name of the public holiday the date falls on when the plan did not shift it.
    holiday = models.CharField(_("public holiday"), max_length=80, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    source_key = models.CharField(_("import key"), max_length=300)
    uid = models.UUIDField(_("UID"), default=uuid.uuid4, unique=True, editable=False)
    # A shift residents have not been told about yet (the minute task sends it).
    announce_pending = models.BooleanField(_("shift notice pending"), default=False)

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tour", "source_key"], name="waste_collection_unique_source"
            ),
        ]
        indexes = [
            models.Index(fields=["tour", "date"], name="waste_collection_tour_date"),
            models.Index(
                fields=["id"],
                condition=Q(announce_pending=True),
                name="waste_collection_announce",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tour_id} {self.date.isoformat()}"

    @property
    def shifted(self) -> bool:
        return self.original_date is not None and self.original_date != self.date


class ReminderSetting(TimeStampedModel):
    """A household member's reminder: which types, how many days before, at what local
    time. Channels (push, e-mail) are the member's choices for the ``waste`` category of
    the notification preferences, so the two never disagree."""

    membership = models.OneToOneField(
        "villages.Membership",
        on_delete=models.CASCADE,
        related_name="waste_reminder",
        verbose_name=_("membership"),
    )
    # Empty: every type the household has.
    waste_types = models.ManyToManyField(
        WasteType, blank=True, related_name="+", verbose_name=_("waste types")
    )
    days_before = models.PositiveSmallIntegerField(
        _("days before"), default=1, validators=[MaxValueValidator(MAX_DAYS_BEFORE)]
    )
    time_local = models.TimeField(_("local time"), default=DEFAULT_REMINDER_TIME)
    enabled = models.BooleanField(_("enabled"), default=True)
    # The next firing in UTC and the collection date it is for; None: nothing planned.
    next_fire_at = models.DateTimeField(_("next reminder at"), null=True, blank=True)
    next_date = models.DateField(_("next collection date"), null=True, blank=True)

    class Meta:
        verbose_name = _("waste reminder")
        verbose_name_plural = _("waste reminders")
        constraints = [
            models.CheckConstraint(
                condition=Q(days_before__lte=MAX_DAYS_BEFORE), name="waste_reminder_days_before"
            ),
        ]
        indexes = [
            # The due query: WHERE next_fire_at <= now, on planned rows only.
            models.Index(
                fields=["next_fire_at"],
                condition=Q(next_fire_at__isnull=False),
                name="waste_reminder_due",
            ),
        ]

    def __str__(self) -> str:
        return f"reminder of membership {self.membership_id}"


class ReminderSent(models.Model):
    """One reminder handed to the notification layer: never twice for the same
    (setting, collection, date)."""

    setting = models.ForeignKey(
        ReminderSetting, on_delete=models.CASCADE, related_name="+", verbose_name=_("reminder")
    )
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="+", verbose_name=_("collection")
    )
    collection_date = models.DateField(_("collection date"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("sent waste reminder")
        verbose_name_plural = _("sent waste reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["setting", "collection", "collection_date"],
                name="waste_reminder_sent_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.setting_id}/{self.collection_id} {self.collection_date.isoformat()}"
