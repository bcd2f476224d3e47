"""Conditional GET on our own feeds (village, club, personal): an ETag and a
Last-Modified on every answer, 304 when the calendar app has the current content, 200
with a new ETag as soon as something in the feed changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dorf.calendar.conditional import feed_etag
from dorf.calendar.services import feed_token_get
from dorf.clubs.series import FEED_SCOPE
from tests.clubs.factories import ClubEventFactory, RsvpFactory

pytestmark = pytest.mark.django_db


def _urls(village, club, member) -> dict[str, str]:
    token = feed_token_get(user=member.user, scope=FEED_SCOPE)
    return {
        "village": reverse("calendar:village-feed", kwargs={"slug": village.slug}),
        "club": reverse("clubs:club-feed", kwargs={"club_id": club.pk}),
        "personal": reverse("clubs:user-feed", kwargs={"token": token.token}),
    }


@pytest.mark.parametrize("feed", ["village", "club", "personal"])
def test_a_feed_answers_304_to_its_etag_and_200_with_a_new_one_after_a_change(
    village, club, member, api_client, monkeypatch, feed
) -> None:
    # given: a public event the member is going to
    event = ClubEventFactory(club=club, title="Sommerfest")
    RsvpFactory(event=event, user=member.user)
    url = _urls(village, club, member)[feed]
    first = api_client.get(url)
    assert first.status_code == 200
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('W/"')
    assert last_modified.endswith("GMT")
    # when: the calendar app asks again a minute later (a new DTSTAMP in the body)
    later = timezone.now() + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    again = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    # then: 304 without a body, the same validators
    assert again.status_code == 304
    assert again.content == b""
    assert (again["ETag"], again["Last-Modified"]) == (etag, last_modified)
    # and a client that only knows If-Modified-Since gets 304 too
    assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    # when: the event is renamed
    event.title = "Sommerfest am See"
    event.sequence += 1
    event.save()
    changed = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    # then: the new content with a new ETag and a later Last-Modified
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert b"Sommerfest am See" in changed.content
    assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 200
    assert api_client.get(url, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304


def test_the_etag_ignores_dtstamp_and_nothing_else() -> None:
    body = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a@dorf\r\nDTSTAMP:20261130T194500Z\r\n"
        b"SUMMARY:Chorprobe\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    restamped = body.replace(b"20261130T194500Z", b"20261201T080000Z")
    renamed = body.replace(b"Chorprobe", b"Chorprobe!")
    assert feed_etag(body) == feed_etag(restamped)
    assert feed_etag(body) != feed_etag(renamed)


def test_a_wrong_token_stays_404_whatever_it_sends(api_client) -> None:
    url = reverse("clubs:user-feed", kwargs={"token": "not-a-real-token"})
    assert api_client.get(url, HTTP_IF_NONE_MATCH='W/"x"').status_code == 404
