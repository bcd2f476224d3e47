"""Result computation time of a poll and of a participatory budget with 5,000 stored
ballots, on PostgreSQL (a throw-away test database).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dorf_particip \\
        .venv/bin/python benchmarks/participation_results.py --ballots 5000

The ballots are stored directly (bulk inserts; casting them is not what is measured).
Then each computation runs five times and the median and worst are printed:

- poll: option totals, voters and the sorted free texts (``polls.compute_results``),
  a multiple-choice poll with 6 options, each ballot choosing 1-3, every fifth with text;
- budget: approvals per item and the knapsack selection from the stored ballots
  (``budget.budget_result_compute``), 30 items, each ballot approving items up to the
  budget; and the pure rule alone (``knapsack.count_approvals`` + ``select``) on the
  same ballots already in memory.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from dorf.users.models import User  # noqa: E402
from dorf.villages.models import Village  # noqa: E402


def timed(label: str, call: Callable[[], object], runs: int = 5) -> None:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        durations.append((time.perf_counter() - started) * 1000)
    print(f"{label}: median {statistics.median(durations):.0f} ms, worst {max(durations):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=5000)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=True)
    try:
        poll_results(args.ballots)
        budget_results(args.ballots)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=True)


def _voters(village: Village, count: int) -> list[User]:
    from dorf.villages.models import Membership, MembershipState

    stamp = time.time_ns()
    users = User.objects.bulk_create(
        User(email=f"bench{stamp}-{i}@example.org", first_name="B", last_name=str(i))
        for i in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=u, village=village, state=MembershipState.VERIFIED) for u in users
    )
    return list(users)


def poll_results(count: int) -> None:
    from dorf.participation.models import Poll, PollBallot, PollKind, PollOption, PollParticipation
    from dorf.participation.services import polls
    from tests.factories import VillageFactory

    rng = random.Random(24)
    village = VillageFactory()
    now = timezone.now()
    poll = Poll.objects.create(
        village=village,
        question="Benchmark",
        kind=PollKind.MULTIPLE,
        max_choices=3,
        allow_free_text=True,
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(seconds=1),
        published_at=now - timedelta(days=2),
    )
    options = PollOption.objects.bulk_create(
        PollOption(poll=poll, label=f"Option {i}", position=i) for i in range(6)
    )
    users = _voters(village, count)
    PollParticipation.objects.bulk_create(
        PollParticipation(poll=poll, user=u, voted_on=now.date()) for u in users
    )
    ballots = PollBallot.objects.bulk_create(
        PollBallot(poll=poll, free_text=f"Text {i}" if i % 5 == 0 else "") for i in range(count)
    )
    through = PollBallot.options.through
    through.objects.bulk_create(
        through(pollballot_id=b.pk, polloption_id=o.pk)
        for b in ballots
        for o in rng.sample(options, rng.randint(1, 3))
    )
    results = polls.compute_results(poll)
    assert results.ballots == count
    assert results.voters == count
    timed(f"poll, {count} ballots", lambda: polls.compute_results(poll))


def budget_results(count: int) -> None:
    from dorf.participation import knapsack
    from dorf.participation.models import (
        BudgetBallot,
        BudgetItem,
        BudgetPhase,
        Feasibility,
        ParticipatoryBudget,
    )
    from dorf.participation.services import budget
    from tests.factories import VillageFactory

    rng = random.Random(24)
    village = VillageFactory()
    amount = 100_000_00
    made = ParticipatoryBudget.objects.create(
        village=village, title="Benchmark", amount_cents=amount, phase=BudgetPhase.RESULTS
    )
    items = BudgetItem.objects.bulk_create(
        BudgetItem(
            budget=made,
            title=f"Item {i}",
            description="x",
            cost_cents=rng.randint(2_000_00, 40_000_00),
            feasibility=Feasibility.FEASIBLE,
        )
        for i in range(30)
    )
    users = _voters(village, count)
    ballots = BudgetBallot.objects.bulk_create(BudgetBallot(budget=made, voter=u) for u in users)
    through = BudgetBallot.items.through
    rows = []
    for ballot in ballots:
        left = amount
        for item in rng.sample(items, len(items)):
            if item.cost_cents <= left and rng.random() < 0.4:
                rows.append(through(budgetballot_id=ballot.pk, budgetitem_id=item.pk))
                left -= item.cost_cents
    through.objects.bulk_create(rows)
    print(f"budget: {len(rows)} approvals on {count} ballots, 30 items")
    timed(f"budget from the database, {count} ballots", lambda: budget.budget_result_compute(made))
    stored = budget.stored_ballots(made)
    candidates = [knapsack.Candidate(item_id=i.pk, cost_cents=i.cost_cents) for i in items]
    timed(
        f"budget rule alone (in memory), {count} ballots",
        lambda: knapsack.select(
            budget_cents=amount, candidates=candidates, approvals=knapsack.count_approvals(stored)
        ),
    )


if __name__ == "__main__":
    main()
