from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.news.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(newsroom):
    now = timezone.now()
    return [
        PostFactory(
            village=newsroom.village,
            publisher=newsroom.publisher,
            category=newsroom.rathaus,
            title="Gemeinderat tagt",
            body_html="<p>Am <strong>Dienstag</strong> &amp; Mittwoch</p>",
            publish_at=now - timedelta(hours=2),
        ),
        PostFactory(
            village=newsroom.village,
            publisher=newsroom.publisher,
            category=newsroom.bauen,
            title="Straße gesperrt: Umleitung über Lindenweg",
            publish_at=now - timedelta(hours=1),
        ),
    ]


@pytest.mark.parametrize(("kind", "version"), [("rss", "rss20"), ("atom", "atom10")])
def test_feeds_round_trip_through_feedparser_without_bozo(
    api_client, newsroom, posts, kind, version
) -> None:
    url = reverse(f"news:feed-{kind}", kwargs={"slug": newsroom.village.slug})
    response = api_client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    assert [entry.title for entry in parsed.entries] == [
        "Straße gesperrt: Umleitung über Lindenweg",
        "Gemeinderat tagt",
    ]
    assert all(entry.id for entry in parsed.entries)
    assert "Dienstag" in parsed.entries[1].summary


def test_a_category_feed_has_only_its_category(api_client, newsroom, posts) -> None:
    url = reverse("news:feed-atom", kwargs={"slug": newsroom.village.slug})
    parsed = feedparser.parse(api_client.get(url + "?category=bauen-verkehr").content)
    assert [entry.title for entry in parsed.entries] == [posts[1].title]
    assert api_client.get(url + "?category=nope").status_code == 404


def test_etag_and_last_modified_answer_304_until_something_changes(
    api_client, newsroom, posts
) -> None:
    url = reverse("news:feed-rss", kwargs={"slug": newsroom.village.slug})
    first = api_client.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    PostFactory(village=newsroom.village, publisher=newsroom.publisher, category=newsroom.rathaus)
    changed = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_feeds_of_an_unknown_village_are_404(api_client, db) -> None:
    assert api_client.get(reverse("news:feed-rss", kwargs={"slug": "nirgendwo"})).status_code == 404
