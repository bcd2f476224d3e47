"""Read use-cases of the ledger, already scoped to what the viewer may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dorf.core.pagination import CompiledRows, page_slice
from dorf.core.sql import CompiledQuery
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
# Each leg of the row's transfer (the row's own among them): what ``account_label`` needs.
_LEG_FIELDS = (
    "transfer__entries__account_id",
    "transfer__entries__account__name",
    "transfer__entries__account__membership_id",
    "transfer__entries__account__membership__user__first_name",
    "transfer__entries__account__membership__user__last_name",
)


def _statement_legs(
    *,
    user_id: int,
    village_slug: str,
    kind: str | None,
    since: dt.date | None,
    until: dt.date | None,
    **page: Any,
) -> QuerySet[Entry, dict[str, Any]]:
    # The page of my entries is a subquery; the outer query joins each entry's transfer
    # and all its legs, one row per leg in entry order (``_rows_with_counterparties``
    # folds them back): the page, its scoping and its counterparties in one query.
    mine = Entry.objects.filter(
        account__membership__user_id=user_id,
        account__membership__village__slug=village_slug,
        account__membership__state=MembershipState.VERIFIED,
    )
    if kind is not None:
        mine = mine.filter(transfer__kind=kind)
    if since is not None:
        mine = mine.filter(transfer__created_at__date__gte=since)
    if until is not None:
        mine = mine.filter(transfer__created_at__date__lte=until)
    entries = page_slice(mine.values("id"), **page)
    legs: QuerySet[Entry, dict[str, Any]] = (
        Entry.objects.filter(id__in=entries)
        .order_by(*page["ordering"], "transfer__entries__id")
        .values(*STATEMENT_ROW_FIELDS, *_LEG_FIELDS)
    )
    return legs


# Compiled once per shape (dorf.core.sql): the statement is a hot read.
_STATEMENT_LEGS = CompiledQuery(
    _statement_legs,
    params={
        "user_id": int,
        "village_slug": str,
        "kind": str,
        "since": dt.date,
        "until": dt.date,
        "before": int,
        "after": int,
    },
)


def _rows_with_counterparties(legs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for leg in legs:
        if not rows or rows[-1]["id"] != leg["id"]:
            rows.append({name: leg[name] for name in STATEMENT_ROW_FIELDS})
            rows[-1]["counterparties"] = []
        row = rows[-1]
        if leg["transfer__entries__account_id"] != row["account_id"]:
            row["counterparties"].append(
                leg["transfer__entries__account__name"]
                if leg["transfer__entries__account__membership_id"] is None
                else display_name(
                    leg["transfer__entries__account__membership__user__first_name"],
                    leg["transfer__entries__account__membership__user__last_name"],
                )
            )
    return rows


class StatementRows:
    """The rows of a statement for the cursor paginator (``CompiledRows``'s interface):
    each ``STATEMENT_ROW_FIELDS`` plus ``counterparties``, the labels (``account_label``)
    of the other accounts of its transfer in entry order."""

    model = Entry

    def __init__(self, rows: CompiledRows) -> None:
        self._rows = rows

    def order_by(self, *ordering: str) -> StatementRows:
        return StatementRows(self._rows.order_by(*ordering))

    def filter(self, **lookup: Any) -> StatementRows:
        return StatementRows(self._rows.filter(**lookup))

    def __getitem__(self, bounds: slice) -> list[dict[str, Any]]:
        return _rows_with_counterparties(self._rows[bounds])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Every row, newest first (the export)."""
        return iter(self.order_by("-id")[0:None])


def statement_rows(
    *,
    user: User,
    village_slug: str,
    kind: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> StatementRows:
    """The entries of the account of ``user``'s verified membership in the village, with
    their counterparties: ``StatementRows``, newest first when iterated. None without an
    account or such a membership (the caller tells a non-member apart)."""
    return StatementRows(
        CompiledRows(
            _STATEMENT_LEGS,
            Entry,
            user_id=user.pk,
            village_slug=village_slug,
            kind=kind,
            since=since,
            until=until,
        )
    )


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
