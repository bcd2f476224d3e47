"""The Branchenverzeichnis: the village's shops, trades, doctors, services, restaurants
and the mobile bakery's stops, with opening hours in the OpenStreetMap syntax.

An entry is kept by staff, or by its owner: a verified member whose claim staff confirmed.
Owners' changes are visible at once; django-auditlog keeps the history of every entry.

The parcel pickup point an entry is, if any, is a foreign key by name to the deliveries
app's ``PickupPoint`` (no import: feature apps do not import each other); the services
check that it belongs to the same village.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel


def pickup_point_model() -> type[models.Model]:
    """The deliveries app's PickupPoint, through the model registry (no sideways import)."""
    return apps.get_model("deliveries", "PickupPoint")


class EntryCategory(models.TextChoices):
    SHOP = "shop", _("Shop")
    TRADE = "trade", _("Trade and craft")
    HEALTH = "health", _("Doctor and health")
    SERVICE = "service", _("Service")
    FOOD = "food", _("Restaurant and café")
    MOBILE = "mobile", _("Mobile sales stop")
    OTHER = "other", _("Other")


class DirectoryEntry(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="directory_entries",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=16, choices=EntryCategory.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    # OSM opening_hours syntax, validated on write (dorf.directory.hours); blank: unknown.
    opening_hours = models.CharField(_("opening hours"), max_length=500, blank=True)
    delivers = models.BooleanField(_("delivers"), default=False)
    pickup_point = models.ForeignKey(
        "deliveries.PickupPoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("parcel pickup point"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directory_entries",
        verbose_name=_("owner"),
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                condition=Q(archived_at__isnull=True),
                name="directory_entry_unique_name",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="directory_entry_location_on_earth",
            ),
        ]
        indexes = [models.Index(fields=["village", "category", "name"])]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, object]:
        """What django-auditlog stores beside each change: the village, so the entry's
        history shows in that village's backoffice audit log, and what kind of change."""
        return {"village_id": self.village_id, "verb": "directory.entry_change"}


class ClaimState(models.TextChoices):
    PENDING = "pending", _("Waiting for the town hall")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class OwnershipClaim(TimeStampedModel):
    """A member says "this is my business"; staff confirm or reject."""

    entry = models.ForeignKey(
        DirectoryEntry, on_delete=models.CASCADE, related_name="claims", verbose_name=_("entry")
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="directory_claims",
        verbose_name=_("claimant"),
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ClaimState.choices, default=ClaimState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ownership claim")
        verbose_name_plural = _("ownership claims")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "claimant"],
                condition=Q(state="pending"),
                name="directory_claim_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.claimant_id} → {self.entry_id}"
