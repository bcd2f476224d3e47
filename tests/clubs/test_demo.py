from __future__ import annotations

import io
import random

import pytest

from dorf.chat.models import Message, Room
from dorf.clubs import demo as clubs_demo
from dorf.clubs.models import Club, OccurrenceOverride, Rsvp, Shift
from dorf.ledger.models import Transfer, TransferKind
from dorf.marketplace import demo as marketplace_demo
from dorf.marketplace.models import Agreement, Conversation, Posting, PostingCategory
from dorf.villages.demo import seed_village


@pytest.mark.django_db
def test_the_demo_seeds_clubs_waitlists_shifts_and_paid_help() -> None:
    # given: the demo village without the (slow) ledger history
    ctx = seed_village(residents=60, rng=random.Random(7), out=io.StringIO())
    # when
    marketplace_demo.seed(ctx)
    clubs_demo.seed(ctx)
    # then
    assert Club.objects.count() == 4
    assert OccurrenceOverride.objects.filter(cancelled=True).count() == 1
    assert Rsvp.objects.filter(response="waitlisted").count() == 8
    assert Shift.objects.exclude(transfer_id=None).count() == 1
    # Every category residents can post in (finds and losses go to the Fundbüro instead).
    assert set(Posting.objects.values_list("category", flat=True)) == set(
        PostingCategory.values
    ) - {PostingCategory.LOST_FOUND}
    paid = Agreement.objects.exclude(transfer_id=None).count()
    assert paid >= 1
    assert Transfer.objects.filter(kind=TransferKind.HELP, link_type="posting").count() == paid
    # and: each club's chat room holds exactly its active members
    for club in Club.objects.all():
        room = Room.objects.get(subject_type="club", subject_id=club.pk)
        active = set(club.memberships.filter(state="active").values_list("user_id", flat=True))
        assert set(room.members.values_list("user_id", flat=True)) == active
        assert len(active) > 1
    # and: every reply to a posting is a chat message in its conversation's room
    for conversation in Conversation.objects.select_related("posting"):
        reply_room = conversation.room
        assert reply_room is not None
        members = set(reply_room.members.values_list("user_id", flat=True))
        assert members == {conversation.posting.author_id, conversation.replier_id}
        assert Message.objects.filter(room=reply_room, sender=conversation.replier).exists()
