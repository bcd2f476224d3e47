"""The time-credit ledger: accounts, immutable double-entry transfers, payment requests.

Invariants (checked by ``manage.py ledger_audit`` and, on PostgreSQL, partly by the database):

1. Every transfer has two or more entries whose minutes sum to 0; an entry is never 0.
2. Per village, the balances of all accounts sum to 0: the community account issues
   credits (it may go negative), every other minute came from somewhere.
3. ``Account.balance_minutes`` is a cache, written only while the account row is locked;
   it always equals the sum of the account's entries, and each entry's
   ``balance_after_minutes`` is the running balance right after it.
4. Transfers and entries are never updated or deleted: a mistake is undone by a new
   reversal transfer pointing at the original. The only permitted change is the GDPR
   redaction of a memo to ``MEMO_ERASED`` (see docs/ledger.md).
5. (village, idempotency_key) is unique: a retried request never pays twice.
6. Member accounts stay within the village's credit limit and optional maximum; club
   accounts never go below zero; the community account has no limits.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dorf.core.privacy import ERASED

MEMO_ERASED = ERASED  # the database trigger (migration 0002) checks this text
MEMO_MAX_LENGTH = 500
IDEMPOTENCY_KEY_MAX_LENGTH = 200
# Stored keys carry a scope in front of the client's key ("request:<user id>:<key>"):
# the column has room for the longest such prefix plus a key of the documented 200.
STORED_KEY_MAX_LENGTH = 255


class AccountKind(models.TextChoices):
    MEMBER = "member", _("Member")
    CLUB = "club", _("Club")
    COMMUNITY = "community", _("Community")


class TransferKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    HELP = "help", _("Help completed")
    SHIFT = "shift", _("Volunteer shift")
    DELIVERY = "delivery", _("Delivery route")
    WELCOME = "welcome", _("Welcome credit")
    REVERSAL = "reversal", _("Reversal")
    GRANT = "grant", _("Grant to a club")


class LinkType(models.TextChoices):
    NONE = "", _("None")
    POSTING = "posting", _("Posting")
    SHIFT = "shift", _("Shift")
    ROUTE = "route", _("Route")


class Account(models.Model):
    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    kind = models.CharField(max_length=16, choices=AccountKind.choices, verbose_name=_("kind"))
    # PROTECT: an account with history must outlive nothing it points at (users are
    # erased, never deleted).
    membership = models.OneToOneField(
        "villages.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_account",
        verbose_name=_("membership"),
    )
    name = models.CharField(max_length=120, blank=True, verbose_name=_("name"))
    balance_minutes = models.BigIntegerField(default=0, verbose_name=_("balance minutes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("time account")
        verbose_name_plural = _("time accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=AccountKind.MEMBER, membership__isnull=False)
                | (~Q(kind=AccountKind.MEMBER) & Q(membership__isnull=True)),
                name="ledger_account_membership_iff_member",
            ),
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(kind=AccountKind.COMMUNITY),
                name="ledger_one_community_account_per_village",
            ),
            models.CheckConstraint(
                condition=~Q(kind=AccountKind.CLUB) | Q(balance_minutes__gte=0),
                name="ledger_club_account_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["village", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} account {self.pk} ({self.balance_minutes} min)"


class Transfer(models.Model):
    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    kind = models.CharField(max_length=16, choices=TransferKind.choices, verbose_name=_("kind"))
    memo = models.CharField(max_length=MEMO_MAX_LENGTH, verbose_name=_("memo"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    idempotency_key = models.CharField(
        max_length=STORED_KEY_MAX_LENGTH, verbose_name=_("idempotency key")
    )
    # SHA-256 of the canonical request: the same key with a different body is a conflict.
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    link_type = models.CharField(
        max_length=16, choices=LinkType.choices, blank=True, verbose_name=_("link type")
    )
    link_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("link ID"))
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    # A default rather than auto_now_add so that the demo can book a believable history.
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    # Set by transfer_create on the transfer it just booked (not a column).
    booked_entries: list[Entry] | None = None

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "idempotency_key"], name="ledger_transfer_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(kind=TransferKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=TransferKind.REVERSAL) & Q(reverses__isnull=True)),
                name="ledger_transfer_reversal_points_at_original",
            ),
        ]
        indexes = [
            models.Index(fields=["village", "link_type", "link_id"]),
            models.Index(fields=["village", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} transfer {self.pk}"


class Entry(models.Model):
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, related_name="entries", verbose_name=_("transfer")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account")
    )
    minutes = models.BigIntegerField(verbose_name=_("minutes"))
    # The account's balance right after this entry: written under the account's row lock,
    # so a statement's running balance needs no window function and the audit can replay.
    balance_after_minutes = models.BigIntegerField(verbose_name=_("balance after minutes"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=~Q(minutes=0), name="ledger_entry_not_zero"),
            models.UniqueConstraint(
                fields=["transfer", "account"], name="ledger_entry_one_per_account"
            ),
        ]
        indexes = [models.Index(fields=["account", "-id"])]

    def __str__(self) -> str:
        return f"{self.minutes:+} min on account {self.account_id}"


class PaymentRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class PaymentRequest(models.Model):
    """The payee asks the payer for minutes; the payer confirms (a payment) or declines."""

    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    payee = models.ForeignKey(
        "villages.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("payee")
    )
    payer = models.ForeignKey(
        "villages.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("payer")
    )
    minutes = models.PositiveIntegerField(verbose_name=_("minutes"))
    memo = models.CharField(max_length=MEMO_MAX_LENGTH, verbose_name=_("memo"))
    status = models.CharField(
        max_length=16,
        choices=PaymentRequestStatus.choices,
        default=PaymentRequestStatus.PENDING,
        verbose_name=_("status"),
    )
    idempotency_key = models.CharField(
        max_length=STORED_KEY_MAX_LENGTH, verbose_name=_("idempotency key")
    )
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    transfer = models.OneToOneField(
        Transfer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("transfer"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "idempotency_key"],
                name="ledger_payment_request_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="ledger_request_positive"),
        ]
        indexes = [
            models.Index(fields=["payer", "status"]),
            models.Index(fields=["payee", "status"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"request {self.pk}: {self.minutes} min ({self.status})"
