"""Model-based test: random sequences of ledger operations, compared after every step with a
plain in-memory model of what the books must say."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from dorf.core.exceptions import Conflict, DomainError, ValidationFailed
from dorf.ledger import services
from dorf.ledger.audit import audit_village
from dorf.ledger.models import Account, Transfer, TransferKind
from dorf.villages.models import Role
from tests.factories import MembershipFactory, VillageFactory

LIMIT, MAXIMUM, MAX_TRANSFER = -100, 300, 200
MEMBERS = 3


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.village = VillageFactory(
            credit_limit_minutes=LIMIT,
            max_balance_minutes=MAXIMUM,
            max_transfer_minutes=MAX_TRANSFER,
        )
        self.members = [MembershipFactory(village=self.village) for _ in range(MEMBERS)]
        self.moderator = MembershipFactory(village=self.village, role=Role.MODERATOR)
        self.accounts = [services.account_for_membership(m) for m in self.members]
        self.community = services.community_account(self.village)
        # the model
        self.balances = [0] * MEMBERS
        self.community_balance = 0
        self.paid: dict[tuple[int, str], tuple[int, int, int]] = {}  # -> payee, minutes, id
        self.legs: dict[int, list[tuple[int | None, int]]] = {}  # transfer id -> legs
        self.reversed: dict[int, int] = {}  # original -> its reversal
        self.fund_keys = 0

    def _fits(self, legs: list[tuple[int | None, int]]) -> bool:
        for index, minutes in legs:
            if index is None:
                continue
            after = self.balances[index] + minutes
            if (minutes < 0 and after < LIMIT) or (minutes > 0 and after > MAXIMUM):
                return False
        return True

    def _apply(self, transfer_id: int, legs: list[tuple[int | None, int]]) -> None:
        for index, minutes in legs:
            if index is None:
                self.community_balance += minutes
            else:
                self.balances[index] += minutes
        self.legs[transfer_id] = legs

    @rule(
        payer=st.integers(0, MEMBERS - 1),
        payee=st.integers(0, MEMBERS - 1),
        minutes=st.one_of(st.integers(-5, MAX_TRANSFER + 5), st.sampled_from([1, 100])),
        key=st.sampled_from(["a", "b", "c", "d"]),
    )
    def pay(self, payer: int, payee: int, minutes: int, key: str) -> None:
        legs: list[tuple[int | None, int]] = [(payer, -minutes), (payee, minutes)]
        earlier = self.paid.get((payer, key))
        expected: type[Exception] | None
        if payer == payee or minutes <= 0 or minutes > MAX_TRANSFER:
            expected = ValidationFailed
        elif earlier is not None:
            expected = None if earlier[:2] == (payee, minutes) else Conflict
        elif not self._fits(legs):
            expected = ValidationFailed
        else:
            expected = None
        outcome: Transfer | DomainError
        try:
            outcome = services.payment_create(
                payer=self.members[payer],
                payee_membership_id=self.members[payee].pk,
                minutes=minutes,
                memo="x",
                idempotency_key=key,
            )
        except DomainError as exc:
            outcome = exc
        if expected is not None:
            assert isinstance(outcome, expected), (outcome, expected)
            return
        assert isinstance(outcome, Transfer), outcome
        transfer = outcome
        if earlier is not None:
            assert transfer.pk == earlier[2], "a retry must return the original transfer"
            return
        self.paid[(payer, key)] = (payee, minutes, transfer.pk)
        self._apply(transfer.pk, legs)

    @rule(member=st.integers(0, MEMBERS - 1), minutes=st.integers(1, 150))
    def deliver(self, member: int, minutes: int) -> None:
        legs: list[tuple[int | None, int]] = [(None, -minutes), (member, minutes)]
        self.fund_keys += 1
        try:
            transfer = services.transfer_create(
                village=self.village,
                kind=TransferKind.DELIVERY,
                legs=[(self.community, -minutes), (self.accounts[member], minutes)],
                memo="Runde",
                idempotency_key=f"route:{self.fund_keys}",
                created_by=None,
            )
        except ValidationFailed:
            assert not self._fits(legs)
            return
        assert self._fits(legs)
        self._apply(transfer.pk, legs)

    @rule(pick=st.integers(0, 1000))
    def reverse(self, pick: int) -> None:
        if not self.legs:
            return
        candidates = sorted(self.legs)
        original = candidates[pick % len(candidates)]
        legs = [(index, -minutes) for index, minutes in self.legs[original]]
        is_reversal = Transfer.objects.get(pk=original).kind == TransferKind.REVERSAL
        try:
            reversal = services.transfer_reverse(
                actor=self.moderator,
                transfer_id=original,
                memo="Irrtum",
                idempotency_key=f"undo:{original}",
            )
        except Conflict:
            assert is_reversal
            return
        except ValidationFailed:
            assert not self._fits(legs)
            return
        assert not is_reversal
        if original in self.reversed:
            assert reversal.pk == self.reversed[original], "a retried reversal pays once"
            return
        assert self._fits(legs)
        self.reversed[original] = reversal.pk
        self._apply(reversal.pk, legs)

    @invariant()
    def books_match_the_model(self) -> None:
        stored = dict(
            Account.objects.filter(village=self.village).values_list("pk", "balance_minutes")
        )
        assert [stored[a.pk] for a in self.accounts] == self.balances
        assert stored[self.community.pk] == self.community_balance
        assert sum(stored.values()) == 0

    def teardown(self) -> None:
        report = audit_village(self.village)
        assert report.ok, report.violations


@pytest.mark.django_db
def test_ledger_behaves_like_the_in_memory_model() -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
