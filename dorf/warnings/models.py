"""Official warnings (NINA: MoWaS, KATWARN, BIWAPP, DWD, LHP; optionally DWD CAP directly).

A ``WarningMessage`` is one CAP message (Alert, Update or Cancel), stored once under its
canonical identifier: the same message seen twice, or from NINA and from the DWD feed,
is one row. Messages that reference each other form one ``OfficialWarning`` (the incident, with
the latest message's content). ``WarningVillage`` says which villages a warning reaches;
``WarningPush`` is the once-only record of "this message was pushed to this village":
its unique constraint is what makes Alert → Update → Cancel exactly three pushes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel


class WarningArea(TimeStampedModel):
    """How a village is found in warnings: its ARS, DWD warn cells and its area."""

    village = models.OneToOneField(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="warning_area",
        verbose_name=_("village"),
    )
    # Amtlicher Regionalschlüssel, 12 digits (validated in services).
    ars = models.CharField(max_length=12, verbose_name=_("regional key (ARS)"))
    warn_cells = models.JSONField(default=list, blank=True, verbose_name=_("warn cells"))
    # A GeoJSON Polygon/MultiPolygon; without it the village's centre and radius count.
    area = models.JSONField(null=True, blank=True, verbose_name=_("area"))
    last_polled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last polled at"))
    last_error = models.CharField(max_length=300, blank=True, verbose_name=_("last error"))

    class Meta:
        verbose_name = _("warning area")
        verbose_name_plural = _("warning areas")
        constraints = [
            models.CheckConstraint(condition=Q(ars__regex=r"^[0-9]{12}$"), name="warning_area_ars"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id}: {self.ars}"

    @property
    def district_ars(self) -> str:
        """What NINA's dashboard wants: the district's key, the last 7 digits zeroed."""
        return self.ars[:5] + "0000000"


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme")
    SEVERE = "Severe", _("Severe")
    MODERATE = "Moderate", _("Moderate")
    MINOR = "Minor", _("Minor")
    UNKNOWN = "Unknown", _("Unknown")


class MsgType(models.TextChoices):
    ALERT = "Alert", _("Alert")
    UPDATE = "Update", _("Update")
    CANCEL = "Cancel", _("Cancel")


class OfficialWarning(TimeStampedModel):
    """One incident: the chain of messages that reference each other."""

    # The identifier of the chain's first message we saw.
    root_identifier = models.CharField(
        max_length=255, unique=True, verbose_name=_("root identifier")
    )
    source = models.CharField(max_length=32, verbose_name=_("source"))
    provider = models.CharField(max_length=32, blank=True, verbose_name=_("provider"))
    # The current content (of the latest message of the chain).
    event = models.CharField(max_length=200, blank=True, verbose_name=_("event"))
    headline = models.CharField(max_length=500, verbose_name=_("headline"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    instruction = models.TextField(blank=True, verbose_name=_("instruction"))
    severity = models.CharField(max_length=16, choices=Severity.choices, verbose_name=_("severity"))
    urgency = models.CharField(max_length=16, blank=True, verbose_name=_("urgency"))
    certainty = models.CharField(max_length=16, blank=True, verbose_name=_("certainty"))
    sender_name = models.CharField(max_length=200, blank=True, verbose_name=_("sender name"))
    onset = models.DateTimeField(null=True, blank=True, verbose_name=_("onset"))
    expires = models.DateTimeField(null=True, blank=True, verbose_name=_("expires"))
    sent = models.DateTimeField(verbose_name=_("sent"))
    # Set by a Cancel (the all-clear), or when the warning left the source's list.
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    cancelled = models.BooleanField(default=False, verbose_name=_("cancelled"))

    class Meta:
        verbose_name = _("official warning")
        verbose_name_plural = _("official warnings")
        indexes = [models.Index(fields=["ended_at", "expires"])]

    def __str__(self) -> str:
        return self.headline


class WarningMessage(models.Model):
    """One CAP message, under its canonical identifier (the source's prefix removed)."""

    warning = models.ForeignKey(
        OfficialWarning,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("warning"),
    )
    identifier = models.CharField(max_length=255, unique=True, verbose_name=_("identifier"))
    source = models.CharField(max_length=32, verbose_name=_("source"))
    sender = models.CharField(max_length=200, blank=True, verbose_name=_("sender"))
    sent = models.DateTimeField(verbose_name=_("sent"))
    status = models.CharField(max_length=16, verbose_name=_("status"))
    msg_type = models.CharField(
        max_length=16, choices=MsgType.choices, verbose_name=_("message type")
    )
    scope = models.CharField(max_length=16, verbose_name=_("scope"))
    references = models.JSONField(default=list, blank=True, verbose_name=_("references"))
    event = models.CharField(max_length=200, blank=True, verbose_name=_("event"))
    headline = models.CharField(max_length=500, verbose_name=_("headline"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    instruction = models.TextField(blank=True, verbose_name=_("instruction"))
    severity = models.CharField(max_length=16, choices=Severity.choices, verbose_name=_("severity"))
    urgency = models.CharField(max_length=16, blank=True, verbose_name=_("urgency"))
    certainty = models.CharField(max_length=16, blank=True, verbose_name=_("certainty"))
    onset = models.DateTimeField(null=True, blank=True, verbose_name=_("onset"))
    expires = models.DateTimeField(null=True, blank=True, verbose_name=_("expires"))
    geometry = models.JSONField(
        null=True, blank=True, verbose_name=_("geometry")
    )  # GeoJSON geometry, WGS84
    geocodes = models.JSONField(
        default=list, blank=True, verbose_name=_("geocodes")
    )  # [[valueName, value], ...]
    raw = models.TextField(verbose_name=_("raw"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("warning message")
        verbose_name_plural = _("warning messages")

    def __str__(self) -> str:
        return f"{self.msg_type} {self.identifier}"


class WarningVillage(models.Model):
    """A warning reaches a village (its area intersects, or its geocodes match)."""

    warning = models.ForeignKey(
        OfficialWarning,
        on_delete=models.CASCADE,
        related_name="villages",
        verbose_name=_("warning"),
    )
    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("affected village")
        verbose_name_plural = _("affected villages")
        constraints = [
            models.UniqueConstraint(fields=["warning", "village"], name="warning_village_once"),
        ]

    def __str__(self) -> str:
        return f"{self.warning_id} → {self.village_id}"


class WarningPush(models.Model):
    """This message was pushed to this village's residents (at most once, by constraint)."""

    message = models.ForeignKey(
        WarningMessage, on_delete=models.CASCADE, related_name="pushes", verbose_name=_("message")
    )
    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    urgency = models.CharField(max_length=8, verbose_name=_("urgency"))  # high / normal
    all_clear = models.BooleanField(default=False, verbose_name=_("all clear"))
    recipients = models.PositiveIntegerField(default=0, verbose_name=_("recipients"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("warning push")
        verbose_name_plural = _("warning pushes")
        constraints = [
            models.UniqueConstraint(fields=["message", "village"], name="warning_push_once"),
        ]

    def __str__(self) -> str:
        return f"push {self.message_id} → {self.village_id}"


class CheckInAnswer(models.TextChoices):
    SAFE = "safe", _("I am safe")
    NEED_HELP = "need_help", _("I need help")


class CheckIn(TimeStampedModel):
    """A resident's answer after a warning (erased with the user, dropped 30 days after
    the warning ended)."""

    warning = models.ForeignKey(
        OfficialWarning,
        on_delete=models.CASCADE,
        related_name="checkins",
        verbose_name=_("warning"),
    )
    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="warning_checkins",
        verbose_name=_("user"),
    )
    answer = models.CharField(
        max_length=16, choices=CheckInAnswer.choices, verbose_name=_("answer")
    )
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    # The help request that "need help" opened in the marketplace (its id only).
    help_posting_id = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("help posting ID")
    )

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["warning", "user"], name="checkin_once_per_warning"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.answer}"
