"""Read use-cases of participation, scoped to the viewer's village."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from dorf.participation.models import (
    CommentReport,
    Proposal,
    ProposalComment,
    ProposalState,
    ProposalSupport,
    ReportState,
)
from dorf.users.selectors import blocked_user_ids
from dorf.villages.models import Membership


def proposal_list(
    *, membership: Membership, state: str | None = None, category: str | None = None
) -> QuerySet[Proposal]:
    """The village's proposals with "do I support it"; hidden ones only for moderators."""
    proposals = Proposal.objects.filter(village_id=membership.village_id)
    if not membership.is_moderator:
        proposals = proposals.filter(hidden_at=None)
    if state:
        proposals = proposals.filter(state=state)
    if category:
        proposals = proposals.filter(category=category)
    mine = ProposalSupport.objects.filter(proposal=OuterRef("pk"), user_id=membership.user_id)
    return proposals.select_related("author").annotate(supported_by_me=Exists(mine))


def proposal_get(*, membership: Membership, proposal_id: int) -> Proposal | None:
    return proposal_list(membership=membership).filter(pk=proposal_id).first()


def proposals_awaiting_answer(*, membership: Membership) -> QuerySet[Proposal]:
    """The staff's queue: past the threshold, not answered yet, oldest first."""
    return (
        proposal_list(membership=membership, state=ProposalState.ANSWER_DUE)
        .filter(hidden_at=None)
        .order_by("threshold_reached_at", "pk")
    )


def comment_list(*, membership: Membership, proposal: Proposal) -> QuerySet[ProposalComment]:
    """Comments under a proposal, without those of people the viewer blocked (or who
    blocked the viewer), as in the chat."""
    comments = ProposalComment.objects.filter(proposal=proposal).select_related("author")
    hidden = blocked_user_ids(membership.user)
    if hidden:
        comments = comments.exclude(author_id__in=hidden)
    return comments


def comment_report_list(*, membership: Membership) -> QuerySet[CommentReport]:
    """The moderators' queue of open comment reports of the village."""
    return CommentReport.objects.filter(
        comment__proposal__village_id=membership.village_id, state=ReportState.OPEN
    ).select_related("comment__author", "reporter")
