from __future__ import annotations

import pytest

from dorf.calendar.models import FeedToken
from dorf.calendar.services import feed_token_get
from dorf.clubs import privacy
from dorf.clubs.models import Announcement
from dorf.clubs.series import FEED_SCOPE
from tests.clubs.factories import AnnouncementFactory, RsvpFactory

pytestmark = pytest.mark.django_db


def test_export_lists_memberships_announcements_and_answers(club, board) -> None:
    AnnouncementFactory(club=club, author=board.user, title="Training fällt aus")
    RsvpFactory(event__club=club, user=board.user)
    data = privacy.export_personal_data(board.user)
    assert [m["club"] for m in data["club_memberships"]] == ["Sportverein"]
    assert [a["title"] for a in data["announcements"]] == ["Training fällt aus"]
    assert len(data["rsvps"]) == 1


def test_erasure_replaces_announcement_texts_and_kills_the_feed_url(club, board) -> None:
    announcement = AnnouncementFactory(club=club, author=board.user, title="T", text="Text")
    feed_token_get(user=board.user, scope=FEED_SCOPE)
    privacy.erase_personal_data(board.user)
    erased = Announcement.objects.get(pk=announcement.pk)
    assert (erased.title, erased.text) == ("[gelöscht]", "")
    assert not FeedToken.objects.exists()
