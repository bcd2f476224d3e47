from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from dorf.chat.models import Message, Room
from dorf.clubs import demo as clubs_demo
from dorf.clubs.models import Club, ClubEvent, OccurrenceOverride, Rsvp, Shift
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


@pytest.mark.django_db
@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 30, 23, 30, tzinfo=UTC),  # Monday in UTC, Tuesday in Berlin
        datetime(2026, 12, 1, 23, 30, tzinfo=UTC),  # Tuesday in UTC, Wednesday in Berlin
        datetime(2026, 3, 29, 22, 30, tzinfo=UTC),  # the night of the spring clock change
    ],
)
def test_the_weekly_rehearsal_falls_on_a_tuesday_in_the_village_whatever_the_utc_day(
    now: datetime,
) -> None:
    # given: the demo is seeded late in the evening, when UTC is a day behind Berlin
    with freeze_time(now, tick=True):
        ctx = seed_village(residents=30, rng=random.Random(3), out=io.StringIO())
        # when
        clubs_demo.seed(ctx)
    # then: the series starts on a Tuesday evening in Berlin and its cancelled
    # occurrence is one of its own
    rehearsal = ClubEvent.objects.get(title="Chorprobe")
    local_start = rehearsal.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local_start.weekday(), local_start.hour, local_start.minute) == (1, 19, 30)
    assert local_start.date() > now.astimezone(ZoneInfo("Europe/Berlin")).date()
    cancelled = OccurrenceOverride.objects.get(event=rehearsal, cancelled=True)
    assert (cancelled.original_start - rehearsal.starts_at).days == 14
