from __future__ import annotations

import pytest
from django.urls import reverse

from dorf.chat.models import Message, Room, RoomKind
from dorf.marketplace.models import AgreementStatus, Conversation, PostingStatus
from dorf.notifications.models import Category, Notification
from dorf.users.models import Block
from tests.factories import MembershipFactory
from tests.marketplace.factories import ConversationFactory, PostingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(village):
    return MembershipFactory(village=village).user


@pytest.fixture
def posting(village, author):
    return PostingFactory(village=village, author=author, kind="request")


def _reply(client, posting, text="Ich helfe gern", **extra):
    return client.post(
        reverse("marketplace:conversation-list", kwargs={"posting_id": posting.pk}),
        {"text": text, **extra},
    )


def _history(client, room_id):
    return client.get(reverse("chat:message-list", kwargs={"room_id": room_id}))


def test_replying_opens_one_private_chat_room_per_replier_and_notifies_the_author(
    posting, author, member, client_for, django_capture_on_commit_callbacks
) -> None:
    # when: the same neighbour replies twice
    client = client_for(member.user)
    with django_capture_on_commit_callbacks() as callbacks:
        first = _reply(client, posting)
    second = _reply(client, posting, "Noch eine Frage")
    # then: one conversation, one chat room with exactly author and replier in it
    assert first.status_code == second.status_code == 201
    body = first.json()
    assert body["id"] == second.json()["id"]
    assert body["room_id"] == second.json()["room_id"]
    assert body["message"]["text"] == "Ich helfe gern"
    assert body["message"]["room_id"] == body["room_id"]
    conversation = Conversation.objects.get()
    room = conversation.room
    assert room is not None
    assert room.pk == body["room_id"]
    assert (room.kind, room.subject_type, room.subject_id) == (
        RoomKind.POSTING,
        "posting_reply",
        conversation.pk,
    )
    assert room.title == posting.title
    assert set(room.members.values_list("user_id", flat=True)) == {author.pk, member.user_id}
    # and: the texts are chat messages of that room, announced after commit
    assert list(Message.objects.filter(room=room).values_list("text", flat=True)) == [
        "Ich helfe gern",
        "Noch eine Frage",
    ]
    assert callbacks  # the broadcast waits for the commit
    history = _history(client_for(author), room.pk)
    assert [m["text"] for m in history.json()["results"]] == ["Ich helfe gern", "Noch eine Frage"]
    notes = Notification.objects.filter(user=author, link_type="chat_message")
    assert notes.count() == 2
    assert set(notes.values_list("category", flat=True)) == {Category.MARKETPLACE}
    assert all(posting.title in title for title in notes.values_list("title", flat=True))


def test_a_retry_with_the_same_client_msg_id_sends_nothing_twice(
    posting, member, client_for
) -> None:
    client = client_for(member.user)
    first = _reply(client, posting, client_msg_id="r1")
    retry = _reply(client, posting, client_msg_id="r1")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["message"]["id"] == first.json()["message"]["id"]
    assert Message.objects.count() == 1


def test_another_replier_cannot_read_someone_elses_conversation(
    village, posting, author, member, client_for
) -> None:
    # given
    room_id = _reply(client_for(member.user), posting).json()["room_id"]
    nosy = MembershipFactory(village=village).user
    # then: the room is the two parties' only
    assert _history(client_for(nosy), room_id).status_code == 404
    assert _history(client_for(member.user), room_id).status_code == 200
    assert _history(client_for(author), room_id).status_code == 200
    listing = reverse("marketplace:conversation-list", kwargs={"posting_id": posting.pk})
    assert client_for(nosy).get(listing).json()["results"] == []
    mine = client_for(member.user).get(listing).json()["results"]
    assert [c["room_id"] for c in mine] == [room_id]


def test_the_author_sees_all_conversations_with_a_constant_number_of_queries(
    village, posting, author, client_for, django_assert_num_queries
) -> None:
    client = client_for(author)
    url = reverse("marketplace:conversation-list", kwargs={"posting_id": posting.pk})
    ConversationFactory(posting=posting)
    client.get(url)
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 1
    ConversationFactory.create_batch(4, posting=posting)
    with django_assert_num_queries(4):
        results = client.get(url).json()["results"]
    assert len(results) == 5
    assert all(r["room_id"] is not None for r in results)


def test_the_author_cannot_reply_to_their_own_posting(posting, author, client_for) -> None:
    assert _reply(client_for(author), posting).status_code == 400
    assert not Conversation.objects.exists()


def test_a_blocked_neighbour_cannot_reply(posting, author, member, client_for) -> None:
    Block.objects.create(blocker=author, blocked=member.user)
    assert _reply(client_for(member.user), posting).status_code == 404
    assert not Conversation.objects.exists()
    assert not Room.objects.exists()


def test_after_a_block_the_chat_room_refuses_further_messages_both_ways(
    posting, author, member, client_for
) -> None:
    # given: a conversation, then the author blocks the replier
    room_id = _reply(client_for(member.user), posting).json()["room_id"]
    Block.objects.create(blocker=author, blocked=member.user)
    url = reverse("chat:message-list", kwargs={"room_id": room_id})
    # when / then: neither side can write in it any more, and nothing is stored
    for user in (member.user, author):
        response = client_for(user).post(url, {"text": "Hallo?", "client_msg_id": f"b{user.pk}"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "blocked"
    assert Message.objects.filter(room_id=room_id).count() == 1


def test_a_withdrawn_posting_takes_no_replies(posting, member, client_for) -> None:
    posting.status = PostingStatus.WITHDRAWN
    posting.save()
    assert _reply(client_for(member.user), posting).status_code == 409
    assert not Conversation.objects.exists()


def test_accepting_a_replier_of_a_request_makes_them_the_helper(
    village, posting, author, member, client_for
) -> None:
    # given: two neighbours replied
    conversation = ConversationFactory(posting=posting, replier=member.user)
    second = ConversationFactory(posting=posting, replier=MembershipFactory(village=village).user)
    client = client_for(author)
    # when: the author accepts both (one or more helpers)
    first = client.post(
        reverse("marketplace:conversation-accept", kwargs={"conversation_id": conversation.pk})
    )
    other = client.post(
        reverse("marketplace:conversation-accept", kwargs={"conversation_id": second.pk})
    )
    # then
    assert first.status_code == other.status_code == 201
    body = first.json()
    assert body["helper"]["id"] == member.user.pk
    assert body["helped"]["id"] == author.pk
    assert body["status"] == AgreementStatus.ACCEPTED
    posting.refresh_from_db()
    assert posting.status == PostingStatus.AGREED


def test_accepting_the_same_replier_twice_is_a_conflict(
    posting, author, member, client_for
) -> None:
    conversation = ConversationFactory(posting=posting, replier=member.user)
    url = reverse("marketplace:conversation-accept", kwargs={"conversation_id": conversation.pk})
    client = client_for(author)
    assert client.post(url).status_code == 201
    assert client.post(url).status_code == 409
    assert posting.agreements.count() == 1


def test_for_an_offer_the_author_is_the_helper(village, member, client_for) -> None:
    author = MembershipFactory(village=village).user
    offer = PostingFactory(village=village, author=author, kind="offer")
    conversation = ConversationFactory(posting=offer, replier=member.user)
    url = reverse("marketplace:conversation-accept", kwargs={"conversation_id": conversation.pk})
    body = client_for(author).post(url).json()
    assert body["helper"]["id"] == author.pk
    assert body["helped"]["id"] == member.user.pk


def test_only_the_author_can_accept(posting, member, client_for) -> None:
    conversation = ConversationFactory(posting=posting, replier=member.user)
    url = reverse("marketplace:conversation-accept", kwargs={"conversation_id": conversation.pk})
    assert client_for(member.user).post(url).status_code == 403
    assert not posting.agreements.exists()


def test_retitling_a_posting_retitles_its_conversation_rooms(
    posting, author, member, client_for
) -> None:
    room_id = _reply(client_for(member.user), posting).json()["room_id"]
    url = reverse("marketplace:posting-detail", kwargs={"posting_id": posting.pk})
    assert client_for(author).patch(url, {"title": "Hecke und Rasen"}).status_code == 200
    assert Room.objects.get(pk=room_id).title == "Hecke und Rasen"
