from __future__ import annotations

from typing import Any

from dorf.participation.models import (
    ParticipationSettings,
    Proposal,
    ProposalCategory,
    ProposalComment,
)
from dorf.participation.services import proposals
from dorf.villages.models import Membership, Role, Village
from tests.factories import MembershipFactory


def staff_of(village: Village) -> Membership:
    return MembershipFactory(village=village, role=Role.STAFF)


def proposal_in(village: Village, *, author: Membership | None = None, **fields: Any) -> Proposal:
    values: dict[str, Any] = {
        "title": "Bank am Weiher",
        "text": "Eine Sitzbank am Weiher wäre schön.",
        "category": ProposalCategory.SENIORS,
    }
    values.update(fields)
    author = author or MembershipFactory(village=village)
    return proposals.proposal_create(user=author.user, village_id=village.pk, **values)


def comment_on(proposal: Proposal, *, author: Membership | None = None) -> ProposalComment:
    author = author or MembershipFactory(village=proposal.village)
    return proposals.comment_create(user=author.user, proposal_id=proposal.pk, text="Gute Idee")


def set_threshold(village: Village, count: int, *, days: int = 90) -> None:
    ParticipationSettings.objects.update_or_create(
        village=village,
        defaults={
            "support_threshold_percent": None,
            "support_threshold_count": count,
            "proposal_support_days": days,
        },
    )
