from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from dorf.chat import ratelimit, selectors, services
from dorf.chat.models import MemberState, Message, ReportAction, ReportState, Room, RoomMember
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.notifications.models import Category, Notification
from dorf.villages.models import Membership, MembershipState
from dorf.villages.services import block_create, membership_ban, membership_verify
from tests.chat.factories import MessageFactory
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def send(member: Membership, room: Room, text: str = "Hallo", cid: str = "1", **kw):
    message, _created = services.message_send(
        user=member.user, room_id=room.pk, text=text, client_msg_id=cid, **kw
    )
    return message


def _my_room(member: Membership, room: Room) -> dict[str, Any]:
    return next(r for r in selectors.my_rooms(user=member.user) if r["id"] == room.pk)


def test_verifying_a_member_adds_them_to_the_village_square(village, moderator):
    # given
    pending = MembershipFactory(village=village, state=MembershipState.PENDING)
    # when
    membership_verify(actor=moderator, membership_id=pending.pk)
    # then
    square = Room.objects.get(village=village, kind="square")
    assert RoomMember.objects.filter(room=square, user=pending.user, state="active").exists()


def test_banning_a_member_removes_them_from_every_room_of_the_village(alice, bob, mod, square):
    # given
    group = services.group_create(membership=alice, title="Garten", is_open=True)
    services.group_join(user=bob.user, room_id=group.pk)
    # when
    membership_ban(actor=mod, membership_id=bob.pk, reason="Spam")
    # then
    assert not RoomMember.objects.filter(user=bob.user).exists()
    with pytest.raises(NotFound):
        send(bob, square)


def test_a_retry_with_the_same_client_msg_id_returns_the_original(alice, square):
    # given
    first, created = services.message_send(
        user=alice.user, room_id=square.pk, text="Hallo", client_msg_id="abc"
    )
    # when
    again, created_again = services.message_send(
        user=alice.user, room_id=square.pk, text="Hallo", client_msg_id="abc"
    )
    # then
    assert created
    assert not created_again
    assert again.pk == first.pk
    assert Message.objects.filter(room=square).count() == 1


def test_message_ids_increase_within_a_room_and_update_the_last_message(alice, square):
    ids = [send(alice, square, cid=str(i)).pk for i in range(3)]
    assert ids == sorted(ids)
    square.refresh_from_db()
    assert square.last_message_id == ids[-1]


def test_a_message_is_broadcast_only_after_commit(
    alice, square, django_capture_on_commit_callbacks, monkeypatch
):
    # given
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr("dorf.chat.realtime._send", lambda group, msg: sent.append((group, msg)))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = send(alice, square)
        # then: nothing leaves before the commit
        assert sent == []
    assert len(sent) == 1
    group, event = sent[0]
    assert group == f"room.{square.pk}"
    assert (event["type"], event["room_id"], event["id"]) == ("room.message", square.pk, message.pk)
    assert json.loads(event["frame"])["message"]["text"] == "Hallo"


@pytest.mark.parametrize(
    ("text", "code"), [("", "invalid"), ("   ", "invalid"), ("x" * 4001, "too_long")]
)
def test_empty_or_oversized_text_is_refused_and_nothing_is_stored(alice, square, text, code):
    with pytest.raises(ValidationFailed) as info:
        send(alice, square, text=text)
    assert info.value.code == code
    assert not Message.objects.exists()


def test_a_message_of_4000_characters_is_accepted(alice, square):
    assert len(send(alice, square, text="x" * 4000).text) == 4000


def test_posting_to_a_room_of_another_village_is_not_found(alice, outsider, square):
    with pytest.raises(NotFound):
        send(outsider, square)


def test_posting_to_a_group_one_has_not_joined_is_not_found(alice, bob):
    group = services.group_create(membership=alice, title="Chor", is_open=True)
    with pytest.raises(NotFound):
        send(bob, group)


def test_a_closed_group_needs_the_admins_approval(alice, bob):
    # given
    group = services.group_create(membership=alice, title="Vorstand", is_open=False)
    # when
    pending = services.group_join(user=bob.user, room_id=group.pk)
    # then
    assert pending.state == MemberState.PENDING
    with pytest.raises(NotFound):
        send(bob, group)
    with pytest.raises(NotFound):  # a pending member is not in the room yet
        services.group_approve(actor=bob.user, room_id=group.pk, user_id=bob.user.pk)
    services.group_approve(actor=alice.user, room_id=group.pk, user_id=bob.user.pk)
    assert send(bob, group).pk


def test_a_muted_member_cannot_post_until_the_mute_ends(alice, mod, square):
    # given
    member = services.member_mute(actor=mod, room_id=square.pk, user_id=alice.user.pk, minutes=10)
    # when / then
    with pytest.raises(Forbidden) as info:
        send(alice, square)
    assert info.value.code == "muted"
    RoomMember.objects.filter(pk=member.pk).update(muted_until=timezone.now() - timedelta(1))
    assert send(alice, square, cid="2").pk


def test_direct_conversation_is_one_room_per_pair(alice, bob):
    room = services.direct_open(membership=alice, other_user_id=bob.user.pk)
    again = services.direct_open(membership=bob, other_user_id=alice.user.pk)
    assert room.pk == again.pk
    assert set(room.members.values_list("user_id", flat=True)) == {alice.user.pk, bob.user.pk}


def test_direct_conversation_is_refused_when_either_side_blocked(alice, bob):
    # given
    room = services.direct_open(membership=alice, other_user_id=bob.user.pk)
    block_create(blocker=bob.user, blocked_id=alice.user.pk)
    # then
    with pytest.raises(Forbidden):
        services.direct_open(membership=alice, other_user_id=bob.user.pk)
    with pytest.raises(Forbidden):
        send(alice, room)


def test_direct_conversation_with_a_member_of_another_village_is_not_found(alice, outsider):
    with pytest.raises(NotFound):
        services.direct_open(membership=alice, other_user_id=outsider.user.pk)


def test_mentions_replies_and_direct_messages_notify(alice, bob, square):
    # given
    original = send(bob, square, cid="o")
    # when
    send(alice, square, cid="r", reply_to_id=original.pk)
    send(alice, square, cid="m", mention_ids=[bob.user.pk])
    room = services.direct_open(membership=alice, other_user_id=bob.user.pk)
    send(alice, room, cid="d")
    # then
    categories = list(
        Notification.objects.filter(user=bob.user).order_by("id").values_list("category", flat=True)
    )
    assert categories == [Category.REPLY, Category.MENTION, Category.DIRECT_MESSAGE]
    assert not Notification.objects.filter(user=alice.user).exists()


def test_mentioning_someone_outside_the_room_notifies_nobody(alice, outsider, square):
    send(alice, square, mention_ids=[outsider.user.pk])
    assert not Notification.objects.exists()


def test_only_the_sender_edits_or_deletes_and_a_deleted_message_stays_as_tombstone(
    alice, bob, square
):
    # given
    message = send(alice, square, text="Tippfehler")
    # then
    with pytest.raises(Forbidden):
        services.message_edit(user=bob.user, message_id=message.pk, text="fremd")
    edited = services.message_edit(user=alice.user, message_id=message.pk, text="Korrigiert")
    assert edited.text == "Korrigiert"
    assert edited.edited_at is not None
    services.message_delete(user=alice.user, message_id=message.pk)
    tomb = Message.objects.get(pk=message.pk)
    assert tomb.is_tombstone
    assert tomb.text == ""
    with pytest.raises(Conflict):
        services.message_edit(user=alice.user, message_id=message.pk, text="wieder")


def test_reactions_are_unique_per_user_and_emoji(alice, bob, square):
    message = send(alice, square)
    services.reaction_add(user=bob.user, message_id=message.pk, emoji="👍")
    services.reaction_add(user=bob.user, message_id=message.pk, emoji="👍")
    assert message.reactions.count() == 1
    services.reaction_remove(user=bob.user, message_id=message.pk, emoji="👍")
    assert message.reactions.count() == 0
    with pytest.raises(ValidationFailed):
        services.reaction_add(user=bob.user, message_id=message.pk, emoji="a b")


def test_read_marker_moves_forward_only_and_drives_the_unread_count(alice, bob, square):
    # given
    ids = [send(alice, square, cid=str(i)).pk for i in range(3)]
    # when
    services.read_marker_set(user=bob.user, room_id=square.pk, message_id=ids[1])
    services.read_marker_set(user=bob.user, room_id=square.pk, message_id=ids[0])
    # then
    row = _my_room(bob, square)
    assert row["last_read_id"] == ids[1]
    assert row["unread_count"] == 1


def test_blocked_users_messages_are_hidden_from_history_and_replay(alice, bob, square):
    # given
    send(alice, square, cid="a", text="von Alice")
    mine = send(bob, square, cid="b", text="von Bob")
    block_create(blocker=bob.user, blocked_id=alice.user.pk)
    # when
    history = selectors.message_history(user=bob.user, room_id=square.pk)
    missed = selectors.messages_missed(user=bob.user, last_seen={square.pk: 0})
    # then
    assert [m.payload["id"] for m in history] == [mine.pk]
    assert [p["id"] for p in missed] == [mine.pk]


def test_blocked_users_messages_do_not_count_as_unread_either_way(alice, bob, mod, square):
    # given: bob blocked alice, mod blocked bob; each wrote once, nobody read anything
    send(alice, square, cid="a")
    send(bob, square, cid="b")
    send(mod, square, cid="m")
    RoomMember.objects.filter(room=square).update(last_read_id=0)  # sending marks one's own as read
    block_create(blocker=bob.user, blocked_id=alice.user.pk)
    block_create(blocker=mod.user, blocked_id=bob.user.pk)
    # when
    bob_unread = _my_room(bob, square)["unread_count"]
    alice_unread = _my_room(alice, square)["unread_count"]
    mod_unread = _my_room(mod, square)["unread_count"]
    # then: only messages of people on speaking terms, never one's own
    assert bob_unread == 0  # alice blocked by him, mod blocked him
    assert alice_unread == 1  # mod's (bob blocked her)
    assert mod_unread == 1  # alice's (mod blocked bob)


def test_a_room_in_a_village_where_i_am_no_longer_verified_is_not_listed(alice, square):
    # given: alice is in the square but her membership is no longer verified
    assert _my_room(alice, square)
    Membership.objects.filter(pk=alice.pk).update(state=MembershipState.PENDING)
    # when
    rooms = selectors.my_rooms(user=alice.user)
    # then
    assert rooms == []


def test_history_pages_before_and_after_an_id(alice, square):
    ids = [send(alice, square, cid=str(i)).pk for i in range(5)]
    before = selectors.message_history(user=alice.user, room_id=square.pk, before=ids[3], limit=2)
    after = selectors.message_history(user=alice.user, room_id=square.pk, after=ids[1], limit=2)
    assert [m.payload["id"] for m in before] == ids[1:3]
    assert [m.payload["id"] for m in after] == ids[2:4]


def test_a_report_lands_in_the_queue_of_its_village_only(alice, bob, mod, square, outsider):
    # given
    message = send(bob, square, text="Beleidigung")
    # when
    report = services.report_create(user=alice.user, message_id=message.pk, reason="beleidigend")
    # then
    assert list(selectors.report_queue(membership=mod)) == [report]
    foreign_mod = MembershipFactory(village=outsider.village, role="moderator")
    assert list(selectors.report_queue(membership=foreign_mod)) == []
    with pytest.raises(Forbidden):
        selectors.report_queue(membership=alice)


def test_a_message_in_a_room_one_cannot_see_cannot_be_reported(alice, bob, outsider, square):
    message = send(bob, square)
    with pytest.raises(NotFound):
        services.report_create(user=outsider.user, message_id=message.pk, reason="x")


def test_resolving_a_report_by_hiding_leaves_a_tombstone_and_tells_the_reporter(
    alice, bob, mod, square
):
    message = send(bob, square, text="Beleidigung")
    report = services.report_create(user=alice.user, message_id=message.pk, reason="x")
    resolved = services.report_resolve(actor=mod, report_id=report.pk, action=ReportAction.HIDE)
    assert resolved.state == ReportState.RESOLVED
    assert Message.objects.get(pk=message.pk).hidden_at is not None
    assert Notification.objects.filter(user=alice.user, category=Category.MODERATION).exists()
    with pytest.raises(Conflict):
        services.report_resolve(actor=mod, report_id=report.pk, action=ReportAction.DISMISS)


def test_resolving_a_report_with_a_ban_bans_the_user_from_the_village(alice, bob, mod, square):
    report = services.report_create(
        user=alice.user, village=alice.village, reported_user_id=bob.user.pk, reason="Spam"
    )
    services.report_resolve(actor=mod, report_id=report.pk, action=ReportAction.BAN)
    bob.refresh_from_db()
    assert bob.state == MembershipState.BANNED
    assert not RoomMember.objects.filter(user=bob.user).exists()


def test_a_moderator_of_another_village_cannot_resolve_the_report(alice, bob, square, outsider):
    message = send(bob, square)
    report = services.report_create(user=alice.user, message_id=message.pk, reason="x")
    foreign_mod = MembershipFactory(village=outsider.village, role="moderator")
    with pytest.raises(NotFound):
        services.report_resolve(actor=foreign_mod, report_id=report.pk, action=ReportAction.HIDE)


def test_room_for_subject_is_get_or_create_and_adds_members(village, alice, bob):
    room = services.room_for_subject(
        village=village,
        subject_type="club",
        subject_id=7,
        title="Sportverein",
        members=[alice.user],
    )
    again = services.room_for_subject(
        village=village, subject_type="club", subject_id=7, title="x", members=[bob.user]
    )
    assert room.pk == again.pk
    assert room.kind == "club"
    assert room.members.count() == 2
    services.room_member_remove(room=room, user=bob.user)
    assert list(room.members.values_list("user_id", flat=True)) == [alice.user.pk]


def test_search_finds_german_words_in_my_rooms_only(alice, bob, square):
    send(alice, square, cid="1", text="Wer leiht mir eine Leiter?")
    send(alice, square, cid="2", text="Kuchen beim Backes")
    group = services.group_create(membership=bob, title="Privat", is_open=False)
    send(bob, group, cid="3", text="Die Leiter steht im Schuppen")
    results = list(selectors.message_search(user=alice.user, query="Leiter"))
    assert [m.text for m in results] == ["Wer leiht mir eine Leiter?"]


def test_a_message_factory_message_counts_as_unread(alice, square):
    MessageFactory(room=square)
    assert _my_room(alice, square)["unread_count"] == 1


def test_sending_faster_than_the_per_user_limit_is_refused(alice, square, monkeypatch):
    # given: one fixed window (the limit is shared by every socket and the REST API)
    # (a window number no other run uses: user ids repeat across runs, Redis persists)
    window = random.randrange(10**12)
    monkeypatch.setattr(ratelimit, "current_window", lambda: window)
    for i in range(ratelimit.SEND_LIMIT):
        send(alice, square, cid=f"ok{i}")
    # when / then
    with pytest.raises(ratelimit.RateLimited):
        send(alice, square, cid="one-too-many")
    assert Message.objects.filter(room=square).count() == ratelimit.SEND_LIMIT
    # a retry of an already stored message is not counted and still answered
    assert send(alice, square, cid="ok0").pk
    # in the next window the user may send again
    monkeypatch.setattr(ratelimit, "current_window", lambda: window + 1)
    assert send(alice, square, cid="later").pk
    # user ids repeat in the next run's fresh database: leave no counter behind
    cache.delete_many([ratelimit.send_counter_key(alice.user.pk, w) for w in (window, window + 1)])


def test_only_a_groups_admin_approves_join_requests(alice, bob, village):
    # given: a closed group with a plain member and a pending applicant
    group = services.group_create(membership=alice, title="Vorstand", is_open=False)
    services.group_join(user=bob.user, room_id=group.pk)
    services.group_approve(actor=alice.user, room_id=group.pk, user_id=bob.user.pk)
    applicant = MembershipFactory(village=village)
    services.group_join(user=applicant.user, room_id=group.pk)
    # when / then
    with pytest.raises(Forbidden):
        services.group_approve(actor=bob.user, room_id=group.pk, user_id=applicant.user.pk)


def test_leaving_a_group_stops_posting_there(alice, bob):
    group = services.group_create(membership=alice, title="Chor", is_open=True)
    services.group_join(user=bob.user, room_id=group.pk)
    services.room_leave(user=bob.user, room_id=group.pk)
    with pytest.raises(NotFound):
        send(bob, group)


def test_only_moderators_mute_and_hide(alice, bob, square):
    message = send(bob, square)
    with pytest.raises(Forbidden):
        services.member_mute(actor=alice, room_id=square.pk, user_id=bob.user.pk, minutes=5)
    with pytest.raises(Forbidden):
        services.message_hide(actor=alice, message_id=message.pk)


def test_a_member_of_another_village_cannot_be_reported_there(alice, outsider):
    with pytest.raises(NotFound):
        services.report_create(
            user=alice.user, village=alice.village, reported_user_id=outsider.user.pk, reason="x"
        )


def test_one_cannot_open_a_direct_conversation_with_oneself(alice):
    with pytest.raises(ValidationFailed):
        services.direct_open(membership=alice, other_user_id=alice.user.pk)


def test_a_reply_must_point_into_the_same_room(alice, bob, square):
    group = services.group_create(membership=alice, title="Andere", is_open=True)
    elsewhere = send(alice, group, cid="g")
    with pytest.raises(ValidationFailed):
        send(alice, square, cid="r", reply_to_id=elsewhere.pk)
