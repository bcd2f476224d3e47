"""Thread races on PostgreSQL: parallel supports and votes of one member count once, a
ban racing a support removes it, a vote after the close is a 409. Each thread holds its
own database connection (see tests/bookings/test_concurrency.py for the limits)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from dorf.core.exceptions import DomainError
from dorf.participation.models import (
    BudgetBallot,
    BudgetItem,
    ParticipatoryBudget,
    Poll,
    PollBallot,
    PollParticipation,
    Proposal,
    ProposalSupport,
)
from dorf.participation.services import budget, polls, proposals
from dorf.villages.models import Role
from dorf.villages.services import membership_ban
from tests.factories import MembershipFactory
from tests.participation.factories import budget_in, option_ids, poll_in, proposal_in

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("postgres-thread-races"),
]

THREADS = 50


def race(calls: list[Callable[[], object]]) -> Counter[str]:
    """Run every call at the same moment, one thread and connection each; count outcomes."""
    outcome: Counter[str] = Counter()
    mutex = threading.Lock()
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
            result = "ok"
        except DomainError as exc:
            result = f"{exc.status_code} {exc.code}"
        except Exception as exc:  # counted, never hidden
            result = type(exc).__name__
        finally:
            connection.close()
        with mutex:
            outcome[result] += 1

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def test_fifty_parallel_supports_of_one_member_count_once(village) -> None:
    # given
    proposal = proposal_in(village)
    member = MembershipFactory(village=village)
    # when
    outcome = race(
        [
            lambda: proposals.proposal_support(user=member.user, proposal_id=proposal.pk)
            for _ in range(THREADS)
        ]
    )
    # then
    assert outcome == Counter({"ok": 1, "409 already_supported": THREADS - 1}), outcome
    proposal.refresh_from_db()
    assert proposal.support_count == 1
    assert ProposalSupport.objects.filter(proposal=proposal).count() == 1


def test_parallel_supports_of_many_members_are_all_counted(village) -> None:
    proposal = proposal_in(village)
    members = MembershipFactory.create_batch(30, village=village)
    outcome = race(
        [partial(proposals.proposal_support, user=m.user, proposal_id=proposal.pk) for m in members]
    )
    assert outcome == Counter({"ok": 30}), outcome
    proposal.refresh_from_db()
    assert proposal.support_count == ProposalSupport.objects.filter(proposal=proposal).count() == 30


def test_a_ban_racing_the_members_supports_leaves_none_counted(village) -> None:
    # given a member supporting ten proposals while a moderator bans them
    moderator = MembershipFactory(village=village, role=Role.MODERATOR)
    member = MembershipFactory(village=village)
    targets = [proposal_in(village, title=f"Vorschlag {i}") for i in range(10)]
    calls: list[Callable[[], object]] = [
        partial(proposals.proposal_support, user=member.user, proposal_id=p.pk) for p in targets
    ]
    calls.append(partial(membership_ban, actor=moderator, membership_id=member.pk, reason="x"))
    # when
    outcome = race(calls)
    # then: each support either committed before the ban (and was removed by it) or came
    # after it (404); none is left, and every count equals its stored supports
    assert outcome["ok"] >= 1, outcome
    assert set(outcome) <= {"ok", "404 not_found"}, outcome
    assert not ProposalSupport.objects.filter(user=member.user).exists()
    for proposal in Proposal.objects.filter(pk__in=[p.pk for p in targets]):
        assert proposal.support_count == 0


def test_fifty_parallel_poll_votes_of_one_member_count_once(village) -> None:
    poll = poll_in(village)
    member = MembershipFactory(village=village)
    first = option_ids(poll)[:1]
    outcome = race(
        [
            partial(polls.poll_vote, user=member.user, poll_id=poll.pk, option_ids=first)
            for _ in range(THREADS)
        ]
    )
    assert outcome == Counter({"ok": 1, "409 already_voted": THREADS - 1}), outcome
    assert PollParticipation.objects.filter(poll=poll).count() == 1
    assert PollBallot.objects.filter(poll=poll).count() == 1


def test_fifty_parallel_budget_ballots_of_one_member_leave_one_ballot(village) -> None:
    made, items = budget_in(village)
    member = MembershipFactory(village=village)
    outcome = race(
        [
            partial(
                budget.budget_vote,
                user=member.user,
                budget_id=made.pk,
                item_ids=[items[i % 2].pk],
            )
            for i in range(THREADS)
        ]
    )
    # a budget ballot is changeable: every call succeeds, one after the other
    assert outcome == Counter({"ok": THREADS}), outcome
    assert BudgetBallot.objects.filter(budget=made, voter=member.user).count() == 1
    assert BudgetBallot.items.through.objects.filter(budgetballot__budget=made).count() == 1


def test_votes_after_the_close_are_409_and_from_another_village_404(village, other_village):
    poll = poll_in(village)
    Poll.objects.filter(pk=poll.pk).update(
        opens_at=timezone.now() - timedelta(days=1), closes_at=timezone.now()
    )
    inside = MembershipFactory.create_batch(10, village=village)
    outside = MembershipFactory.create_batch(10, village=other_village)
    first = option_ids(poll)[:1]
    outcome = race(
        [
            partial(polls.poll_vote, user=m.user, poll_id=poll.pk, option_ids=first)
            for m in [*inside, *outside]
        ]
    )
    assert outcome == Counter({"409 poll_closed": 10, "404 not_found": 10}), outcome
    assert not PollParticipation.objects.filter(poll=poll).exists()


def test_a_member_banned_mid_vote_has_the_budget_ballot_removed(village) -> None:
    # given twenty members voting while one of them is banned at the same moment
    made, items = budget_in(village)
    moderator = MembershipFactory(village=village, role=Role.MODERATOR)
    voters = MembershipFactory.create_batch(20, village=village)
    banned = voters[0]
    calls: list[Callable[[], object]] = [
        partial(budget.budget_vote, user=v.user, budget_id=made.pk, item_ids=[items[0].pk])
        for v in voters
    ]
    calls += [
        partial(budget.budget_vote, user=banned.user, budget_id=made.pk, item_ids=[items[1].pk])
        for _ in range(5)
    ]
    calls.append(partial(membership_ban, actor=moderator, membership_id=banned.pk, reason="x"))
    # when
    outcome = race(calls)
    # then the banned member's ballot is gone whichever came first, the others all count,
    # and the result equals a recomputation from the stored ballots
    assert set(outcome) <= {"ok", "404 not_found"}, outcome
    assert not BudgetBallot.objects.filter(budget=made, voter=banned.user).exists()
    ranking = {r.item_id: r.approvals for r in budget.budget_result_compute(made)}
    assert ranking[items[0].pk] == 19
    assert ranking[items[1].pk] == 0
    ParticipatoryBudget.objects.filter(pk=made.pk).update(vote_closes_at=timezone.now())
    assert budget.budgets_close() == 1
    stored = {i.pk: (i.approvals, i.selected) for i in BudgetItem.objects.filter(budget=made)}
    recomputed = {r.item_id: (r.approvals, r.selected) for r in budget.budget_result_compute(made)}
    assert stored == recomputed
