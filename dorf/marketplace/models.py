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
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="postings",
        verbose_name=_("village"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="postings",
        verbose_name=_("author"),
    )
    kind = models.CharField(max_length=16, choices=PostingKind.choices, verbose_name=_("kind"))
    category = models.CharField(
        max_length=16, choices=PostingCategory.choices, verbose_name=_("category")
    )
    title = models.CharField(max_length=120, verbose_name=_("title"))
    text = models.TextField(max_length=4000, blank=True, verbose_name=_("text"))
    estimated_minutes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("estimated minutes")
    )
    # Centre of the author's ~250 m grid cell (never the address); null without a household.
    approx_lat = models.FloatField(null=True, blank=True, verbose_name=_("approximate latitude"))
    approx_lon = models.FloatField(null=True, blank=True, verbose_name=_("approximate longitude"))
    status = models.CharField(
        max_length=16,
        choices=PostingStatus.choices,
        default=PostingStatus.OPEN,
        verbose_name=_("status"),
    )
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    expiry_reminder_sent_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("expiry reminder sent at")
    )
    hidden_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hidden at"))
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hidden by"),
    )

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
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
    posting = models.ForeignKey(
        Posting, on_delete=models.CASCADE, related_name="photos", verbose_name=_("posting")
    )
    # Re-encoded JPEG, at most PHOTO_MAX_EDGE px on the long side, without EXIF.
    image = models.FileField(
        upload_to="marketplace/%Y/%m/", max_length=200, verbose_name=_("image")
    )
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("posting photo")
        verbose_name_plural = _("posting photos")

    def __str__(self) -> str:
        return str(self.image.name)


class PostingReport(models.Model):
    posting = models.ForeignKey(
        Posting, on_delete=models.CASCADE, related_name="reports", verbose_name=_("posting")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("reporter"),
    )
    reason = models.CharField(max_length=500, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))

    class Meta:
        verbose_name = _("posting report")
        verbose_name_plural = _("posting reports")
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

    posting = models.ForeignKey(
        Posting, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("posting")
    )
    replier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="posting_conversations",
        verbose_name=_("replier"),
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
        verbose_name=_("room"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
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

    posting = models.ForeignKey(
        Posting, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("posting")
    )
    conversation = models.OneToOneField(
        Conversation,
        on_delete=models.CASCADE,
        related_name="agreement",
        verbose_name=_("conversation"),
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("helper"),
    )
    helped = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("helped"),
    )
    status = models.CharField(
        max_length=16,
        choices=AgreementStatus.choices,
        default=AgreementStatus.ACCEPTED,
        verbose_name=_("status"),
    )
    proposed_minutes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("proposed minutes")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))
    # The ledger transfer that paid it (kept as a plain id: the ledger owns its rows).
    transfer_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("transfer ID"))

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
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
