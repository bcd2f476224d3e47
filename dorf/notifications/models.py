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
    WASTE = "waste", _("Waste collection")


class Urgency(models.TextChoices):
    """RFC 8030 section 5.3: how soon the device should wake for it."""

    VERY_LOW = "very-low", _("Very low")
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    # Severe warnings: also ignore the recipient's quiet hours.
    HIGH = "high", _("High")


class Notification(models.Model):
    """One entry of a user's in-app feed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    village = models.ForeignKey(
        "villages.Village",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("village"),
    )
    # No choices: a new category (dorf.notifications.categories) needs no migration.
    category = models.CharField(max_length=32, verbose_name=_("category"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    body = models.CharField(max_length=1000, blank=True, verbose_name=_("body"))
    # What the notification is about, e.g. ("posting", 17), for the client to open it.
    # Whose name or words the title and body carry (the sender of a message, the author of
    # a quoted posting): erasing that person's account blanks them in everyone's feed.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    link_type = models.CharField(max_length=32, blank=True, verbose_name=_("link type"))
    link_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("link ID"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))
    # How push treats it (RFC 8030): urgency, a topic that replaces an older undelivered
    # push with the same topic, and when it is pointless (the push TTL runs until then).
    urgency = models.CharField(
        max_length=8, choices=Urgency.choices, default=Urgency.NORMAL, verbose_name=_("urgency")
    )
    topic = models.CharField(max_length=32, blank=True, verbose_name=_("topic"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    # Push and e-mail even in the recipient's quiet hours: set when the recipient chose a
    # time inside them themselves (a waste reminder at 05:30), never for severity.
    ignore_quiet_hours = models.BooleanField(default=False, verbose_name=_("ignores quiet hours"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "-id"]), models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.category} for {self.user_id}: {self.title}"


class NotificationPreference(models.Model):
    """Which channels a user wants for one category (absent: the category's defaults).

    The in-app feed always gets the notification; ``socket`` is the live event while the
    app is open, ``push`` Web Push to every subscribed device, ``email`` a mail.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    # No choices: a new category (dorf.notifications.categories) needs no migration.
    category = models.CharField(max_length=32, verbose_name=_("category"))
    socket = models.BooleanField(default=True, verbose_name=_("socket"))
    push = models.BooleanField(default=True, verbose_name=_("push"))
    email = models.BooleanField(default=False, verbose_name=_("email"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.category} socket={self.socket} push={self.push} email={self.email}"


class QuietHours(models.Model):
    """When push and e-mail wait (absent: 22:00-07:00), in the village's time zone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quiet_hours",
        verbose_name=_("user"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    starts = models.TimeField(verbose_name=_("starts"))
    ends = models.TimeField(verbose_name=_("ends"))

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.starts}-{self.ends} enabled={self.enabled}"


class PushSubscription(models.Model):
    """One browser or device's Web Push subscription (RFC 8030 endpoint + RFC 8291 keys)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
        verbose_name=_("user"),
    )
    endpoint = models.URLField(max_length=1000, unique=True, verbose_name=_("endpoint"))
    p256dh = models.CharField(max_length=100, verbose_name=_("P-256 key"))
    auth = models.CharField(max_length=50, verbose_name=_("auth secret"))
    user_agent = models.CharField(max_length=200, blank=True, verbose_name=_("user agent"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # Apps refresh at every start and on pushsubscriptionchange; 90 days without a
    # refresh and the subscription is taken for silently expired (some push services
    # answer 201 for dead endpoints for ever).
    refreshed_at = models.DateTimeField(verbose_name=_("refreshed at"))
    last_success_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last success at"))

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        indexes = [
            models.Index(fields=["user", "refreshed_at"]),
            models.Index(fields=["refreshed_at"]),
        ]

    def __str__(self) -> str:
        return f"push {self.pk} of {self.user_id}"

    def subscription_info(self) -> dict[str, object]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class DeliveryChannel(models.TextChoices):
    PUSH = "push", _("Web Push")
    EMAIL = "email", _("E-mail")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One notification on its way through push (per subscription) or e-mail.

    The row is the idempotency key of the Celery task that sends it: a task first flips
    it from pending to sending with a guarded update, so a retried or duplicated task
    never sends twice. A send interrupted by a crash is not repeated (at most once).
    """

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="+", verbose_name=_("notification")
    )
    channel = models.CharField(
        max_length=8, choices=DeliveryChannel.choices, verbose_name=_("channel")
    )
    subscription = models.ForeignKey(
        PushSubscription,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("subscription"),
    )
    state = models.CharField(
        max_length=8,
        choices=DeliveryState.choices,
        default=DeliveryState.PENDING,
        verbose_name=_("state"),
    )
    # Not before (quiet hours, Retry-After).
    due_at = models.DateTimeField(verbose_name=_("due at"))
    enqueued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("enqueued at"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    tries = models.PositiveSmallIntegerField(default=0, verbose_name=_("tries"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    last_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("last status")
    )
    last_error = models.CharField(max_length=200, blank=True, verbose_name=_("last error"))

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "subscription"],
                condition=models.Q(channel="push"),
                name="delivery_push_once_per_subscription",
            ),
            models.UniqueConstraint(
                fields=["notification"],
                condition=models.Q(channel="email"),
                name="delivery_email_once",
            ),
            models.CheckConstraint(
                condition=models.Q(channel="email", subscription=None)
                | models.Q(channel="push", subscription__isnull=False),
                name="delivery_push_has_subscription",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"{self.channel} of {self.notification_id}: {self.state}"
