from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    MENTION = "mention", _("Mention")
    REPLY = "reply", _("Reply")
    DIRECT_MESSAGE = "direct_message", _("Direct message")
    MODERATION = "moderation", _("Moderation decision")
    REPORT = "report", _("Report to moderators")
    MARKETPLACE = "marketplace", _("Marketplace")
    CLUB = "club", _("Club")
    RSVP = "rsvp", _("Event RSVP")
    LEDGER = "ledger", _("Time credits")
    DELIVERY = "delivery", _("Delivery")
    VILLAGE = "village", _("Village")
    NEWS = "news", _("News from the town hall and clubs")
    WARNING = "warning", _("Official warning")


class Notification(models.Model):
    """One entry of a user's in-app feed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    village = models.ForeignKey(
        "villages.Village", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(max_length=32, choices=Category.choices)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=1000, blank=True)
    # What the notification is about, e.g. ("posting", 17), for the client to open it.
    # Whose name or words the title and body carry (the sender of a message, the author of
    # a quoted posting): erasing that person's account blanks them in everyone's feed.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_type = models.CharField(max_length=32, blank=True)
    link_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-id"]), models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.category} for {self.user_id}: {self.title}"


class NotificationPreference(models.Model):
    """A category the user muted: still stored in the feed, but not pushed live."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField(max_length=32, choices=Category.choices)
    muted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.category} muted={self.muted}"
