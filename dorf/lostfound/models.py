"""The Fundbüro: finds, lost reports, claims and handovers, by BGB §§ 965-984.

Rules the models carry (the services enforce them, the tests prove them):

- the owner's rights end six months after the find was reported to the town hall (§ 973);
  for an item worth at most 10 euros the six months start at the find itself (§ 973 II);
- the finder's reward is 5 % of the value up to 500 euros and 3 % of the rest, 3 % for
  animals (§ 971);
- the secret identifying features of a find are never shown to anyone but the town hall
  staff and the finder: a claimant describes them, staff compare;
- a find may have up to five photos, never one of an ID document (the photo would be a
  copy of someone's passport): a find in that category takes no photos, and a find moved
  into it loses the ones it had;
- money is whole cents.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel


class ItemCategory(models.TextChoices):
    KEYS = "keys", _("Keys")
    PHONE = "phone", _("Phone")
    WALLET = "wallet", _("Wallet or purse")
    ID_DOCUMENT = "id_document", _("ID document")
    BICYCLE = "bicycle", _("Bicycle")
    JEWELLERY = "jewellery", _("Jewellery")
    CLOTHING = "clothing", _("Clothing")
    ANIMAL = "animal", _("Animal")
    OTHER = "other", _("Other")


class Storage(models.TextChoices):
    FINDER = "finder", _("Kept by the finder")
    TOWN_HALL = "town_hall", _("Kept at the town hall")


class FindState(models.TextChoices):
    REPORTED = "reported", _("Reported")
    STORED = "stored", _("Stored")
    CLAIMED = "claimed", _("Claimed")
    HANDED_OVER = "handed_over", _("Handed over to the owner")
    TO_FINDER = "to_finder", _("Passed to the finder")
    TO_MUNICIPALITY = "to_municipality", _("Passed to the municipality")
    DISPOSED = "disposed", _("Disposed of")


OPEN_STATES = (FindState.REPORTED, FindState.STORED, FindState.CLAIMED)
CLOSED_STATES = (
    FindState.HANDED_OVER,
    FindState.TO_FINDER,
    FindState.TO_MUNICIPALITY,
    FindState.DISPOSED,
)


class AfterDeadline(models.TextChoices):
    """What the finder chose for the day the owner's rights end (§ 973, § 976)."""

    FINDER = "finder", _("The finder takes the item")
    MUNICIPALITY = "municipality", _("The municipality takes the item")


class FoundItem(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="found_items",
        verbose_name=_("village"),
    )
    number = models.CharField(_("number"), max_length=20)
    category = models.CharField(_("category"), max_length=20, choices=ItemCategory.choices)
    description = models.CharField(_("public description"), max_length=500)
    secret_features = models.TextField(_("secret identifying features"), max_length=2000)
    found_at = models.DateTimeField(_("found at"))
    found_place = models.CharField(_("where found (coarse)"), max_length=200)
    # Rounded to about 100 m before storing: the exact spot may identify a home.
    found_lat = models.FloatField(null=True, blank=True, verbose_name=_("latitude of the find"))
    found_lon = models.FloatField(null=True, blank=True, verbose_name=_("longitude of the find"))
    value_cents = models.PositiveIntegerField(_("estimated value (cents)"))
    storage = models.CharField(_("storage"), max_length=20, choices=Storage.choices)
    shelf = models.CharField(_("shelf"), max_length=50, blank=True)
    finder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="found_items",
        verbose_name=_("finder"),
    )
    finder_anonymous = models.BooleanField(_("finder anonymous to the public"), default=True)
    after_deadline = models.CharField(
        _("after the deadline"), max_length=20, choices=AfterDeadline.choices
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"))
    deadline_at = models.DateTimeField(_("owner's rights end"), db_index=True)
    deadline_reminder_sent_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("deadline reminder sent at")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=FindState.choices, default=FindState.REPORTED
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    personal_data_erased_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("personal data erased at")
    )

    class Meta:
        verbose_name = _("found item")
        verbose_name_plural = _("found items")
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="found_item_number"),
            models.CheckConstraint(
                condition=Q(deadline_at__gt=models.F("found_at")),
                name="found_item_deadline_after_find",
            ),
        ]
        indexes = [models.Index(fields=["village", "state", "-found_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class FoundItemPhoto(models.Model):
    found_item = models.ForeignKey(
        FoundItem, on_delete=models.CASCADE, related_name="photos", verbose_name=_("found item")
    )
    # Re-encoded JPEG without EXIF (dorf.core.photos), served by dorf.core.media only to
    # the village's members (dorf.lostfound.media).
    image = models.FileField(upload_to="lostfound/%Y/%m/", max_length=200, verbose_name=_("image"))
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("photo of a find")
        verbose_name_plural = _("photos of finds")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.image.name)


class LostReport(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="lost_reports",
        verbose_name=_("village"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lost_reports",
        verbose_name=_("reporter"),
    )
    category = models.CharField(_("category"), max_length=20, choices=ItemCategory.choices)
    description = models.CharField(_("description"), max_length=500)
    lost_from = models.DateField(_("lost at the earliest"))
    lost_until = models.DateField(_("lost at the latest"))
    lost_place = models.CharField(_("where lost"), max_length=200, blank=True)
    lost_lat = models.FloatField(null=True, blank=True, verbose_name=_("latitude of the loss"))
    lost_lon = models.FloatField(null=True, blank=True, verbose_name=_("longitude of the loss"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lost report")
        verbose_name_plural = _("lost reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(lost_until__gte=models.F("lost_from")), name="lost_report_dates_order"
            )
        ]
        indexes = [models.Index(fields=["village", "category", "closed_at"])]

    def __str__(self) -> str:
        return self.description


class Match(models.Model):
    """A find that fits a lost report; the loser is told once per pair."""

    lost_report = models.ForeignKey(
        LostReport, on_delete=models.CASCADE, related_name="matches", verbose_name=_("lost report")
    )
    found_item = models.ForeignKey(
        FoundItem, on_delete=models.CASCADE, related_name="matches", verbose_name=_("found item")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["lost_report", "found_item"], name="match_once")
        ]

    def __str__(self) -> str:
        return f"{self.lost_report_id} ~ {self.found_item_id}"


class ClaimState(models.TextChoices):
    PENDING = "pending", _("Waiting for the town hall")
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Claim(TimeStampedModel):
    found_item = models.ForeignKey(
        FoundItem, on_delete=models.CASCADE, related_name="claims", verbose_name=_("found item")
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="lostfound_claims",
        verbose_name=_("claimant"),
    )
    features = models.TextField(_("the claimant's description of the features"), max_length=2000)
    state = models.CharField(
        _("state"), max_length=20, choices=ClaimState.choices, default=ClaimState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            # One open claim per person and find; at most one granted claim per find.
            models.UniqueConstraint(
                fields=["found_item", "claimant"],
                condition=Q(state="pending"),
                name="claim_one_pending_per_claimant",
            ),
            models.UniqueConstraint(
                fields=["found_item"], condition=Q(state="granted"), name="claim_one_granted"
            ),
        ]


class HandoverTo(models.TextChoices):
    OWNER = "owner", _("Owner")
    FINDER = "finder", _("Finder")
    MUNICIPALITY = "municipality", _("Municipality")
    DISPOSED = "disposed", _("Disposed of")


class Handover(TimeStampedModel):
    """How a case ended: who got the item, with the identity check, reward and fee."""

    found_item = models.OneToOneField(
        FoundItem, on_delete=models.CASCADE, related_name="handover", verbose_name=_("found item")
    )
    to = models.CharField(_("to"), max_length=20, choices=HandoverTo.choices)
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("claim")
    )
    identity_checked = models.BooleanField(_("identity checked"), default=False)
    reward_cents = models.PositiveIntegerField(_("finder's reward (cents)"), default=0)
    fee_cents = models.PositiveIntegerField(_("fee (cents)"), default=0)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("staff"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(to="owner") | Q(identity_checked=True, claim__isnull=False),
                name="handover_owner_needs_checked_claim",
            )
        ]
