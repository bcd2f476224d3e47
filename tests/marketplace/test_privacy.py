from __future__ import annotations

import pytest

from dorf.chat.models import Room
from dorf.marketplace import privacy, services
from dorf.marketplace.models import Posting, PostingStatus
from tests.factories import MembershipFactory
from tests.marketplace.factories import ConversationFactory, PostingFactory

pytestmark = pytest.mark.django_db


def test_export_contains_my_postings_and_conversations(member) -> None:
    PostingFactory(author=member.user, village=member.village, title="Leiter")
    conversation = ConversationFactory(replier=member.user, posting__village=member.village)
    data = privacy.export_personal_data(member.user)
    assert [p["title"] for p in data["postings"]] == ["Leiter"]
    assert data["conversations"] == [
        {
            "id": conversation.pk,
            "posting_id": conversation.posting_id,
            "room_id": conversation.room_id,
        }
    ]
    assert "messages" not in data  # the words are in the chat's section


def test_erasure_replaces_my_free_texts_and_closes_my_open_postings(member) -> None:
    # given
    mine = PostingFactory(author=member.user, village=member.village, title="Leiter", text="privat")
    done = PostingFactory(author=member.user, village=member.village, status=PostingStatus.DONE)
    other = PostingFactory(village=member.village, title="Fremd")
    # when
    privacy.erase_personal_data(member.user)
    # then
    mine.refresh_from_db()
    assert (mine.title, mine.text, mine.status) == ("[gelöscht]", "", "withdrawn")
    assert mine.approx_lat is None
    assert Posting.objects.get(pk=done.pk).status == PostingStatus.DONE
    assert Posting.objects.get(pk=other.pk).title == "Fremd"


def test_erasure_removes_my_posting_title_from_its_chat_rooms(member) -> None:
    # given: a neighbour replied to my posting, and I replied to someone else's
    mine = PostingFactory(author=member.user, village=member.village, title="Meine Leiter")
    neighbour = MembershipFactory(village=member.village).user
    reply = services.conversation_open(user=neighbour, posting_id=mine.pk, text="Gern!")
    theirs = PostingFactory(village=member.village, title="Fremder Titel")
    other = services.conversation_open(user=member.user, posting_id=theirs.pk, text="Ich")
    # when
    privacy.erase_personal_data(member.user)
    # then: the room about my posting loses its title, the other room keeps its own
    assert Room.objects.get(pk=reply.message.room_id).title == "[gelöscht]"
    assert Room.objects.get(pk=other.message.room_id).title == "Fremder Titel"
