"""Read use-cases of the ledger, already scoped to what the viewer may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dorf.ledger.models import (
    Account,
    AccountKind,
    Entry,
    PaymentRequest,
    Transfer,
    TransferKind,
)
from dorf.users.models import User, display_name
from dorf.villages.models import Membership, MembershipState, Village

# Kinds that are help between people (what "hours exchanged" counts); welcome credits,
# grants and reversals move minutes without anyone having helped.
EXCHANGE_KINDS = (
    TransferKind.PAYMENT,
    TransferKind.HELP,
    TransferKind.SHIFT,
    TransferKind.DELIVERY,
)
TOP_HELPERS_DAYS = 90
FIGURES_MONTHS = 12


def entries_with_accounts() -> Prefetch[Any]:
    return Prefetch(
        "entries",
        queryset=Entry.objects.select_related("account__membership__user").order_by("id"),
    )


def account_balance(*, membership: Membership) -> Account | None:
    return Account.objects.filter(membership=membership).first()


def statement_entries(
    *,
    account: Account,
    kind: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Entry]:
    """The account's entries, newest first, with their transfer and counterparties."""
    entries = (
        Entry.objects.filter(account=account)
        .select_related("transfer")
        .prefetch_related(
            Prefetch(
                "transfer__entries",
                queryset=Entry.objects.select_related("account__membership__user").order_by("id"),
            )
        )
    )
    if kind:
        entries = entries.filter(transfer__kind=kind)
    if since:
        entries = entries.filter(transfer__created_at__date__gte=since)
    if until:
        entries = entries.filter(transfer__created_at__date__lte=until)
    return entries.order_by("-id")


# What a statement row shows (``StatementEntrySerializer``'s fields but the counterparties).
STATEMENT_ROW_FIELDS = (
    "id",
    "account_id",
    "transfer_id",
    "transfer__kind",
    "transfer__memo",
    "minutes",
    "balance_after_minutes",
    "transfer__created_at",
)


def statement_rows(
    *,
    user: User,
    village_slug: str,
    kind: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Entry, dict[str, Any]]:
    """The entries of the account of ``user``'s verified membership in the village, as
    ``STATEMENT_ROW_FIELDS`` rows, newest first (counterparties: ``counterparty_labels``);
    none without an account or such a membership. What ``statement_entries`` gives, in
    one query without model instances."""
    entries = Entry.objects.filter(
        account__membership__user=user,
        account__membership__village__slug=village_slug,
        account__membership__state=MembershipState.VERIFIED,
    )
    if kind:
        entries = entries.filter(transfer__kind=kind)
    if since:
        entries = entries.filter(transfer__created_at__date__gte=since)
    if until:
        entries = entries.filter(transfer__created_at__date__lte=until)
    rows: QuerySet[Entry, dict[str, Any]] = entries.order_by("-id").values(*STATEMENT_ROW_FIELDS)
    return rows


def counterparty_labels(rows: list[dict[str, Any]]) -> dict[int, list[str]]:
    """For each ``statement_rows`` row's id, the labels (``account_label``) of the other
    accounts of its transfer, in entry order; one query."""
    others: dict[int, list[tuple[int, str]]] = {}
    legs = (
        Entry.objects.filter(transfer_id__in={row["transfer_id"] for row in rows})
        .order_by("id")
        .values_list(
            "transfer_id",
            "account_id",
            "account__name",
            "account__membership_id",
            "account__membership__user__first_name",
            "account__membership__user__last_name",
        )
    )
    for transfer_id, account_id, name, membership_id, first_name, last_name in legs:
        label = name if membership_id is None else display_name(first_name, last_name)
        others.setdefault(transfer_id, []).append((account_id, label))
    return {
        row["id"]: [
            label
            for account_id, label in others.get(row["transfer_id"], [])
            if account_id != row["account_id"]
        ]
        for row in rows
    }


def transfers_visible_to(*, viewer: Membership) -> QuerySet[Transfer]:
    """Moderators see every transfer of their village, members those they are party to."""
    transfers = Transfer.objects.filter(village_id=viewer.village_id)
    if not viewer.is_moderator:
        transfers = transfers.filter(entries__account__membership=viewer)
    return transfers.prefetch_related(entries_with_accounts()).order_by("-id")


def transfers_linked(*, viewer: Membership, link_type: str, link_id: int) -> QuerySet[Transfer]:
    return transfers_visible_to(viewer=viewer).filter(link_type=link_type, link_id=link_id)


def village_accounts(*, village: Village, kind: str | None = None) -> QuerySet[Account]:
    """Every account of the village with what its label needs (moderators' list)."""
    # Only the shown columns: the join's other ~30 columns cost more CPU to compile and
    # load than the query takes in the database.
    accounts = (
        Account.objects.filter(village=village)
        .select_related("membership__user")
        .only(
            "kind",
            "membership",
            "name",
            "balance_minutes",
            "membership__user",
            "membership__user__first_name",
            "membership__user__last_name",
        )
    )
    if kind:
        accounts = accounts.filter(kind=kind)
    return accounts.order_by("id")


def payment_requests_for(
    *, membership: Membership, role: str | None = None
) -> QuerySet[PaymentRequest]:
    if role == "payer":
        scope = Q(payer=membership)
    elif role == "payee":
        scope = Q(payee=membership)
    else:
        scope = Q(payer=membership) | Q(payee=membership)
    return (
        PaymentRequest.objects.filter(scope, village_id=membership.village_id)
        .select_related("payer__user", "payee__user")
        .order_by("-id")
    )


def village_figures(*, village: Village) -> dict[str, Any]:
    """Moderator figures: credits in circulation, hours exchanged per month, top helpers."""
    totals = Account.objects.filter(village=village).aggregate(
        total=Sum("balance_minutes"),
        accounts=Count("id"),
        community=Sum("balance_minutes", filter=Q(kind=AccountKind.COMMUNITY)),
    )
    now = timezone.now()
    first_month = (now - dt.timedelta(days=31 * (FIGURES_MONTHS - 1))).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    exchanged = Entry.objects.filter(
        transfer__village=village,
        transfer__kind__in=EXCHANGE_KINDS,
        minutes__gt=0,
        transfer__created_at__gte=first_month,
    )
    months = (
        exchanged.annotate(month=TruncMonth("transfer__created_at"))
        .values("month")
        .annotate(minutes=Sum("minutes"), transfers=Count("transfer_id", distinct=True))
        .order_by("month")
    )
    helpers = (
        exchanged.filter(
            account__kind=AccountKind.MEMBER,
            transfer__created_at__gte=now - dt.timedelta(days=TOP_HELPERS_DAYS),
        )
        .values(
            "account__membership_id",
            "account__membership__user__first_name",
            "account__membership__user__last_name",
        )
        .annotate(minutes=Sum("minutes"), transfers=Count("id"))
        .order_by("-minutes", "account__membership_id")[:10]
    )
    community = totals["community"] or 0
    return {
        "balance_total_minutes": totals["total"] or 0,
        "credits_in_circulation_minutes": -community,
        "account_count": totals["accounts"],
        "hours_exchanged_per_month": [
            {
                "month": row["month"].date().isoformat()[:7],
                "minutes": row["minutes"],
                "hours": round(row["minutes"] / 60, 1),
                "transfers": row["transfers"],
            }
            for row in months
        ],
        "top_helpers": [
            {
                "membership_id": row["account__membership_id"],
                "display_name": display_name(
                    row["account__membership__user__first_name"],
                    row["account__membership__user__last_name"],
                ),
                "minutes": row["minutes"],
                "transfers": row["transfers"],
            }
            for row in helpers
        ],
        "top_helpers_days": TOP_HELPERS_DAYS,
    }


def account_label(account: Account) -> str:
    """How an account is shown to people: a member's display name, or the account's name."""
    if account.membership is not None:
        return account.membership.user.display_name
    return account.name
