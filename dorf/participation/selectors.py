"""Read use-cases of participation, scoped to the viewer's village."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from dorf.participation.models import (
    BudgetBallot,
    BudgetItem,
    BudgetPhase,
    CommentReport,
    Feasibility,
    ParticipatoryBudget,
    Poll,
    PollParticipation,
    Proposal,
    ProposalComment,
    ProposalState,
    ProposalSupport,
    ReportState,
)
from dorf.users.selectors import blocked_user_ids
from dorf.villages.models import Membership, Role


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


def awaiting_answer(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """The staff's queue among ``proposals``: past the threshold, not answered yet, not
    hidden, oldest first. The API's queue and the backoffice's both narrow through here."""
    return proposals.filter(state=ProposalState.ANSWER_DUE, hidden_at=None).order_by(
        "threshold_reached_at", "pk"
    )


def proposals_awaiting_answer(*, membership: Membership) -> QuerySet[Proposal]:
    """The staff's queue of the membership's village."""
    return awaiting_answer(proposal_list(membership=membership))


def comment_list(*, membership: Membership, proposal: Proposal) -> QuerySet[ProposalComment]:
    """Comments under a proposal, without those of people the viewer blocked (or who
    blocked the viewer), as in the chat."""
    comments = ProposalComment.objects.filter(proposal=proposal).select_related("author")
    hidden = blocked_user_ids(membership.user)
    if hidden:
        comments = comments.exclude(author_id__in=hidden)
    return comments


def open_comment_reports(reports: QuerySet[CommentReport]) -> QuerySet[CommentReport]:
    """The moderators' queue among ``reports``: still open."""
    return reports.filter(state=ReportState.OPEN)


def comment_report_list(*, membership: Membership) -> QuerySet[CommentReport]:
    """The moderators' queue of open comment reports of the village."""
    return open_comment_reports(
        CommentReport.objects.filter(comment__proposal__village_id=membership.village_id)
    ).select_related("comment__author", "reporter")


# --- polls ------------------------------------------------------------------------------------


def poll_list(*, membership: Membership) -> QuerySet[Poll]:
    """Published polls of the village (club polls too: their question is public, the vote
    is for the club's members); managers also see the drafts they may publish."""
    polls = Poll.objects.filter(village_id=membership.village_id)
    if membership.role != Role.STAFF:
        polls = polls.filter(Q(published_at__isnull=False) | Q(created_by_id=membership.user_id))
    mine = PollParticipation.objects.filter(poll=OuterRef("pk"), user_id=membership.user_id)
    return polls.annotate(voted_by_me=Exists(mine)).prefetch_related("options")


def poll_get(*, membership: Membership, poll_id: int) -> Poll | None:
    return poll_list(membership=membership).filter(pk=poll_id).first()


def unpublished(polls: QuerySet[Poll]) -> QuerySet[Poll]:
    """The publishing queue among ``polls``: drafts, the earliest opening first."""
    return polls.filter(published_at=None).order_by("opens_at", "pk")


def polls_to_publish(*, membership: Membership) -> QuerySet[Poll]:
    return unpublished(poll_list(membership=membership))


# --- budget -----------------------------------------------------------------------------------


def budget_list(*, membership: Membership) -> QuerySet[ParticipatoryBudget]:
    return ParticipatoryBudget.objects.filter(village_id=membership.village_id)


def budget_get(*, membership: Membership, budget_id: int) -> ParticipatoryBudget | None:
    return budget_list(membership=membership).filter(pk=budget_id).first()


def budget_item_list(
    *, membership: Membership, budget: ParticipatoryBudget
) -> QuerySet[BudgetItem]:
    return BudgetItem.objects.filter(budget=budget).select_related("proposer")


def awaiting_review(items: QuerySet[BudgetItem]) -> QuerySet[BudgetItem]:
    """The review queue among ``items``: not reviewed while their budget still collects
    or is under review."""
    return items.filter(
        budget__phase__in=(BudgetPhase.COLLECT, BudgetPhase.REVIEW),
        feasibility=Feasibility.PENDING,
    )


def budget_items_to_review(*, membership: Membership) -> QuerySet[BudgetItem]:
    return awaiting_review(
        BudgetItem.objects.filter(budget__village_id=membership.village_id)
    ).select_related("proposer")


def my_ballot_item_ids(*, membership: Membership, budget: ParticipatoryBudget) -> list[int]:
    return sorted(
        BudgetBallot.items.through.objects.filter(
            budgetballot__budget=budget, budgetballot__voter_id=membership.user_id
        ).values_list("budgetitem_id", flat=True)
    )
