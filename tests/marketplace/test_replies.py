from __future__ import annotations

import pytest
from django.urls import reverse

from dorf.marketplace.models import AgreementStatus, Conversation, PostingStatus
from dorf.notifications.models import Notification
from dorf.users.models import Block
from tests.factories import MembershipFactory
from tests.marketplace.factories import ConversationFactory, PostingFactory, ReplyMessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(village):
    return MembershipFactory(village=village).user


@pytest.fixture
def posting(village, author):
    return PostingFactory(village=village, author=author, kind="request")


def _reply(client, posting, text="Ich helfe gern"):
    return client.post(
        reverse("marketplace:conversation-list", kwargs={"posting_id": posting.pk}), {"text": text}
    )


def test_replying_opens_one_private_thread_per_replier_and_notifies_the_author(
    posting, author, member, client_for
) -> None:
    # when: the same neighbour replies twice
    client = client_for(member.user)
    first = _reply(client, posting)
    second = _reply(client, posting, "Noch eine Frage")
    # then
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    conversation = Conversation.objects.get()
    assert list(conversation.messages.values_list("text", flat=True)) == [
        "Ich helfe gern",
        "Noch eine Frage",
    ]
    assert Notification.objects.filter(user=author, link_type="posting_conversation").count() == 2


def test_another_replier_cannot_read_someone_elses_thread(
    village, posting, member, client_for
) -> None:
    # given
    conversation = ConversationFactory(posting=posting, replier=member.user)
    ReplyMessageFactory(conversation=conversation)
    nosy = MembershipFactory(village=village).user
    url = reverse("marketplace:message-list", kwargs={"conversation_id": conversation.pk})
    # then
    assert client_for(nosy).get(url).status_code == 404
    assert client_for(member.user).get(url).status_code == 200
    listing = reverse("marketplace:conversation-list", kwargs={"posting_id": posting.pk})
    assert client_for(nosy).get(listing).json()["results"] == []


def test_the_author_sees_all_threads_with_a_constant_number_of_queries(
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
        assert len(client.get(url).json()["results"]) == 5


def test_message_list_runs_a_constant_number_of_queries(
    posting, member, client_for, django_assert_num_queries
) -> None:
    conversation = ConversationFactory(posting=posting, replier=member.user)
    ReplyMessageFactory(conversation=conversation)
    client = client_for(member.user)
    url = reverse("marketplace:message-list", kwargs={"conversation_id": conversation.pk})
    client.get(url)
    with django_assert_num_queries(3):
        assert len(client.get(url).json()["results"]) == 1
    ReplyMessageFactory.create_batch(4, conversation=conversation)
    with django_assert_num_queries(3):
        assert len(client.get(url).json()["results"]) == 5


def test_the_author_cannot_reply_to_their_own_posting(posting, author, client_for) -> None:
    assert _reply(client_for(author), posting).status_code == 400
    assert not Conversation.objects.exists()


def test_a_blocked_neighbour_cannot_reply(posting, author, member, client_for) -> None:
    Block.objects.create(blocker=author, blocked=member.user)
    assert _reply(client_for(member.user), posting).status_code == 404
    assert not Conversation.objects.exists()


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
