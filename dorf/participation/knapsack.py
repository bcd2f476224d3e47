"""The participatory budget's result rule, in plain Python (no Django), so it can be
tested, benchmarked and re-run by anyone from the stored ballots.

The rule ("most approvals that fit the budget", the greedy rule CONSUL uses):

1. Only feasible items take part.
2. Items are ranked by approvals, most first. Ties go to the cheaper item (more money
   left for the others), then to the item submitted first (lower id): the order is
   total, so the result is reproducible.
3. Walking down the ranking, an item is funded when its cost fits what is left of the
   budget; an item that does not fit is skipped (not funded) and the walk goes on, so a
   cheaper item further down can still use the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    item_id: int
    cost_cents: int


@dataclass(frozen=True)
class Ranked:
    item_id: int
    cost_cents: int
    approvals: int
    selected: bool


def count_approvals(ballots: Iterable[Iterable[int]]) -> Counter[int]:
    """Approvals per item id from the ballots (each ballot: the ids it approves). An id
    listed twice on one ballot counts once."""
    counts: Counter[int] = Counter()
    for ballot in ballots:
        counts.update(set(ballot))
    return counts


def select(
    *, budget_cents: int, candidates: Iterable[Candidate], approvals: Counter[int]
) -> list[Ranked]:
    """Rank and fund the candidates by the rule above; returns every candidate, ranked."""
    ranking = sorted(
        candidates, key=lambda c: (-approvals.get(c.item_id, 0), c.cost_cents, c.item_id)
    )
    left = budget_cents
    result = []
    for candidate in ranking:
        fits = candidate.cost_cents <= left
        if fits:
            left -= candidate.cost_cents
        result.append(
            Ranked(
                item_id=candidate.item_id,
                cost_cents=candidate.cost_cents,
                approvals=approvals.get(candidate.item_id, 0),
                selected=fits,
            )
        )
    return result
