"""Proposals: threshold, supports, answers pushed to supporters, expiry, comments with the
chat's moderation rules, and the removal of a banned member's supports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.notifications.models import Notification
from dorf.participation.models import (
    AnswerStatus,
    CommentReport,
    Proposal,
    ProposalState,
    ProposalSupport,
    ReportState,
)
from dorf.participation.services import proposals
from dorf.users.models import Block
from dorf.villages.models import MembershipState, Role
from dorf.villages.services import membership_ban
from tests.factories import MembershipFactory
from tests.participation.factories import comment_on, proposal_in, set_threshold, staff_of

pytestmark = pytest.mark.django_db


def test_the_threshold_is_the_percentage_of_verified_members_rounded_up(village) -> None:
    # given 41 verified members (and a pending and a banned one, who do not count)
    MembershipFactory.create_batch(41, village=village)
    MembershipFactory(village=village, state=MembershipState.PENDING)
    MembershipFactory(village=village, state=MembershipState.BANNED)
    # when / then: 5 % of 41 = 2.05 -> 3
    assert proposals.threshold_for(village.pk) == 3
    staff = staff_of(village)
    proposals.settings_update(
        actor=staff.user,
        village_id=village.pk,
        support_threshold_percent=None,
        support_threshold_count=7,
        proposal_support_days=30,
    )
    proposal = proposal_in(village)
    assert proposal.support_threshold == 7
    assert proposal.supports_until - proposal.created_at == pytest.approx(
        timedelta(days=30), abs=timedelta(seconds=5)
    )


def test_only_staff_change_the_rules(member) -> None:
    with pytest.raises(Forbidden):
        proposals.settings_update(
            actor=member.user,
            village_id=member.village_id,
            support_threshold_percent=1,
            support_threshold_count=None,
            proposal_support_days=30,
        )


def test_reaching_the_threshold_tells_the_staff_once_and_obliges_an_answer(village) -> None:
    # given a threshold of 2 and two staff members
    staff = [staff_of(village), staff_of(village)]
    proposals.settings_update(
        actor=staff[0].user,
        village_id=village.pk,
        support_threshold_percent=None,
        support_threshold_count=2,
        proposal_support_days=30,
    )
    proposal = proposal_in(village)
    first, second, third = MembershipFactory.create_batch(3, village=village)
    # when two support, one withdraws and a third supports again
    proposals.proposal_support(user=first.user, proposal_id=proposal.pk)
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.OPEN
    proposals.proposal_support(user=second.user, proposal_id=proposal.pk)
    proposals.proposal_support_withdraw(user=second.user, proposal_id=proposal.pk)
    proposals.proposal_support(user=third.user, proposal_id=proposal.pk)
    # then the threshold was reached once, stays reached, and each staff member was told once
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ANSWER_DUE
    assert proposal.support_count == 2
    told = Notification.objects.filter(link_type="proposal", link_id=proposal.pk)
    assert sorted(told.values_list("user_id", flat=True)) == sorted(s.user_id for s in staff)


def test_the_answer_is_published_and_pushed_to_every_supporter(village) -> None:
    staff = staff_of(village)
    author = MembershipFactory(village=village)
    proposal = proposal_in(village, author=author)
    supporters = MembershipFactory.create_batch(3, village=village)
    for supporter in supporters:
        proposals.proposal_support(user=supporter.user, proposal_id=proposal.pk)
    # a rejection needs its reason
    with pytest.raises(ValidationFailed):
        proposals.proposal_answer(
            actor=staff.user, proposal_id=proposal.pk, status=AnswerStatus.REJECTED, text=" "
        )
    answered = proposals.proposal_answer(
        actor=staff.user,
        proposal_id=proposal.pk,
        status=AnswerStatus.TO_COUNCIL,
        text="Der Gemeinderat berät am 12. Januar.",
    )
    assert answered.state == ProposalState.ANSWERED
    told = Notification.objects.filter(link_type="proposal", link_id=proposal.pk).exclude(
        user=staff.user  # told earlier that the threshold was reached
    )
    assert sorted(told.values_list("user_id", flat=True)) == sorted(
        [author.user_id, *(s.user_id for s in supporters)]
    )
    # supports end with the answer
    with pytest.raises(Conflict):
        proposals.proposal_support(
            user=MembershipFactory(village=village).user, proposal_id=proposal.pk
        )


def test_a_resident_cannot_answer(village, member) -> None:
    proposal = proposal_in(village)
    with pytest.raises(Forbidden):
        proposals.proposal_answer(
            actor=member.user, proposal_id=proposal.pk, status=AnswerStatus.ACCEPTED, text=""
        )


def test_supports_are_once_per_member_and_never_for_the_own_proposal(village, member) -> None:
    proposal = proposal_in(village, author=member)
    with pytest.raises(ValidationFailed):
        proposals.proposal_support(user=member.user, proposal_id=proposal.pk)
    other = MembershipFactory(village=village)
    proposals.proposal_support(user=other.user, proposal_id=proposal.pk)
    with pytest.raises(Conflict) as raised:
        proposals.proposal_support(user=other.user, proposal_id=proposal.pk)
    assert raised.value.code == "already_supported"
    with pytest.raises(Conflict):
        proposals.proposal_support_withdraw(user=member.user, proposal_id=proposal.pk)


def test_after_the_support_period_nothing_changes_and_the_expiry_task_expires_it(village) -> None:
    set_threshold(village, 5)
    author = MembershipFactory(village=village)
    proposal = proposal_in(village, author=author)
    supporter = MembershipFactory(village=village)
    proposals.proposal_support(user=supporter.user, proposal_id=proposal.pk)
    Proposal.objects.filter(pk=proposal.pk).update(
        supports_until=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(Conflict) as raised:
        proposals.proposal_support_withdraw(user=supporter.user, proposal_id=proposal.pk)
    assert raised.value.code == "support_closed"
    # when the periodic task runs twice
    assert proposals.proposals_expire() == 1
    assert proposals.proposals_expire() == 0
    # then the proposal expired and its author was told once
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.EXPIRED
    assert Notification.objects.filter(user=author.user, link_id=proposal.pk).count() == 1


def test_a_proposal_past_its_threshold_does_not_expire(village) -> None:
    staff = staff_of(village)
    proposals.settings_update(
        actor=staff.user,
        village_id=village.pk,
        support_threshold_percent=None,
        support_threshold_count=1,
        proposal_support_days=1,
    )
    proposal = proposal_in(village)
    proposals.proposal_support(
        user=MembershipFactory(village=village).user, proposal_id=proposal.pk
    )
    assert proposals.proposals_expire(now=timezone.now() + timedelta(days=2)) == 0
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.ANSWER_DUE


def test_another_villages_proposal_is_unknown(village, outsider) -> None:
    proposal = proposal_in(village)
    with pytest.raises(NotFound):
        proposals.proposal_support(user=outsider.user, proposal_id=proposal.pk)
    with pytest.raises(NotFound):
        proposals.comment_create(user=outsider.user, proposal_id=proposal.pk, text="Hallo")


def test_a_ban_removes_the_members_open_supports_from_the_counts(village) -> None:
    # given a member who supports an open and an answered proposal
    staff = staff_of(village)
    member = MembershipFactory(village=village)
    open_one, answered = proposal_in(village), proposal_in(village, title="Zweiter")
    for proposal in (open_one, answered):
        proposals.proposal_support(user=member.user, proposal_id=proposal.pk)
    proposals.proposal_answer(
        actor=staff.user, proposal_id=answered.pk, status=AnswerStatus.DONE, text="Erledigt"
    )
    # when the member is banned
    membership_ban(actor=staff, membership_id=member.pk, reason="Spam")
    # then the open support is gone from the count, the answered record stays
    open_one.refresh_from_db()
    answered.refresh_from_db()
    assert open_one.support_count == 0
    assert not ProposalSupport.objects.filter(proposal=open_one).exists()
    assert answered.support_count == 1
    # and the banned member cannot support any more
    with pytest.raises(NotFound):
        proposals.proposal_support(user=member.user, proposal_id=open_one.pk)


def test_comments_follow_the_chats_moderation_rules(village) -> None:
    # given a comment, reported by a resident
    moderator = MembershipFactory(village=village, role=Role.MODERATOR)
    proposal = proposal_in(village)
    author = MembershipFactory(village=village)
    comment = comment_on(proposal, author=author)
    reporter = MembershipFactory(village=village)
    report = proposals.comment_report(
        user=reporter.user, comment_id=comment.pk, reason="Beleidigend"
    )
    assert Notification.objects.filter(user=moderator.user, link_id=report.pk).exists()
    with pytest.raises(Conflict):
        proposals.comment_report(user=reporter.user, comment_id=comment.pk, reason="nochmal")
    # a resident may not hide it
    with pytest.raises(Forbidden):
        proposals.comment_hide(actor=reporter.user, comment_id=comment.pk)
    # when the moderator hides it
    proposals.comment_hide(actor=moderator.user, comment_id=comment.pk)
    # then it is a tombstone, the report is resolved and the author was told
    comment.refresh_from_db()
    assert comment.is_tombstone
    assert CommentReport.objects.get(pk=report.pk).state == ReportState.RESOLVED
    assert Notification.objects.filter(user=author.user, category="moderation").exists()


def test_an_empty_or_overlong_comment_is_refused_and_only_the_author_deletes(village) -> None:
    proposal = proposal_in(village)
    author = MembershipFactory(village=village)
    with pytest.raises(ValidationFailed):
        proposals.comment_create(user=author.user, proposal_id=proposal.pk, text="   ")
    with pytest.raises(ValidationFailed):
        proposals.comment_create(user=author.user, proposal_id=proposal.pk, text="x" * 2001)
    comment = comment_on(proposal, author=author)
    with pytest.raises(Forbidden):
        proposals.comment_delete(
            user=MembershipFactory(village=village).user, comment_id=comment.pk
        )
    proposals.comment_delete(user=author.user, comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.deleted_at is not None


def test_comments_of_blocked_people_are_not_shown(village, client_for) -> None:
    proposal = proposal_in(village)
    viewer, blocked = MembershipFactory.create_batch(2, village=village)
    comment_on(proposal, author=blocked)
    kept = comment_on(proposal)
    Block.objects.create(blocker=viewer.user, blocked=blocked.user)
    url = f"/api/v1/villages/{village.slug}/participation/proposals/{proposal.pk}/comments/"
    body = client_for(viewer.user).get(url).json()
    assert [c["id"] for c in body["results"]] == [kept.pk]
