"""The budget's result rule, without a database: most approvals first, ties to the cheaper
then the older item, an item that does not fit the rest is skipped and the walk goes on."""

from __future__ import annotations

from collections import Counter

from dorf.participation.knapsack import Candidate, count_approvals, select


def _selected(budget: int, costs: dict[int, int], approvals: dict[int, int]) -> list[int]:
    ranked = select(
        budget_cents=budget,
        candidates=[Candidate(item_id=i, cost_cents=c) for i, c in costs.items()],
        approvals=Counter(approvals),
    )
    return [r.item_id for r in ranked if r.selected]


def test_the_most_approved_items_are_funded_while_money_is_left() -> None:
    assert _selected(100, {1: 50, 2: 40, 3: 30}, {1: 9, 2: 8, 3: 7}) == [1, 2]


def test_an_item_larger_than_the_rest_is_skipped_and_a_cheaper_one_below_is_funded() -> None:
    # 1 takes 60 of 100; 2 (50) no longer fits and is skipped; 3 (30) still fits
    assert _selected(100, {1: 60, 2: 50, 3: 30}, {1: 10, 2: 9, 3: 2}) == [1, 3]


def test_an_item_larger_than_the_whole_budget_is_never_funded() -> None:
    assert _selected(100, {1: 150, 2: 20}, {1: 99, 2: 1}) == [2]


def test_ties_go_to_the_cheaper_item_then_to_the_older_one() -> None:
    # 2 and 3 tie on approvals; only one of them fits: the cheaper (3) wins
    assert _selected(100, {1: 50, 2: 45, 3: 40}, {1: 5, 2: 4, 3: 4}) == [1, 3]
    # same approvals and cost: the lower id (submitted first) wins
    assert _selected(60, {7: 50, 4: 50}, {7: 3, 4: 3}) == [4]


def test_an_item_nobody_approved_can_still_use_the_rest() -> None:
    assert _selected(100, {1: 70, 2: 20}, {1: 3}) == [1, 2]


def test_approvals_count_each_ballot_once_per_item() -> None:
    assert count_approvals([[1, 2, 2], [2], []]) == Counter({1: 1, 2: 2})


def test_the_ranking_is_the_same_for_any_order_of_candidates() -> None:
    costs = {i: 10 + (i * 7) % 30 for i in range(1, 30)}
    approvals = {i: (i * 13) % 5 for i in range(1, 30)}
    forward = _selected(200, costs, approvals)
    backward = _selected(200, dict(reversed(list(costs.items()))), approvals)
    assert forward == backward
