"""One scoping rule, in services: a write service called directly (not through a view) with
an object of a village where the acting user is not a verified member refuses with 404.

The cases use people who *were* connected to the object (the board member of a club, the
author of a posting) but are no longer verified members of its village: the object-level
checks alone (board, author) would let them through; the village scope must not."""

from __future__ import annotations

import pytest

from dorf.clubs import services as club_services
from dorf.clubs.models import ClubRole
from dorf.core.exceptions import NotFound
from dorf.marketplace import services as market_services
from dorf.villages.models import MembershipState, Role
from tests.clubs.factories import ClubEventFactory, ClubMembershipFactory, ShiftFactory
from tests.factories import MembershipFactory, VillageFactory
from tests.marketplace.factories import AgreementFactory, PostingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def banned_board_member():
    """A club's board member whose membership of the club's village has been banned."""
    membership = MembershipFactory(state=MembershipState.BANNED)
    club_membership = ClubMembershipFactory(
        club__village=membership.village, user=membership.user, role=ClubRole.BOARD
    )
    return membership.user, club_membership.club


def test_club_services_refuse_a_club_of_a_village_where_the_user_is_not_a_member(
    banned_board_member,
) -> None:
    user, club = banned_board_member
    event = ClubEventFactory(club=club)
    shift = ShiftFactory(event=event)
    with pytest.raises(NotFound):
        club_services.club_update(user=user, club_id=club.pk, name="Übernommen")
    with pytest.raises(NotFound):
        club_services.rsvp_set(user=user, event_id=event.pk, response="going")
    with pytest.raises(NotFound):
        club_services.shift_signup(user=user, shift_id=shift.pk)
    with pytest.raises(NotFound):
        club_services.event_update(user=user, event_id=event.pk, title="Übernommen")
    club.refresh_from_db()
    assert club.name != "Übernommen"


def test_club_services_refuse_ids_of_another_village() -> None:
    # given a board member of a club in village A, and a club with an event in village B
    mine = MembershipFactory()
    ClubMembershipFactory(club__village=mine.village, user=mine.user, role=ClubRole.BOARD)
    theirs = ClubEventFactory(club__village=VillageFactory())
    # when the services are called with village B's ids / then they answer as if unknown
    with pytest.raises(NotFound):
        club_services.club_join(user=mine.user, club_id=theirs.club_id)
    with pytest.raises(NotFound):
        club_services.announcement_create(user=mine.user, club_id=theirs.club_id, title="Hallo")


def test_marketplace_services_refuse_postings_of_a_village_where_the_user_is_not_a_member() -> None:
    # given the author of a posting who was banned from its village
    author = MembershipFactory(state=MembershipState.BANNED)
    posting = PostingFactory(village=author.village, author=author.user)
    # when / then
    with pytest.raises(NotFound):
        market_services.posting_withdraw(user=author.user, posting_id=posting.pk)
    # and a moderator of another village cannot hide it
    moderator = MembershipFactory(role=Role.MODERATOR)
    with pytest.raises(NotFound):
        market_services.posting_hide(actor=moderator.user, posting_id=posting.pk)
    with pytest.raises(NotFound):
        market_services.posting_report(user=moderator.user, posting_id=posting.pk, reason="x")
    posting.refresh_from_db()
    assert posting.hidden_at is None


def test_agreement_services_refuse_a_party_who_left_the_village() -> None:
    agreement = AgreementFactory()
    village = agreement.posting.village
    MembershipFactory(village=village, user=agreement.helper, state=MembershipState.BANNED)
    with pytest.raises(NotFound):
        market_services.agreement_propose(
            user=agreement.helper, agreement_id=agreement.pk, minutes=30
        )
