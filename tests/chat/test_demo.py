from __future__ import annotations

import io
import random

import pytest

from dorf.chat import demo
from dorf.chat.models import Message, Room, RoomMember
from dorf.villages.demo import seed_village


@pytest.mark.django_db
def test_demo_seeds_a_square_with_every_verified_member_and_a_chat_history():
    ctx = seed_village(residents=20, rng=random.Random(1), out=io.StringIO())
    demo.seed(ctx)
    square = Room.objects.get(village=ctx.village, kind="square")
    verified = [m for m in ctx.memberships if m.state == "verified"]
    assert RoomMember.objects.filter(room=square).count() == len(verified)
    assert Message.objects.count() >= 300
    ids = list(
        Message.objects.filter(room=square).order_by("created_at").values_list("id", flat=True)
    )
    assert ids == sorted(ids)
