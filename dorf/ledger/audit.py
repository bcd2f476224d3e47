"""The ledger audit: recomputes what the books must satisfy, village by village.

Run nightly by Celery beat (``tasks.ledger_audit``) and by hand with
``manage.py ledger_audit``; the concurrency tests and the benchmark use it as their oracle.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from dorf.ledger.models import Account, AccountKind, Entry, Transfer
from dorf.villages.models import Village


@dataclass
class VillageAudit:
    village_id: int
    slug: str
    accounts: int = 0
    transfers: int = 0
    balance_total_minutes: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def audit_village(village: Village) -> VillageAudit:
    report = VillageAudit(village_id=village.pk, slug=village.slug)
    accounts = list(Account.objects.filter(village=village).order_by("id"))
    report.accounts = len(accounts)
    report.transfers = Transfer.objects.filter(village=village).count()

    # 1. Conservation: the community account's debt is everyone else's credit.
    report.balance_total_minutes = sum(a.balance_minutes for a in accounts)
    if report.balance_total_minutes != 0:
        report.violations.append(f"balances sum to {report.balance_total_minutes} minutes, not 0")

    # 2. Every cached balance equals the replay of its entries, entry by entry.
    replayed: dict[int, int] = defaultdict(int)
    entries = (
        Entry.objects.filter(account__village=village)
        .order_by("account_id", "id")
        .values_list("account_id", "id", "minutes", "balance_after_minutes")
    )
    for account_id, entry_id, minutes, balance_after in entries.iterator(chunk_size=5000):
        replayed[account_id] += minutes
        if replayed[account_id] != balance_after:
            report.violations.append(
                f"entry {entry_id} of account {account_id}: running balance {balance_after} "
                f"but replay gives {replayed[account_id]}"
            )
    for account in accounts:
        if account.balance_minutes != replayed[account.pk]:
            report.violations.append(
                f"account {account.pk}: cached balance {account.balance_minutes} "
                f"but its entries sum to {replayed[account.pk]}"
            )

    # 3. Limits.
    for account in accounts:
        if account.kind == AccountKind.MEMBER:
            if account.balance_minutes < village.credit_limit_minutes:
                report.violations.append(
                    f"account {account.pk}: balance {account.balance_minutes} below the "
                    f"credit limit {village.credit_limit_minutes}"
                )
            maximum = village.max_balance_minutes
            if maximum is not None and account.balance_minutes > maximum:
                report.violations.append(
                    f"account {account.pk}: balance {account.balance_minutes} above the "
                    f"maximum {maximum}"
                )
        elif account.kind == AccountKind.CLUB and account.balance_minutes < 0:
            report.violations.append(
                f"club account {account.pk}: balance {account.balance_minutes} below 0"
            )

    # 4. Every transfer is balanced and has at least two legs.
    unbalanced = (
        Transfer.objects.filter(village=village)
        .annotate(total=Sum("entries__minutes"), legs=Count("entries"))
        .filter(Q(legs__lt=2) | ~Q(total=0))
        .values_list("id", "total", "legs")
    )
    for transfer_id, total, legs in unbalanced:
        report.violations.append(f"transfer {transfer_id}: {legs} entries summing to {total}")

    # 5. No idempotency key paid twice.
    duplicates = (
        Transfer.objects.filter(village=village)
        .values("idempotency_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for row in duplicates:
        report.violations.append(
            f"idempotency key {row['idempotency_key']!r} paid {row['n']} times"
        )
    return report


def audit_all() -> list[VillageAudit]:
    return [audit_village(village) for village in Village.objects.order_by("id")]
