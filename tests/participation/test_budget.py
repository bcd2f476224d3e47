"""The participatory budget: phases, review, knapsack ballots and the stored result that a
recomputation from the ballots reproduces."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.participation.models import BudgetBallot, BudgetItem, BudgetPhase, ParticipatoryBudget
from dorf.participation.services import budget
from dorf.participation.services.erasure import erase_user
from dorf.villages.services import membership_ban
from tests.factories import MembershipFactory
from tests.participation.factories import budget_in, staff_of

pytestmark = pytest.mark.django_db


def test_phases_run_in_order_and_the_vote_needs_every_item_reviewed(village, member) -> None:
    staff = staff_of(village)
    made = budget.budget_create(
        actor=staff.user, village_id=village.pk, title="2027", amount_cents=5_000_00
    )
    with pytest.raises(Forbidden):
        budget.budget_create(actor=member.user, village_id=village.pk, title="x", amount_cents=1)
    item = budget.budget_item_create(
        user=member.user, budget_id=made.pk, title="Spielplatz", description="Neu", cost_cents=100
    )
    with pytest.raises(ValidationFailed):  # larger than the whole budget
        budget.budget_item_create(
            user=member.user, budget_id=made.pk, title="Halle", description="x", cost_cents=10**9
        )
    budget.budget_phase_advance(actor=staff.user, budget_id=made.pk)  # -> review
    with pytest.raises(Conflict):
        budget.budget_item_create(
            user=member.user, budget_id=made.pk, title="Spät", description="x", cost_cents=100
        )
    with pytest.raises(Conflict) as raised:
        budget.budget_phase_advance(
            actor=staff.user, budget_id=made.pk, vote_closes_at=timezone.now() + timedelta(days=1)
        )
    assert raised.value.code == "items_pending"
    with pytest.raises(ValidationFailed):  # not feasible needs a reason
        budget.budget_item_review(actor=staff.user, item_id=item.pk, feasible=False)
    budget.budget_item_review(
        actor=staff.user, item_id=item.pk, feasible=False, reason="Grundstück gehört dem Land"
    )
    with pytest.raises(ValidationFailed):  # the vote needs its end
        budget.budget_phase_advance(actor=staff.user, budget_id=made.pk)
    budget.budget_phase_advance(
        actor=staff.user, budget_id=made.pk, vote_closes_at=timezone.now() + timedelta(days=1)
    )
    assert ParticipatoryBudget.objects.get(pk=made.pk).phase == BudgetPhase.VOTE
    # an infeasible item cannot be approved
    with pytest.raises(ValidationFailed):
        budget.budget_vote(user=member.user, budget_id=made.pk, item_ids=[item.pk])


def test_a_ballot_must_fit_the_budget_and_can_be_changed_until_the_close(village, member) -> None:
    made, (a, b, c) = budget_in(village)  # 10,000 euros; items 4,000 / 3,000 / 5,000
    with pytest.raises(ValidationFailed) as raised:
        budget.budget_vote(user=member.user, budget_id=made.pk, item_ids=[a.pk, b.pk, c.pk])
    assert raised.value.code == "over_budget"
    budget.budget_vote(user=member.user, budget_id=made.pk, item_ids=[a.pk, b.pk])
    budget.budget_vote(user=member.user, budget_id=made.pk, item_ids=[c.pk])
    ballot = BudgetBallot.objects.get(budget=made, voter=member.user)
    assert [i.pk for i in ballot.items.all()] == [c.pk]
    ParticipatoryBudget.objects.filter(pk=made.pk).update(
        vote_closes_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(Conflict) as closed:
        budget.budget_vote(user=member.user, budget_id=made.pk, item_ids=[a.pk])
    assert closed.value.code == "vote_closed"


def test_the_stored_result_equals_a_recomputation_from_the_ballots(village) -> None:
    # given 10,000 euros, items of 4,000 (a), 3,000 (b), 5,000 (c) and 7 ballots
    made, (a, b, c) = budget_in(village)
    ballots = [[a, c], [a, c], [a, b], [c], [c, b], [a], [b]]
    for chosen in ballots:
        voter = MembershipFactory(village=village)
        budget.budget_vote(user=voter.user, budget_id=made.pk, item_ids=[i.pk for i in chosen])
    # when the vote closes (the periodic task)
    ParticipatoryBudget.objects.filter(pk=made.pk).update(
        vote_closes_at=timezone.now() - timedelta(seconds=1)
    )
    assert budget.budgets_close() == 1
    # then a and c tie on 4 approvals (a is cheaper, so first), b (3) no longer fits
    stored = {i.pk: (i.approvals, i.selected) for i in BudgetItem.objects.filter(budget=made)}
    assert stored == {a.pk: (4, True), c.pk: (4, True), b.pk: (3, False)}
    recomputed = {r.item_id: (r.approvals, r.selected) for r in budget.budget_result_compute(made)}
    assert recomputed == stored


def test_a_ban_removes_the_ballot_of_a_running_vote(village) -> None:
    made, (a, _b, _c) = budget_in(village)
    staff = staff_of(village)
    member = MembershipFactory(village=village)
    budget.budget_vote(user=member.user, budget_id=made.pk, item_ids=[a.pk])
    membership_ban(actor=staff, membership_id=member.pk, reason="Stimmenkauf")
    assert not BudgetBallot.objects.filter(budget=made).exists()
    with pytest.raises(NotFound):
        budget.budget_vote(user=member.user, budget_id=made.pk, item_ids=[a.pk])


def test_erasure_forgets_a_running_ballot_and_anonymises_a_counted_one(village) -> None:
    made, (a, _b, _c) = budget_in(village)
    running = MembershipFactory(village=village)
    budget.budget_vote(user=running.user, budget_id=made.pk, item_ids=[a.pk])
    erase_user(running.user)
    assert not BudgetBallot.objects.filter(budget=made).exists()
    counted = MembershipFactory(village=village)
    budget.budget_vote(user=counted.user, budget_id=made.pk, item_ids=[a.pk])
    budget.budget_phase_advance(actor=staff_of(village).user, budget_id=made.pk)
    erase_user(counted.user)
    assert BudgetBallot.objects.get(budget=made).voter is None
    assert budget.budget_result_compute(made)[0].approvals == 1


def test_another_villages_budget_is_unknown(village, outsider) -> None:
    made, (a, _b, _c) = budget_in(village)
    with pytest.raises(NotFound):
        budget.budget_vote(user=outsider.user, budget_id=made.pk, item_ids=[a.pk])
    with pytest.raises(NotFound):
        budget.budget_item_create(
            user=outsider.user, budget_id=made.pk, title="x", description="x", cost_cents=1
        )
