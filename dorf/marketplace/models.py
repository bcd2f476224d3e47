"""The help marketplace: offers and requests ("Biete / Suche"), replies and agreements.

Privacy of location: a posting never stores its author's address. It stores the centre of
the ~250 m grid cell the author's household lies in (see ``snap_to_grid``), so neighbours
can filter by distance without learning which house the posting came from.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel

# Grid cell of the approximate location: 0.0025° latitude ≈ 278 m everywhere; the
# longitude step is widened by 1/cos(latitude) so the cell stays roughly square (~250 m).
GRID_LAT_DEG = 0.0025
GRID_METRES = 250.0


def snap_to_grid(latitude: float, longitude: float) -> tuple[float, float]:
    """The centre of the grid cell that contains the point (deterministic, not random:
    a random offset would average out over several postings of the same author)."""
    lat_cell = math.floor(latitude / GRID_LAT_DEG)
    lat_centre = (lat_cell + 0.5) * GRID_LAT_DEG
    lon_step = GRID_METRES / (111_320.0 * max(math.cos(math.radians(lat_centre)), 0.01))
    lon_cell = math.floor(longitude / lon_step)
    lon_centre = (lon_cell + 0.5) * lon_step
    return round(lat_centre, 6), round(lon_centre, 6)


class PostingKind(models.TextChoices):
    OFFER = "offer", _("Offer")
    REQUEST = "request", _("Request")


class PostingCategory(models.TextChoices):
    HELP = "help", _("Neighbourly help")
    LEND = "lend", _("Lend")
    GIVE_AWAY = "give_away", _("Give away")
    RIDE = "ride", _("Ride")
    ERRAND = "errand", _("Errand or shopping")
    LOST_FOUND = "lost_found", _("Lost and found")
    SMALL_JOB = "small_job", _("Small job")


class PostingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AGREED = "agreed", _("Agreed")
    DONE = "done", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class Posting(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="postings"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="postings"
    )
    kind = models.CharField(max_length=16, choices=PostingKind.choices)
    category = models.CharField(max_length=16, choices=PostingCategory.choices)
    title = models.CharField(max_length=120)
    text = models.TextField(max_length=4000, blank=True)
    estimated_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Centre of the author's ~250 m grid cell (never the address); null without a household.
    approx_lat = models.FloatField(null=True, blank=True)
    approx_lon = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=PostingStatus.choices, default=PostingStatus.OPEN
    )
    expires_at = models.DateTimeField()
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        indexes = [
            models.Index(fields=["village", "status", "-id"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_minutes__isnull=True) | Q(estimated_minutes__gt=0),
                name="posting_estimated_minutes_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class PostingPhoto(models.Model):
    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="photos")
    # Re-encoded JPEG, at most PHOTO_MAX_EDGE px on the long side, without EXIF.
    image = models.FileField(upload_to="marketplace/%Y/%m/", max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.image.name)


class PostingReport(models.Model):
    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "reporter"], name="posting_report_once_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"report on {self.posting_id}"


class Conversation(models.Model):
    """A replier's conversation about a posting: links posting and replier (agreements hang
    on it); the messages live in its chat room (subject "posting_reply", author and replier
    its only members)."""

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="conversations")
    replier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posting_conversations"
    )
    # Set by ``conversation_open`` in the transaction that creates the conversation (the
    # room's subject id is the conversation's id, so the room comes second). RESTRICT: the
    # room goes only together with its conversation (a deleted village).
    room = models.OneToOneField(
        "chat.Room",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="posting_conversation",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "replier"], name="conversation_one_per_replier"
            )
        ]

    def __str__(self) -> str:
        return f"conversation {self.posting_id}/{self.replier_id}"


class AgreementStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PROPOSED = "proposed", _("Minutes proposed")
    CONFIRMED = "confirmed", _("Confirmed and paid")
    DISPUTED = "disputed", _("Disputed")


class Agreement(TimeStampedModel):
    """The author accepted ``helper`` for the posting; ``helped`` pays once the minutes are
    proposed by one side and confirmed by the other."""

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="agreements")
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="agreement"
    )
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helped = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.ACCEPTED
    )
    proposed_minutes = models.PositiveIntegerField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The ledger transfer that paid it (kept as a plain id: the ledger owns its rows).
    transfer_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(helper=F("helped")), name="agreement_helper_is_not_helped"
            ),
            models.CheckConstraint(
                condition=Q(proposed_minutes__isnull=True) | Q(proposed_minutes__gt=0),
                name="agreement_minutes_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"agreement {self.pk} on {self.posting_id}"
