"""The demo village shows every part of Beteiligung (issue #24's "done when")."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from dorf.council.models import CouncilSource, Meeting
from dorf.participation.models import BudgetPhase, ParticipatoryBudget, Poll, Proposal
from dorf.participation.services import polls

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_answered_proposal_a_closed_poll_a_voting_budget_and_meetings():
    call_command("seed_demo", "--residents", "30", stdout=StringIO())
    answered = Proposal.objects.get(title="Bank am Weiher")
    assert answered.threshold_reached_at is not None
    assert answered.answer_status == "accepted"
    closed = Poll.objects.get(question__startswith="Wann soll das Dorffest")
    results = polls.poll_results(poll=closed)
    assert sum(option.votes for option in results.options) == 9
    assert closed.closes_at < timezone.now()
    voting = ParticipatoryBudget.objects.get(title="Bürgerhaushalt 2027")
    assert voting.phase == BudgetPhase.VOTE
    assert voting.ballots.count() == 8
    assert CouncilSource.objects.get().last_error == ""
    assert Meeting.objects.count() == 4
