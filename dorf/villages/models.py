"""Villages are the tenants: every other domain object belongs to exactly one village."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel


def new_invite_code() -> str:
    return secrets.token_urlsafe(9)


class Bundesland(models.TextChoices):
    """The German states as ISO 3166-2:DE codes, the names the ``holidays`` package uses."""

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


class Village(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(unique=True, verbose_name=_("slug"))
    centre_lat = models.FloatField(_("centre latitude"))
    centre_lon = models.FloatField(_("centre longitude"))
    # Households farther than this from the centre are refused as "outside the village".
    radius_m = models.PositiveIntegerField(default=5000, verbose_name=_("radius (m)"))
    timezone = models.CharField(max_length=64, default="Europe/Berlin", verbose_name=_("timezone"))
    # Whose public holidays apply (e.g. to "PH off" in a shop's opening hours); blank: the
    # nationwide holidays only. The database default lets rows written without the field
    # (older migrations' historical models, raw inserts) get the blank.
    bundesland = models.CharField(
        _("federal state"),
        max_length=2,
        choices=Bundesland.choices,
        blank=True,
        default="",
        db_default="",
    )
    invite_code = models.CharField(
        max_length=32, unique=True, default=new_invite_code, verbose_name=_("invite code")
    )
    # Time-credit settings (minutes). The credit limit is how far below zero a resident may go.
    credit_limit_minutes = models.IntegerField(default=-600, verbose_name=_("credit limit minutes"))
    max_balance_minutes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("max balance minutes")
    )
    max_transfer_minutes = models.PositiveIntegerField(
        default=1200, verbose_name=_("max transfer minutes")
    )
    welcome_credit_minutes = models.PositiveIntegerField(
        default=0, verbose_name=_("welcome credit minutes")
    )

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit_minutes__lte=0), name="village_credit_limit_not_positive"
            ),
            models.CheckConstraint(
                condition=Q(centre_lat__gte=-90, centre_lat__lte=90)
                & Q(centre_lon__gte=-180, centre_lon__lte=180),
                name="village_centre_on_earth",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PostalAddress(models.Model):
    """A street address with its coordinates (WGS84 degrees)."""

    street = models.CharField(max_length=120, verbose_name=_("street"))
    house_number = models.CharField(max_length=12, verbose_name=_("house number"))
    postcode = models.CharField(max_length=10, blank=True, verbose_name=_("postcode"))
    latitude = models.FloatField(verbose_name=_("latitude"))
    longitude = models.FloatField(verbose_name=_("longitude"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.street} {self.house_number}"


class AddressEntry(PostalAddress):
    """The village's own address register: known addresses with coordinates."""

    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("village")
    )

    class Meta:
        verbose_name = _("address entry")
        verbose_name_plural = _("address entries")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "street", "house_number"], name="address_entry_unique"
            )
        ]
        ordering = ["street", "house_number"]


class Household(PostalAddress, TimeStampedModel):
    """One address where residents live; parcels are delivered to households."""

    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="households", verbose_name=_("village")
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "street", "house_number"], name="household_unique_address"
            )
        ]


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    MODERATOR = "moderator", _("Moderator")
    STAFF = "staff", _("Municipality staff")


class MembershipState(models.TextChoices):
    PENDING = "pending", _("Pending")
    VERIFIED = "verified", _("Verified")
    BANNED = "banned", _("Banned")
    # The account was erased (GDPR): the row stays for the books, the person is gone.
    LEFT = "left", _("Left")


MODERATING_ROLES = (Role.MODERATOR, Role.STAFF)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def verified(self) -> MembershipQuerySet:
        return self.filter(state=MembershipState.VERIFIED)


class Membership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("village")
    )
    role = models.CharField(
        max_length=16, choices=Role.choices, default=Role.RESIDENT, verbose_name=_("role")
    )
    state = models.CharField(
        max_length=16,
        choices=MembershipState.choices,
        default=MembershipState.PENDING,
        verbose_name=_("state"),
    )
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        verbose_name=_("household"),
    )
    request_message = models.CharField(
        max_length=500, blank=True, verbose_name=_("request message")
    )
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("verified at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
    )
    banned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("banned at"))
    ban_reason = models.CharField(max_length=500, blank=True, verbose_name=_("ban reason"))

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "village"], name="membership_unique_user"),
        ]
        indexes = [models.Index(fields=["village", "state"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.village_id} ({self.role}, {self.state})"

    @property
    def is_verified(self) -> bool:
        return self.state == MembershipState.VERIFIED

    @property
    def is_moderator(self) -> bool:
        return self.is_verified and self.role in MODERATING_ROLES

    @property
    def is_staff(self) -> bool:
        return self.is_verified and self.role == Role.STAFF
