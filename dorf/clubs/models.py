"""Clubs (Vereine): members and board, announcements, events with RSVPs and a waitlist,
volunteer shifts paid in time credits, and calendar feeds.

Times: every datetime is stored timezone-aware (UTC in the database). Recurring events
are expanded in the village's time zone (Europe/Berlin), so a weekly rehearsal at 19:30
stays at 19:30 local time across the DST changes. An occurrence is identified by its
*original* start (like RECURRENCE-ID in RFC 5545), even after it was moved.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class MembershipPolicy(models.TextChoices):
    OPEN = "open", _("Anyone in the village can join")
    APPROVAL = "approval", _("The board approves new members")


# The subject of a club's chat room: ("club", club id). Its members are the club's active
# members (the services keep the two in step).
CLUB_SUBJECT = "club"


class Club(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="clubs",
        verbose_name=_("village"),
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))
    description = models.TextField(max_length=4000, blank=True, verbose_name=_("description"))
    contact = models.CharField(max_length=200, blank=True, verbose_name=_("contact"))
    membership_policy = models.CharField(
        max_length=16,
        choices=MembershipPolicy.choices,
        default=MembershipPolicy.OPEN,
        verbose_name=_("membership policy"),
    )
    # The club's time-credit account: volunteer shifts are paid from it.
    account = models.OneToOneField(
        "ledger.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="club",
        verbose_name=_("account"),
    )

    class Meta:
        verbose_name = _("club")
        verbose_name_plural = _("clubs")
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="club_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ClubRole(models.TextChoices):
    MEMBER = "member", _("Member")
    BOARD = "board", _("Board")


class ClubMemberState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    ACTIVE = "active", _("Member")


class ClubMembership(TimeStampedModel):
    club = models.ForeignKey(
        Club, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("club")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="club_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(
        max_length=16, choices=ClubRole.choices, default=ClubRole.MEMBER, verbose_name=_("role")
    )
    state = models.CharField(
        max_length=16,
        choices=ClubMemberState.choices,
        default=ClubMemberState.ACTIVE,
        verbose_name=_("state"),
    )

    class Meta:
        verbose_name = _("club membership")
        verbose_name_plural = _("club memberships")
        constraints = [
            models.UniqueConstraint(fields=["club", "user"], name="club_membership_unique"),
        ]
        indexes = [models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"{self.user_id} in club {self.club_id} ({self.role})"

    @property
    def is_board(self) -> bool:
        return self.state == ClubMemberState.ACTIVE and self.role == ClubRole.BOARD


class Announcement(TimeStampedModel):
    club = models.ForeignKey(
        Club, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("club")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("author"),
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    text = models.TextField(max_length=4000, blank=True, verbose_name=_("text"))
    pinned = models.BooleanField(default=False, verbose_name=_("pinned"))

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [models.Index(fields=["club", "-pinned", "-id"])]

    def __str__(self) -> str:
        return self.title


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Club members only")


class ClubEvent(TimeStampedModel):
    club = models.ForeignKey(
        Club, on_delete=models.CASCADE, related_name="events", verbose_name=_("club")
    )
    # Denormalised from the club so every scoped query is one join shorter.
    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    description = models.TextField(max_length=4000, blank=True, verbose_name=_("description"))
    place = models.CharField(max_length=200, blank=True, verbose_name=_("place"))
    latitude = models.FloatField(null=True, blank=True, verbose_name=_("latitude"))
    longitude = models.FloatField(null=True, blank=True, verbose_name=_("longitude"))
    # The first (or only) occurrence.
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    visibility = models.CharField(
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        verbose_name=_("visibility"),
    )
    capacity = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("capacity"))
    # RFC 5545 RRULE value (without "RRULE:"), expanded in the village's time zone.
    rrule = models.CharField(max_length=500, blank=True, verbose_name=_("recurrence rule"))
    # Feed bookkeeping: bumped on every change so calendar apps pick it up.
    sequence = models.PositiveIntegerField(default=0, verbose_name=_("sequence"))
    uid = models.CharField(
        max_length=100, unique=True, default=new_feed_token, verbose_name=_("UID")
    )

    class Meta:
        verbose_name = _("club event")
        verbose_name_plural = _("club events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="club_event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="club_event_capacity_positive",
            ),
        ]
        indexes = [models.Index(fields=["village", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)


class OccurrenceOverride(models.Model):
    """One occurrence of a recurring event moved or cancelled, keyed by its original start."""

    event = models.ForeignKey(
        ClubEvent, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("event")
    )
    original_start = models.DateTimeField(verbose_name=_("original start"))
    cancelled = models.BooleanField(default=False, verbose_name=_("cancelled"))
    starts_at = models.DateTimeField(null=True, blank=True, verbose_name=_("starts at"))
    ends_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ends at"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("occurrence override")
        verbose_name_plural = _("occurrence overrides")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "original_start"], name="occurrence_override_unique"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True, ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="occurrence_override_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"override of {self.event_id} at {self.original_start.isoformat()}"


class RsvpResponse(models.TextChoices):
    GOING = "going", _("Going")
    MAYBE = "maybe", _("Maybe")
    NOT_GOING = "not_going", _("Not going")
    WAITLISTED = "waitlisted", _("On the waitlist")


class Rsvp(TimeStampedModel):
    event = models.ForeignKey(
        ClubEvent, on_delete=models.CASCADE, related_name="RSVPs", verbose_name=_("event")
    )
    # Which occurrence (its original start); equals event.starts_at for a single event.
    occurrence_start = models.DateTimeField(verbose_name=_("occurrence start"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="club_rsvps",
        verbose_name=_("user"),
    )
    response = models.CharField(
        max_length=16, choices=RsvpResponse.choices, verbose_name=_("response")
    )
    # Queue position: the earliest waitlisted_at moves up first.
    waitlisted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("waitlisted at"))

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "occurrence_start", "user"], name="rsvp_one_per_occurrence"
            ),
        ]
        indexes = [models.Index(fields=["event", "occurrence_start", "response"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.response} {self.event_id}"


class Shift(TimeStampedModel):
    """A volunteer slot ("Helferschicht") at one occurrence of an event."""

    event = models.ForeignKey(
        ClubEvent, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("event")
    )
    occurrence_start = models.DateTimeField(verbose_name=_("occurrence start"))
    title = models.CharField(max_length=120, verbose_name=_("title"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    helpers_needed = models.PositiveIntegerField(verbose_name=_("helpers needed"))
    # Time credits per helper who came.
    minutes = models.PositiveIntegerField(verbose_name=_("minutes"))
    attendance_confirmed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("attendance confirmed at")
    )
    transfer_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("transfer ID"))

    class Meta:
        verbose_name = _("club shift")
        verbose_name_plural = _("club shifts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(helpers_needed__gt=0), name="shift_needs_helpers"),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="shift_minutes_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class SignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    ATTENDED = "attended", _("Came")
    NO_SHOW = "no_show", _("Did not come")


class ShiftSignup(models.Model):
    shift = models.ForeignKey(
        Shift, on_delete=models.CASCADE, related_name="signups", verbose_name=_("shift")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="shift_signups",
        verbose_name=_("user"),
    )
    status = models.CharField(
        max_length=16,
        choices=SignupStatus.choices,
        default=SignupStatus.SIGNED_UP,
        verbose_name=_("status"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("shift signup")
        verbose_name_plural = _("shift signups")
        constraints = [
            models.UniqueConstraint(fields=["shift", "user"], name="shift_signup_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on shift {self.shift_id}"
