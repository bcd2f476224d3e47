"""The one place that loads the rows a participation write changes, scoped to the acting
user's villages (another village's id is a 404) and row-locked.

Lock order, everywhere: the actor's membership first, then the proposal, poll or budget.
A ban locks the membership too (``dorf.villages.services.membership_ban``) and then, in
its receiver, the member's supports and ballots: the same order, so a vote racing a ban
waits for it and is then refused, or commits first and is then removed by the ban.
"""

from __future__ import annotations

from dorf.core.exceptions import NotFound
from dorf.participation.models import CommentReport, Proposal, ProposalComment
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState
from dorf.villages.scoping import get_scoped_or_404, member_village_ids


def membership_for(user: User, village_id: int) -> Membership:
    """The actor's verified membership of the village, row-locked (404 otherwise)."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("village")
        .filter(user=user, village_id=village_id)
        .first()
    )
    if membership is None or membership.state != MembershipState.VERIFIED:
        raise NotFound()
    return membership


def proposal_for(user: User, proposal_id: int, *, lock: bool = True) -> Proposal:
    proposals = Proposal.objects.select_related("village").filter(
        village__in=member_village_ids(user)
    )
    if lock:
        proposals = proposals.select_for_update(of=("self",))
    return get_scoped_or_404(proposals, pk=proposal_id)


def comment_for(user: User, comment_id: int) -> ProposalComment:
    comments = (
        ProposalComment.objects.select_for_update(of=("self",))
        .select_related("proposal__village")
        .filter(proposal__village__in=member_village_ids(user))
    )
    return get_scoped_or_404(comments, pk=comment_id)


def comment_report_for(user: User, report_id: int) -> CommentReport:
    reports = (
        CommentReport.objects.select_for_update(of=("self",))
        .select_related("comment__proposal__village")
        .filter(comment__proposal__village__in=member_village_ids(user))
    )
    return get_scoped_or_404(reports, pk=report_id)
