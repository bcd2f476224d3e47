"""A real concurrency test on PostgreSQL, in the spirit of Jepsen's bank test.

Sixteen threads, each with its own database connection, pay random amounts among a few
hot accounts close to their credit limit for a few seconds. Afterwards the audit must find
the books right: balances sum to 0, every cached balance equals the replay of its entries,
no account is past its limit. The same test runs once with the row locking removed and
must then find a violation: a concurrency test that cannot fail proves nothing.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable

import pytest
from django.db import connection, transaction

from dorf.core.exceptions import DomainError
from dorf.ledger import locks, services
from dorf.ledger.audit import audit_village
from dorf.ledger.models import Transfer, TransferKind
from dorf.villages.models import Membership
from tests.factories import MembershipFactory, VillageFactory
from tests.ledger.factories import fund

THREADS = 16
DURATION_S = 3.0
HOT_ACCOUNTS = 4

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _unlocked_accounts(account_ids: Iterable[int]) -> dict[int, locks.LockedAccount]:
    """The lock helper without ``FOR UPDATE``: what a forgotten lock looks like."""
    return locks.select_accounts(account_ids, for_update=False)


def _run_threads(count: int, work: Callable[[int, Counter[str]], None]) -> Counter[str]:
    outcome: Counter[str] = Counter()
    mutex = threading.Lock()

    def runner(index: int) -> None:
        mine: Counter[str] = Counter()
        try:
            work(index, mine)
        finally:
            connection.close()  # each thread had its own connection
            with mutex:
                outcome.update(mine)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def _hot_village(funding: int) -> list[Membership]:
    village = VillageFactory(credit_limit_minutes=-120, max_transfer_minutes=120)
    members: list[Membership] = [MembershipFactory(village=village) for _ in range(HOT_ACCOUNTS)]
    for member in members:
        account = services.account_for_membership(member)
        for _chunk in range(funding // 60):
            fund(account, 60)
    return members


def _pay_randomly(members: list[Membership], deadline: float, counts: Counter[str], seed: int):
    rng = random.Random(seed)
    n = 0
    while time.monotonic() < deadline:
        payer, payee = rng.sample(members, 2)
        n += 1
        try:
            services.payment_create(
                payer=payer,
                payee_membership_id=payee.pk,
                minutes=rng.randint(1, 120),
                memo="Jepsen",
                idempotency_key=f"t{seed}-{n}",
            )
            counts["committed"] += 1
        except DomainError as exc:
            counts[exc.code] += 1
        except Exception as exc:  # a deadlock or a database guard: count, never hide
            counts[type(exc).__name__] += 1


@pytest.mark.parametrize("locking", ["locked", "unlocked"])
def test_concurrent_random_transfers_keep_the_books_right(locking: str, monkeypatch) -> None:
    # given: hot accounts with little money, so the credit limit is hit all the time
    members = _hot_village(funding=60)
    village = members[0].village
    if locking == "unlocked":
        monkeypatch.setattr(locks, "lock_accounts", _unlocked_accounts)
    deadline = time.monotonic() + DURATION_S

    # when
    counts = _run_threads(
        THREADS, lambda index, mine: _pay_randomly(members, deadline, mine, seed=index)
    )

    # then
    report = audit_village(village)
    committed = Transfer.objects.filter(village=village, kind="payment").count()
    if locking == "locked":
        assert report.ok, report.violations
        assert counts["committed"] == committed > 20, counts
        assert counts["credit_limit_exceeded"] > 0, "the test must press against the limit"
        assert set(counts) <= {"committed", "credit_limit_exceeded"}, counts
    else:
        # Without the lock, lost updates or overdrafts appear and the audit must see them.
        assert not report.ok, (counts, "the unlocked variant went undetected")


def test_opposite_transfers_between_two_accounts_never_deadlock() -> None:
    # given
    alice, bob = _hot_village(funding=600)[:2]
    deadline = time.monotonic() + 1.5

    def ping_pong(index: int, mine: Counter[str]) -> None:
        payer, payee = (alice, bob) if index % 2 else (bob, alice)
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                services.payment_create(
                    payer=payer,
                    payee_membership_id=payee.pk,
                    minutes=7,
                    memo="hin und her",
                    idempotency_key=f"p{index}-{n}",
                )
                mine["committed"] += 1
            except DomainError as exc:
                mine[exc.code] += 1
            except Exception as exc:
                mine[type(exc).__name__] += 1

    # when: A→B and B→A at the same time from 8 connections
    counts = _run_threads(8, ping_pong)

    # then: no deadlock, no error, and the books balance
    assert set(counts) <= {"committed", "credit_limit_exceeded"}, counts
    assert counts["committed"] > 10
    assert audit_village(alice.village).ok


def test_same_key_racing_on_other_accounts_is_a_conflict_not_a_second_payment() -> None:
    # given: two payments with one key but disjoint accounts, so no row lock orders them
    alice, bob, carol, dave = _hot_village(funding=60)
    first_open = threading.Event()
    release_first = threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                outcome["first"] = services.transfer_create(
                    village=alice.village,
                    kind=TransferKind.HELP,
                    legs=[
                        (services.account_for_membership(alice), -10),
                        (services.account_for_membership(bob), 10),
                    ],
                    memo="Hilfe",
                    idempotency_key="help:race",
                    created_by=None,
                )
                first_open.set()
                release_first.wait(timeout=10)
        finally:
            connection.close()

    def second() -> None:
        first_open.wait(timeout=10)
        try:
            outcome["second"] = services.transfer_create(
                village=carol.village,
                kind=TransferKind.HELP,
                legs=[
                    (services.account_for_membership(carol), -20),
                    (services.account_for_membership(dave), 20),
                ],
                memo="Hilfe",
                idempotency_key="help:race",
                created_by=None,
            )
        except DomainError as exc:
            outcome["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    # when: the second insert waits on the unique index while the first is still open
    time.sleep(0.5)
    release_first.set()
    for thread in threads:
        thread.join()

    # then
    second_outcome = outcome["second"]
    assert isinstance(second_outcome, DomainError)
    assert second_outcome.code == "idempotency_key_reused"
    assert Transfer.objects.filter(idempotency_key="help:race").count() == 1
    assert audit_village(alice.village).ok
