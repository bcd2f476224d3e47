"""Thread races on PostgreSQL: parallel supports and votes of one member count once, a
ban racing a support removes it, a vote after the close is a 409. Each thread holds its
own database connection (see tests/bookings/test_concurrency.py for the limits)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection

from dorf.core.exceptions import DomainError
from dorf.participation.models import Proposal, ProposalSupport
from dorf.participation.services import proposals
from dorf.villages.models import Role
from dorf.villages.services import membership_ban
from tests.factories import MembershipFactory
from tests.participation.factories import proposal_in

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
