"""Polls: who may ask, one vote per member, results hidden until the close, ballots that
cannot be attributed, erasure that keeps the totals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.participation.models import Poll, PollBallot, PollKind, PollParticipation
from dorf.participation.services import polls
from dorf.participation.services.erasure import erase_user
from tests.clubs.factories import ClubFactory, ClubMembershipFactory
from tests.factories import MembershipFactory
from tests.participation.factories import option_ids, poll_in, staff_of

pytestmark = pytest.mark.django_db


def _close(poll: Poll) -> None:
    Poll.objects.filter(pk=poll.pk).update(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(seconds=1)
    )
    poll.refresh_from_db()


def test_residents_cannot_ask_but_a_clubs_board_can_for_its_members(village, member) -> None:
    with pytest.raises(Forbidden):
        poll_in(village, by=member)
    club = ClubFactory(village=village)
    ClubMembershipFactory(club=club, user=member.user, role="board")
    poll = poll_in(village, by=member, club_id=club.pk)
    # a villager outside the club cannot vote; a club member can
    outsider = MembershipFactory(village=village)
    with pytest.raises(Forbidden):
        polls.poll_vote(user=outsider.user, poll_id=poll.pk, option_ids=option_ids(poll)[:1])
    club_member = MembershipFactory(village=village)
    ClubMembershipFactory(club=club, user=club_member.user)
    polls.poll_vote(user=club_member.user, poll_id=poll.pk, option_ids=option_ids(poll)[:1])


def test_one_vote_per_member_enforced_by_the_database(village, member) -> None:
    poll = poll_in(village)
    polls.poll_vote(user=member.user, poll_id=poll.pk, option_ids=option_ids(poll)[:1])
    with pytest.raises(Conflict) as raised:
        polls.poll_vote(user=member.user, poll_id=poll.pk, option_ids=option_ids(poll)[1:2])
    assert raised.value.code == "already_voted"
    # the constraint itself, past the service
    with pytest.raises(IntegrityError), transaction.atomic():
        PollParticipation.objects.create(poll=poll, user=member.user, voted_on=timezone.now())


def test_choices_are_checked_against_the_kind(village, member) -> None:
    single = poll_in(village)
    with pytest.raises(ValidationFailed):
        polls.poll_vote(user=member.user, poll_id=single.pk, option_ids=option_ids(single)[:2])
    with pytest.raises(ValidationFailed):
        polls.poll_vote(user=member.user, poll_id=single.pk, option_ids=[])
    with pytest.raises(ValidationFailed):
        polls.poll_vote(
            user=member.user, poll_id=single.pk, option_ids=option_ids(single)[:1], free_text="x"
        )
    multiple = poll_in(village, kind=PollKind.MULTIPLE, max_choices=2, allow_free_text=True)
    with pytest.raises(ValidationFailed):
        polls.poll_vote(user=member.user, poll_id=multiple.pk, option_ids=option_ids(multiple))
    with pytest.raises(ValidationFailed):
        polls.poll_vote(user=member.user, poll_id=multiple.pk, option_ids=option_ids(single)[:1])
    polls.poll_vote(
        user=member.user,
        poll_id=multiple.pk,
        option_ids=option_ids(multiple)[:2],
        free_text="Am liebsten am Wochenende",
    )
    assert PollParticipation.objects.filter(poll=multiple).count() == 1
    assert PollParticipation.objects.filter(poll=single).count() == 0


def test_results_are_hidden_until_the_close_even_from_staff_unless_live(village) -> None:
    poll = poll_in(village)
    voters = MembershipFactory.create_batch(3, village=village)
    ids = option_ids(poll)
    for voter, choice in zip(voters, [ids[0], ids[0], ids[2]], strict=True):
        polls.poll_vote(user=voter.user, poll_id=poll.pk, option_ids=[choice])
    with pytest.raises(Conflict) as raised:
        polls.poll_results(poll=poll)
    assert raised.value.code == "results_hidden"
    live = poll_in(village, results_live=True)
    assert polls.poll_results(poll=live).ballots == 0
    _close(poll)
    results = polls.poll_results(poll=poll)
    assert [o.votes for o in results.options] == [2, 0, 1]
    assert (results.ballots, results.voters) == (3, 3)


def test_a_vote_after_the_close_or_before_the_opening_is_a_conflict(village, member) -> None:
    poll = poll_in(village)
    _close(poll)
    with pytest.raises(Conflict) as raised:
        polls.poll_vote(user=member.user, poll_id=poll.pk, option_ids=option_ids(poll)[:1])
    assert raised.value.code == "poll_closed"
    later = poll_in(village, opens_at=timezone.now() + timedelta(days=1))
    with pytest.raises(Conflict):
        polls.poll_vote(user=member.user, poll_id=later.pk, option_ids=option_ids(later)[:1])


def test_drafts_and_other_villages_polls_take_no_votes(village, member, outsider) -> None:
    draft = poll_in(village, publish=False)
    with pytest.raises(NotFound):
        polls.poll_vote(user=member.user, poll_id=draft.pk, option_ids=option_ids(draft)[:1])
    poll = poll_in(village)
    with pytest.raises(NotFound):
        polls.poll_vote(user=outsider.user, poll_id=poll.pk, option_ids=option_ids(poll)[:1])


def test_a_ballot_carries_nothing_that_points_to_its_voter(village, member) -> None:
    # given a vote
    poll = poll_in(village)
    polls.poll_vote(user=member.user, poll_id=poll.pk, option_ids=option_ids(poll)[:1])
    # then the ballot table has no user, no time and no sequence to match against
    columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), PollBallot._meta.db_table
        )
    }
    assert columns == {"id", "poll_id", "free_text"}
    participation_columns = {f.column for f in PollParticipation._meta.concrete_fields}
    assert participation_columns == {"id", "poll_id", "user_id", "voted_on"}


def test_erasure_keeps_the_totals(village) -> None:
    poll = poll_in(village)
    voters = MembershipFactory.create_batch(2, village=village)
    for voter in voters:
        polls.poll_vote(user=voter.user, poll_id=poll.pk, option_ids=option_ids(poll)[:1])
    erase_user(voters[0].user)
    _close(poll)
    results = polls.poll_results(poll=poll)
    assert results.options[0].votes == 2
    assert results.voters == 2
    assert not PollParticipation.objects.filter(user=voters[0].user).exists()


def test_closing_tells_the_voters_once(village, member) -> None:
    poll = poll_in(village)
    polls.poll_vote(user=member.user, poll_id=poll.pk, option_ids=option_ids(poll)[:1])
    _close(poll)
    assert polls.polls_close() == 1
    assert polls.polls_close() == 0
    assert member.user.notifications.filter(link_type="poll", link_id=poll.pk).count() == 2


def test_only_staff_or_the_board_publish(village, member) -> None:
    draft = poll_in(village, publish=False)
    with pytest.raises(Forbidden):
        polls.poll_publish(actor=member.user, poll_id=draft.pk)
    polls.poll_publish(actor=staff_of(village).user, poll_id=draft.pk)
    with pytest.raises(Conflict):
        polls.poll_publish(actor=staff_of(village).user, poll_id=draft.pk)
