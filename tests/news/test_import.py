from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from dorf.core.exceptions import ValidationFailed
from dorf.news import importing
from dorf.news.models import FeedSource, Post, PostState

pytestmark = pytest.mark.django_db

RECORDED = Path(__file__).parent / "recorded"


@pytest.fixture
def source_for(newsroom):
    def make(url: str) -> FeedSource:
        return FeedSource.objects.create(
            village=newsroom.village,
            url=url,
            publisher=newsroom.publisher,
            category=newsroom.rathaus,
        )

    return make


def test_an_rss_feed_is_imported_once_with_guid_or_link_hash(recorded_server, source_for) -> None:
    # given: the municipality's recorded RSS feed (one entry has no guid)
    url = recorded_server.serve("/aktuelles.rss", (RECORDED / "gemeinde_rss.xml").read_bytes())
    source = source_for(url)
    # when: imported twice
    first = importing.feed_source_import(source_id=source.pk)
    second = importing.feed_source_import(source_id=source.pk)
    # then: three posts, published, sanitised; the second run asked conditionally
    assert first.created == 3
    assert second.not_modified is True
    assert Post.objects.count() == 3
    post = Post.objects.get(import_key="g:news-4711")
    assert post.state == PostState.PUBLISHED
    assert post.title == "Wasserabstellung im Lindenweg"
    assert "<script>" not in post.body_html
    assert "tracker.example" not in post.body_html
    assert post.link.endswith("/wasserabstellung-lindenweg")
    assert Post.objects.filter(import_key__startswith="l:").count() == 1
    assert recorded_server.not_modified["/aktuelles.rss"] == 1


def test_importing_the_same_feed_without_conditional_get_creates_nothing(
    recorded_server, source_for
) -> None:
    body = (RECORDED / "gemeinde_atom.xml").read_bytes()
    url = recorded_server.serve("/aktuelles.atom", body, conditional=False)
    source = source_for(url)
    assert importing.feed_source_import(source_id=source.pk).created == 2
    again = importing.feed_source_import(source_id=source.pk)
    assert again.created == 0
    assert again.known == 2
    assert Post.objects.count() == 2
    assert recorded_server.hits["/aktuelles.atom"] == 2


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_a_hostile_feed_is_a_logged_failure_and_keeps_the_previous_state(
    recorded_server, source_for, name, caplog
) -> None:
    # given: a source that imported fine once
    url = recorded_server.serve("/feed", (RECORDED / "gemeinde_rss.xml").read_bytes())
    source = source_for(url)
    importing.feed_source_import(source_id=source.pk)
    etag = FeedSource.objects.get(pk=source.pk).etag
    # when: the feed turns hostile
    recorded_server.serve("/feed", (RECORDED / name).read_bytes())
    result = importing.feed_source_import(source_id=source.pk)
    # then
    assert result.error
    assert "unsafe or malformed XML" in caplog.text
    source.refresh_from_db()
    assert source.etag == etag
    assert source.last_error
    assert Post.objects.count() == 3


def test_a_50_mb_feed_is_refused_without_reading_it(recorded_server, source_for) -> None:
    url = recorded_server.serve("/huge", b"<rss>" + b" " * (50 * 1024 * 1024) + b"</rss>")
    source = source_for(url)
    result = importing.feed_source_import(source_id=source.pk)
    assert "larger than" in result.error
    assert not Post.objects.exists()


def test_malformed_xml_is_a_failure(recorded_server, source_for) -> None:
    url = recorded_server.serve("/broken", b"<rss><channel><item><title>x</item>")
    result = importing.feed_source_import(source_id=source_for(url).pk)
    assert result.error
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/feed",
        "http://localhost/feed",
        "http://10.0.0.5/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/feed",
        "file:///etc/passwd",
    ],
)
def test_feed_urls_to_private_addresses_are_refused(newsroom, url) -> None:
    with pytest.raises(ValidationFailed) as error:
        importing.feed_source_create(
            actor=newsroom.staff,
            village_id=newsroom.village.pk,
            url=url,
            publisher_id=newsroom.publisher.pk,
            category_id=newsroom.rathaus.pk,
        )
    assert error.value.code in {"unsafe_url", "unresolvable"}


def test_a_source_added_while_allowed_is_not_fetched_once_the_setting_is_off(
    recorded_server, source_for, settings
) -> None:
    url = recorded_server.serve("/aktuelles.rss", (RECORDED / "gemeinde_rss.xml").read_bytes())
    source = source_for(url)
    settings.DORF_FETCH_ALLOW_PRIVATE = False
    result = importing.feed_source_import(source_id=source.pk)
    assert "non-public" in result.error
    assert recorded_server.hits == {}


def test_staff_add_and_run_a_source_through_the_api(recorded_server, newsroom, client_for) -> None:
    url = recorded_server.serve("/aktuelles.rss", (RECORDED / "gemeinde_rss.xml").read_bytes())
    client = client_for(newsroom.staff)
    created = client.post(
        reverse("news:feed-source-list", kwargs={"slug": newsroom.village.slug}),
        {"url": url, "publisher_id": newsroom.publisher.pk, "category_id": newsroom.rathaus.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    run = client.post(
        reverse("news:feed-source-import", kwargs={"source_id": created.json()["id"]})
    )
    assert run.json()["created"] == 3
    refused = client_for(newsroom.editor).post(
        reverse("news:feed-source-list", kwargs={"slug": newsroom.village.slug}),
        {"url": url, "publisher_id": newsroom.publisher.pk, "category_id": newsroom.rathaus.pk},
        format="json",
    )
    assert refused.status_code == 403
