"""GDPR export and erasure for participation (declared in the app registry).

Erasure rules: a person's supports are removed but the proposals' support counts keep
them (the count is the public record of the day); their comments become tombstones;
their proposals stay as a public record without their name (the photo goes). Poll
ballots were never linked to anyone: the person leaves the list of who voted and every
total stays. Budget ballots are anonymised the same way once the vote is over (``None``
voter), and removed while it still runs.
"""

from __future__ import annotations

from typing import Any

from dorf.participation.models import Proposal, ProposalComment, ProposalSupport
from dorf.participation.services import erasure
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "proposals": [
            {
                "title": proposal.title,
                "text": proposal.text,
                "category": proposal.category,
                "state": proposal.state,
                "created_at": proposal.created_at.isoformat(),
            }
            for proposal in Proposal.objects.filter(author=user)
        ],
        "supports": [
            {"proposal": support.proposal.title, "at": support.created_at.isoformat()}
            for support in ProposalSupport.objects.filter(user=user).select_related("proposal")
        ],
        "comments": [
            {
                "proposal": comment.proposal.title,
                "text": comment.text,
                "at": comment.created_at.isoformat(),
            }
            for comment in ProposalComment.objects.filter(author=user).select_related("proposal")
        ],
        **erasure.export_votes(user),
    }


def erase_personal_data(user: User) -> None:
    erasure.erase_user(user)
