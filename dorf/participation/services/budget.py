"""The participatory budget (Bürgerhaushalt): collect items -> review -> vote -> results.

Voting is knapsack approval voting: a member approves any feasible items whose costs add
up to at most the budget, and may change the ballot until the vote closes. The result is
computed from the stored ballots by ``dorf.participation.knapsack`` and stored on the
items when the vote closes; ``budget_result_compute`` recomputes it at any time."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.core import audit
from dorf.core.exceptions import Conflict, NotFound, ValidationFailed
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many
from dorf.participation import knapsack, locks
from dorf.participation.models import (
    BUDGET_PHASE_ORDER,
    BudgetBallot,
    BudgetItem,
    BudgetPhase,
    Feasibility,
    ParticipatoryBudget,
)
from dorf.users.models import User
from dorf.villages.models import Membership
from dorf.villages.scoping import member_village_ids, require_member, require_staff


def _budget_for(user: User, budget_id: int, *, lock: bool = True) -> ParticipatoryBudget:
    budgets = ParticipatoryBudget.objects.select_related("village").filter(
        village__in=member_village_ids(user)
    )
    if lock:
        budgets = budgets.select_for_update(of=("self",))
    budget = budgets.filter(pk=budget_id).first()
    if budget is None:
        raise NotFound()
    return budget


@transaction.atomic
def budget_create(
    *, actor: User, village_id: int, title: str, amount_cents: int, description: str = ""
) -> ParticipatoryBudget:
    require_staff(require_member(actor, village_id))
    if amount_cents < 1:
        raise ValidationFailed(fields={"amount": [_("The budget must be more than zero.")]})
    budget = ParticipatoryBudget.objects.create(
        village_id=village_id,
        title=title.strip(),
        description=description.strip(),
        amount_cents=amount_cents,
        created_by=actor,
    )
    audit.record(
        actor=actor, instance=budget, before={}, verb="budget_create", village_id=village_id
    )
    return budget


@transaction.atomic
def budget_phase_advance(
    *, actor: User, budget_id: int, vote_closes_at: datetime | None = None
) -> ParticipatoryBudget:
    """Staff move the budget one phase on. Entering the vote needs its end; leaving the
    vote (early, by staff) computes and stores the result."""
    budget = _budget_for(actor, budget_id)
    require_staff(require_member(actor, budget.village_id))
    index = BUDGET_PHASE_ORDER.index(BudgetPhase(budget.phase))
    if index == len(BUDGET_PHASE_ORDER) - 1:
        raise Conflict(_("The results are out already."), code="last_phase")
    before = audit.snapshot(budget)
    target = BUDGET_PHASE_ORDER[index + 1]
    if target == BudgetPhase.VOTE:
        if vote_closes_at is None or vote_closes_at <= timezone.now():
            raise ValidationFailed(
                fields={"vote_closes_at": [_("Give the end of the vote, in the future.")]}
            )
        if BudgetItem.objects.filter(budget=budget, feasibility=Feasibility.PENDING).exists():
            raise Conflict(_("Review every item first."), code="items_pending")
        budget.vote_closes_at = vote_closes_at
    budget.phase = target
    budget.save(update_fields=["phase", "vote_closes_at", "updated_at"])
    if target == BudgetPhase.RESULTS:
        _store_result(budget)
    audit.record(
        actor=actor,
        instance=budget,
        before=before,
        verb="budget_phase_advance",
        village_id=budget.village_id,
    )
    return budget


@transaction.atomic
def budget_item_create(
    *, user: User, budget_id: int, title: str, description: str, cost_cents: int
) -> BudgetItem:
    scoped = _budget_for(user, budget_id, lock=False)
    locks.membership_for(user, scoped.village_id)
    budget = _budget_for(user, budget_id)
    if budget.phase != BudgetPhase.COLLECT:
        raise Conflict(_("This budget collects no more items."), code="not_collecting")
    if not 1 <= cost_cents <= budget.amount_cents:
        raise ValidationFailed(
            fields={"cost": [_("The cost must be more than zero and fit the whole budget.")]},
            code="cost_out_of_range",
        )
    return BudgetItem.objects.create(
        budget=budget,
        proposer=user,
        title=title.strip(),
        description=description.strip(),
        cost_cents=cost_cents,
    )


@transaction.atomic
def budget_item_review(
    *, actor: User, item_id: int, feasible: bool, reason: str = ""
) -> BudgetItem:
    item = (
        BudgetItem.objects.select_for_update(of=("self",))
        .select_related("budget__village", "proposer")
        .filter(pk=item_id, budget__village__in=member_village_ids(actor))
        .first()
    )
    if item is None:
        raise NotFound()
    require_staff(require_member(actor, item.budget.village_id))
    if item.budget.phase not in (BudgetPhase.COLLECT, BudgetPhase.REVIEW):
        raise Conflict(_("The review is over."), code="review_over")
    reason = reason.strip()
    if not feasible and not reason:
        raise ValidationFailed(
            fields={"reason": [_("Say why the item is not feasible.")]}, code="reason_required"
        )
    before = audit.snapshot(item)
    item.feasibility = Feasibility.FEASIBLE if feasible else Feasibility.INFEASIBLE
    item.feasibility_reason = reason
    item.reviewed_by = actor
    item.save(update_fields=["feasibility", "feasibility_reason", "reviewed_by", "updated_at"])
    audit.record(
        actor=actor,
        instance=item,
        before=before,
        verb="budget_item_review",
        village_id=item.budget.village_id,
        subject_user_id=item.proposer_id,
        reason=reason,
    )
    if item.proposer is not None:
        notify_many(
            recipients=[item.proposer],
            category=Category.VILLAGE,
            title=gettext_lazy("Your budget item was reviewed: %(title)s"),
            body=gettext_lazy("%(feasibility)s. %(reason)s"),
            params={
                "title": item.title,
                "feasibility": Feasibility(item.feasibility).label,
                "reason": reason,
            },
            village=item.budget.village,
            link_type="budget_item",
            link_id=item.pk,
        )
    return item


@transaction.atomic
def budget_vote(*, user: User, budget_id: int, item_ids: list[int]) -> BudgetBallot:
    """Approve feasible items up to the budget; a second call replaces the ballot. The
    membership row lock serialises one member's parallel votes (and a ban)."""
    scoped = _budget_for(user, budget_id, lock=False)
    locks.membership_for(user, scoped.village_id)
    budget = ParticipatoryBudget.objects.get(pk=budget_id)
    if budget.phase != BudgetPhase.VOTE or (
        budget.vote_closes_at is not None and timezone.now() >= budget.vote_closes_at
    ):
        raise Conflict(_("The vote on this budget is closed."), code="vote_closed")
    chosen = set(item_ids)
    if len(chosen) != len(item_ids):
        raise ValidationFailed(fields={"item_ids": [_("Each item only once.")]})
    items = list(
        BudgetItem.objects.filter(budget=budget, pk__in=chosen, feasibility=Feasibility.FEASIBLE)
    )
    if len(items) != len(chosen):
        raise ValidationFailed(fields={"item_ids": [_("Only feasible items of this budget.")]})
    if sum(item.cost_cents for item in items) > budget.amount_cents:
        raise ValidationFailed(
            fields={"item_ids": [_("Your approved items cost more than the budget.")]},
            code="over_budget",
        )
    ballot, _created = BudgetBallot.objects.get_or_create(budget=budget, voter=user)
    ballot.items.set(items)
    ballot.save(update_fields=["updated_at"])
    return ballot


def stored_ballots(budget: ParticipatoryBudget) -> list[list[int]]:
    """Every ballot's approved item ids, from the database."""
    ballots: dict[int, list[int]] = {}
    through = BudgetBallot.items.through.objects.filter(budgetballot__budget=budget)
    for ballot_id, item_id in through.values_list("budgetballot_id", "budgetitem_id"):
        ballots.setdefault(ballot_id, []).append(item_id)
    return list(ballots.values())


def budget_result_compute(budget: ParticipatoryBudget) -> list[knapsack.Ranked]:
    """The result by the documented rule, recomputed from the stored ballots."""
    candidates = [
        knapsack.Candidate(item_id=pk, cost_cents=cost)
        for pk, cost in BudgetItem.objects.filter(
            budget=budget, feasibility=Feasibility.FEASIBLE
        ).values_list("pk", "cost_cents")
    ]
    approvals = knapsack.count_approvals(stored_ballots(budget))
    return knapsack.select(
        budget_cents=budget.amount_cents, candidates=candidates, approvals=approvals
    )


def _store_result(budget: ParticipatoryBudget) -> None:
    ranked = budget_result_compute(budget)
    items = {item.pk: item for item in BudgetItem.objects.filter(budget=budget)}
    for entry in ranked:
        item = items[entry.item_id]
        item.approvals = entry.approvals
        item.selected = entry.selected
    BudgetItem.objects.bulk_update(
        [items[entry.item_id] for entry in ranked], ["approvals", "selected"]
    )
    budget.results_at = timezone.now()
    budget.save(update_fields=["results_at", "updated_at"])


def budgets_close(*, now: datetime | None = None) -> int:
    """Budgets whose vote ended move to their results (guarded, safe to repeat)."""
    now = now or timezone.now()
    due = ParticipatoryBudget.objects.filter(
        phase=BudgetPhase.VOTE, vote_closes_at__lte=now
    ).values_list("pk", flat=True)
    closed = 0
    for budget_id in list(due):
        with transaction.atomic():
            budget = (
                ParticipatoryBudget.objects.select_for_update()
                .filter(pk=budget_id, phase=BudgetPhase.VOTE)
                .first()
            )
            if budget is None:
                continue
            budget.phase = BudgetPhase.RESULTS
            budget.save(update_fields=["phase", "updated_at"])
            _store_result(budget)
            closed += 1
    return closed


def member_banned(*, membership: Membership) -> int:
    """The documented rule: a ban removes the member's ballots of budgets still voting
    (their approvals leave the totals); ballots of closed votes stay with the result."""
    deleted, _rows = BudgetBallot.objects.filter(
        voter_id=membership.user_id,
        budget__village_id=membership.village_id,
        budget__phase=BudgetPhase.VOTE,
    ).delete()
    return deleted
