"""GDPR erasure of one person across proposals, polls and the budget."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from dorf.core.privacy import ERASED
from dorf.participation.models import (
    BudgetBallot,
    BudgetPhase,
    CommentReport,
    PollParticipation,
    Proposal,
    ProposalComment,
    ProposalSupport,
)
from dorf.users.models import User


def export_votes(user: User) -> dict[str, Any]:
    """That the person voted in a poll (what they voted is stored nowhere with their
    name), and their budget approvals (a changeable ballot is theirs)."""
    return {
        "polls_voted_in": [
            {"question": p.poll.question, "voted_on": p.voted_on.isoformat()}
            for p in PollParticipation.objects.filter(user=user).select_related("poll")
        ],
        "budget_ballots": [
            {
                "budget": ballot.budget.title,
                "approved": sorted(item.title for item in ballot.items.all()),
            }
            for ballot in BudgetBallot.objects.filter(voter=user)
            .select_related("budget")
            .prefetch_related("items")
        ],
    }


@transaction.atomic
def erase_user(user: User) -> None:
    # The counts stay: they are the public record of how many supported it that day.
    ProposalSupport.objects.filter(user=user).delete()
    ProposalComment.objects.filter(author=user).update(author=None, text=ERASED)
    CommentReport.objects.filter(reporter=user).delete()
    # Poll totals live in the unlinked ballots; only the "who voted" row loses its name.
    PollParticipation.objects.filter(user=user).update(user=None)
    # A running vote forgets the ballot (the person is gone, as after a ban); a closed
    # one keeps it without a voter, so the stored result stays reproducible.
    BudgetBallot.objects.filter(voter=user, budget__phase=BudgetPhase.VOTE).delete()
    BudgetBallot.objects.filter(voter=user).update(voter=None)
    photos = [
        str(name)
        for name in Proposal.objects.filter(author=user)
        .exclude(photo="")
        .values_list("photo", flat=True)
    ]
    Proposal.objects.filter(author=user).update(author=None, photo="")

    def delete_files() -> None:
        for name in photos:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
