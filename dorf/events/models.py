"""Village events besides the clubs': the municipality's and other publishers' events,
and the events of external calendars (ICS by URL) imported by staff.

Times are stored in UTC; each event names the time zone its wall clock and its RRULE
live in (the village's by default). A recurring event's exceptions are EXDATEs (original
starts, UTC ISO strings). An imported occurrence that the source moved (RECURRENCE-ID) is
stored as an EXDATE of its series plus a single event of its own, so the merged
calendar, our feed and the source agree without a second override model.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dorf.calendar.sources import CalendarCategory
from dorf.core.models import TimeStampedModel


def new_event_uid() -> str:
    return secrets.token_urlsafe(18)


class ExternalCalendar(TimeStampedModel):
    """An ICS calendar of the village's surroundings (church, neighbouring town, school)
    that staff subscribed the village to; imported periodically with a conditional GET."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="external_calendars",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("address"), max_length=500)
    category = models.CharField(
        _("category"),
        max_length=16,
        choices=CalendarCategory.choices,
        default=CalendarCategory.OTHER,
    )
    # Only events carrying one of these CATEGORIES are imported (lower case); empty: all.
    tag_filter = models.JSONField(_("tag filter"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Conditional GET: what the server answered last time.
    etag = models.CharField(_("ETag"), max_length=200, blank=True)
    last_modified = models.CharField(_("Last-Modified"), max_length=100, blank=True)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_imported_at = models.DateTimeField(_("last imported at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # The counts of the last import that stored the file (a 304 or a refusal keeps them).
    last_import_created = models.PositiveIntegerField(_("new in the last import"), default=0)
    last_import_updated = models.PositiveIntegerField(_("changed in the last import"), default=0)
    last_import_deleted = models.PositiveIntegerField(_("removed in the last import"), default=0)
    last_import_unchanged = models.PositiveIntegerField(
        _("unchanged in the last import"), default=0
    )
    last_import_skipped = models.PositiveIntegerField(_("skipped in the last import"), default=0)
    last_import_filtered = models.PositiveIntegerField(
        _("filtered out in the last import"), default=0
    )

    class Meta:
        verbose_name = _("external calendar")
        verbose_name_plural = _("external calendars")
        constraints = [
            models.UniqueConstraint(fields=["village", "url"], name="events_calendar_unique_url"),
        ]

    def __str__(self) -> str:
        return self.name


class VillageEvent(TimeStampedModel):
    """One event or series of the municipality, another publisher, or an external calendar."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="village_events",
        verbose_name=_("village"),
    )
    # Who speaks: a news publisher (a reference only: this app does not import news) ...
    publisher = models.ForeignKey(
        "news.Publisher",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("publisher"),
    )
    # ... or the external calendar it was imported from.
    calendar = models.ForeignKey(
        ExternalCalendar,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("external calendar"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    category = models.CharField(
        _("category"),
        max_length=16,
        choices=CalendarCategory.choices,
        default=CalendarCategory.MUNICIPALITY,
    )
    # The first (or only) occurrence; an all-day event runs from local midnight to midnight.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    all_day = models.BooleanField(_("all day"), default=False)
    # IANA zone of the wall clock the event and its rule follow (e.g. Europe/Berlin).
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    rrule = models.CharField(_("recurrence rule"), max_length=500, blank=True)
    exdates = models.JSONField(_("left-out dates"), default=list, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    public = models.BooleanField(_("public"), default=True)
    # Bumped on every change so calendar apps pick it up.
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    uid = models.CharField(_("UID"), max_length=255, default=new_event_uid)
    # Imported events: a hash of what the source said, so an unchanged event is not rewritten.
    import_hash = models.CharField(_("import hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("village event")
        verbose_name_plural = _("village events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="events_event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="events_event_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(publisher__isnull=True) | Q(calendar__isnull=True),
                name="events_event_one_organizer",
            ),
            # De-duplication of imports: one row per UID and calendar ...
            models.UniqueConstraint(
                fields=["calendar", "uid"],
                condition=Q(calendar__isnull=False),
                name="events_event_import_once",
            ),
            # ... and every own event's UID unique.
            models.UniqueConstraint(
                fields=["uid"], condition=Q(calendar__isnull=True), name="events_event_unique_uid"
            ),
        ]
        indexes = [models.Index(fields=["village", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)

    def exdate_instants(self) -> frozenset[datetime]:
        return frozenset(datetime.fromisoformat(value) for value in self.exdates)
