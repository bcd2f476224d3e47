from __future__ import annotations

import pytest

from dorf.marketplace import privacy
from dorf.marketplace.models import Posting, PostingStatus, ReplyMessage
from tests.marketplace.factories import PostingFactory, ReplyMessageFactory

pytestmark = pytest.mark.django_db


def test_export_contains_my_postings_and_messages(member) -> None:
    PostingFactory(author=member.user, village=member.village, title="Leiter")
    ReplyMessageFactory(sender=member.user, conversation__replier=member.user, text="Hallo")
    data = privacy.export_personal_data(member.user)
    assert [p["title"] for p in data["postings"]] == ["Leiter"]
    assert [m["text"] for m in data["messages"]] == ["Hallo"]


def test_erasure_replaces_my_free_texts_and_closes_my_open_postings(member) -> None:
    # given
    mine = PostingFactory(author=member.user, village=member.village, title="Leiter", text="privat")
    done = PostingFactory(author=member.user, village=member.village, status=PostingStatus.DONE)
    message = ReplyMessageFactory(sender=member.user, conversation__replier=member.user)
    other = PostingFactory(village=member.village, title="Fremd")
    # when
    privacy.erase_personal_data(member.user)
    # then
    mine.refresh_from_db()
    assert (mine.title, mine.text, mine.status) == ("[gelöscht]", "", "withdrawn")
    assert mine.approx_lat is None
    assert Posting.objects.get(pk=done.pk).status == PostingStatus.DONE
    assert ReplyMessage.objects.get(pk=message.pk).text == "[gelöscht]"
    assert Posting.objects.get(pk=other.pk).title == "Fremd"
