"""Staff edit, pause and activate the village's news feed sources (``feed_source_update``),
and each import leaves its counts on the source."""

from __future__ import annotations

from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from dorf.core.exceptions import Forbidden, NotFound, ValidationFailed
from dorf.news import importing
from dorf.news.models import FeedSource, Post, PublisherKind
from dorf.villages.models import Role
from tests.factories import MembershipFactory
from tests.news.factories import NewsCategoryFactory, PublisherFactory

pytestmark = pytest.mark.django_db

RECORDED = Path(__file__).parent / "recorded"
RSS = (RECORDED / "gemeinde_rss.xml").read_bytes()
ATOM = (RECORDED / "gemeinde_atom.xml").read_bytes()


def _source(newsroom, url: str) -> FeedSource:
    # Made directly: test addresses like gemeinde.example do not resolve here, and the
    # create service's own checks have their tests in test_import.py.
    return FeedSource.objects.create(
        village=newsroom.village,
        url=url,
        publisher=newsroom.publisher,
        category=newsroom.rathaus,
    )


def _updates() -> list[LogEntry]:
    return list(LogEntry.objects.filter(additional_data__verb="feed_source_update").order_by("pk"))


def test_staff_rename_move_and_recategorise_a_source_audited_once(
    newsroom, recorded_server
) -> None:
    # given: a source imported once (it has an ETag of the old server)
    source = _source(newsroom, recorded_server.serve("/alt.rss", RSS))
    importing.feed_source_import(source_id=source.pk)
    assert FeedSource.objects.get(pk=source.pk).etag
    club = PublisherFactory(village=newsroom.village, name="Sportverein", kind=PublisherKind.CLUB)
    new_url = recorded_server.serve("/neu.atom", ATOM)

    # when
    updated = importing.feed_source_update(
        actor=newsroom.staff,
        source_id=source.pk,
        name="  Gemeinde-Website ",
        url=new_url,
        publisher_id=club.pk,
        category_id=newsroom.bauen.pk,
    )

    # then: saved, the old server's ETag forgotten, one entry with before → after
    source.refresh_from_db()
    assert (source.name, source.url, source.publisher_id, source.category_id) == (
        "Gemeinde-Website",
        new_url,
        club.pk,
        newsroom.bauen.pk,
    )
    assert updated.pk == source.pk
    assert (source.etag, source.last_modified) == ("", "")
    assert str(source) == "Gemeinde-Website"
    (entry,) = _updates()
    assert entry.actor_id == newsroom.staff.pk
    assert entry.changes["name"] == ["", "Gemeinde-Website"]
    assert entry.changes["publisher_id"] == [str(newsroom.publisher.pk), str(club.pk)]
    assert entry.additional_data["village_id"] == newsroom.village.pk
    assert "etag" not in entry.changes
    # the next import reads the new address in full, with the new publisher and category
    result = importing.feed_source_import(source_id=source.pk)
    assert result.created == 2
    newest = Post.objects.filter(feed_source=source).order_by("-pk").first()
    assert newest is not None
    assert (newest.publisher_id, newest.category_id) == (club.pk, newsroom.bauen.pk)


def test_saving_a_source_unchanged_writes_no_audit_entry(newsroom) -> None:
    source = _source(newsroom, "https://gemeinde.example/aktuelles.rss")
    importing.feed_source_update(
        actor=newsroom.staff,
        source_id=source.pk,
        name="",
        url=source.url,
        publisher_id=newsroom.publisher.pk,
        active=True,
    )
    assert _updates() == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/feed",
        "file:///etc/passwd",
    ],
)
def test_a_new_address_is_checked_like_a_new_sources(newsroom, url) -> None:
    source = _source(newsroom, "https://gemeinde.example/aktuelles.rss")
    with pytest.raises(ValidationFailed) as refused:
        importing.feed_source_update(actor=newsroom.staff, source_id=source.pk, url=url)
    assert refused.value.code in {"unsafe_url", "unresolvable"}
    assert refused.value.fields is not None
    assert "url" in refused.value.fields
    assert FeedSource.objects.get(pk=source.pk).url == "https://gemeinde.example/aktuelles.rss"
    assert _updates() == []


def test_another_villages_publisher_or_category_or_a_second_source_of_one_address_is_refused(
    newsroom, other_village
) -> None:
    source = _source(newsroom, "https://gemeinde.example/a.rss")
    twin = _source(newsroom, "https://gemeinde.example/b.rss")
    foreign_publisher = PublisherFactory(village=other_village)
    foreign_category = NewsCategoryFactory(village=other_village, slug="fremd")

    for changes, field in (
        ({"publisher_id": foreign_publisher.pk}, "publisher_id"),
        ({"category_id": foreign_category.pk}, "category_id"),
        ({"url": twin.url}, "url"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            importing.feed_source_update(actor=newsroom.staff, source_id=source.pk, **changes)
        assert refused.value.fields is not None
        assert field in refused.value.fields

    source.refresh_from_db()
    assert (source.url, source.publisher_id, source.category_id) == (
        "https://gemeinde.example/a.rss",
        newsroom.publisher.pk,
        newsroom.rathaus.pk,
    )
    assert _updates() == []


def test_only_the_villages_staff_edit_a_source_another_village_gets_404(
    newsroom, other_village
) -> None:
    source = _source(newsroom, "https://gemeinde.example/aktuelles.rss")
    neighbour_staff = MembershipFactory(village=other_village, role=Role.STAFF).user

    with pytest.raises(Forbidden):
        importing.feed_source_update(actor=newsroom.chief, source_id=source.pk, active=False)
    with pytest.raises(NotFound):
        importing.feed_source_update(actor=neighbour_staff, source_id=source.pk, active=False)

    assert FeedSource.objects.get(pk=source.pk).active is True
    assert _updates() == []


def test_a_paused_source_is_left_out_by_the_periodic_import_until_activated(
    newsroom, recorded_server
) -> None:
    # given: a paused source
    source = _source(newsroom, recorded_server.serve("/aktuelles.rss", RSS))
    importing.feed_source_update(actor=newsroom.staff, source_id=source.pk, active=False)

    # when: the periodic import runs
    created = importing.feed_sources_import_all()

    # then: it was not fetched
    assert created == 0
    assert "/aktuelles.rss" not in recorded_server.hits
    (pause,) = _updates()
    assert pause.changes["active"] == ["True", "False"]

    # when: activated (its address is checked again) and imported periodically
    importing.feed_source_update(actor=newsroom.staff, source_id=source.pk, active=True)
    assert importing.feed_sources_import_all() == 3
    assert len(_updates()) == 2


def test_activating_a_source_whose_address_is_no_longer_public_is_refused(
    newsroom, settings
) -> None:
    settings.DORF_FETCH_ALLOW_PRIVATE = True
    source = _source(newsroom, "http://127.0.0.1:9/feed")
    importing.feed_source_update(actor=newsroom.staff, source_id=source.pk, active=False)
    settings.DORF_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(ValidationFailed) as refused:
        importing.feed_source_update(actor=newsroom.staff, source_id=source.pk, active=True)
    assert refused.value.code == "unsafe_url"
    assert FeedSource.objects.get(pk=source.pk).active is False


def test_each_import_stores_its_counts_a_304_or_a_refusal_keeps_them(
    newsroom, recorded_server
) -> None:
    # given: a feed with three good entries and one without a title
    body = RSS.replace(b"</channel>", b"<item><guid>ohne-titel</guid></item></channel>")
    url = recorded_server.serve("/aktuelles.rss", body)
    source = _source(newsroom, url)

    # when: imported
    first = importing.feed_source_import(source_id=source.pk)

    # then: the source holds the counts the import answered
    source.refresh_from_db()
    assert (first.created, first.known, first.skipped) == (3, 0, 1)
    assert (
        source.last_import_created,
        source.last_import_known,
        source.last_import_skipped,
    ) == (3, 0, 1)
    imported_at = source.last_imported_at
    assert imported_at is not None

    # when: the server answers 304, then fails
    assert importing.feed_source_import(source_id=source.pk).not_modified
    recorded_server.serve("/aktuelles.rss", b"", status=500, conditional=False)
    assert importing.feed_source_import(source_id=source.pk).error

    # then: the last stored import is still what the source shows
    source.refresh_from_db()
    assert (source.last_import_created, source.last_imported_at) == (3, imported_at)
    assert source.last_error == "HTTP 500"

    # when: the feed is read again in full
    recorded_server.serve("/aktuelles.rss", body, conditional=False)
    importing.feed_source_import(source_id=source.pk)
    source.refresh_from_db()
    assert (source.last_import_created, source.last_import_known) == (0, 3)
    assert source.last_error == ""


def test_an_import_of_an_address_the_staff_changed_meanwhile_stores_nothing(
    newsroom, recorded_server, monkeypatch
) -> None:
    # given: a source whose address the staff change while its old feed is being fetched
    source = _source(newsroom, recorded_server.serve("/alt.rss", RSS))
    new_url = recorded_server.serve("/neu.atom", ATOM)
    parse = importing.parse_feed

    def parse_while_staff_edit(body: bytes):
        importing.feed_source_update(actor=newsroom.staff, source_id=source.pk, url=new_url)
        return parse(body)

    monkeypatch.setattr(importing, "parse_feed", parse_while_staff_edit)

    # when
    result = importing.feed_source_import(source_id=source.pk)

    # then: neither the old feed's posts nor its ETag land on the new address
    assert result.error
    assert not Post.objects.exists()
    source.refresh_from_db()
    assert (source.url, source.etag, source.last_imported_at) == (new_url, "", None)


# --- the API ---------------------------------------------------------------------------------


def test_staff_edit_and_pause_a_source_through_the_api(
    newsroom, recorded_server, client_for
) -> None:
    source = _source(newsroom, recorded_server.serve("/aktuelles.rss", RSS))
    importing.feed_source_import(source_id=source.pk)
    client = client_for(newsroom.staff)
    detail = reverse("news:feed-source-detail", kwargs={"source_id": source.pk})

    shown = client.get(detail)
    assert shown.status_code == 200
    assert shown.json()["last_import_created"] == 3
    assert shown.json()["last_imported_at"] is not None

    paused = client.patch(detail, {"name": "Gemeinde", "active": False}, format="json")
    assert paused.status_code == 200, paused.content
    assert (paused.json()["name"], paused.json()["active"]) == ("Gemeinde", False)
    assert FeedSource.objects.get(pk=source.pk).active is False

    # a paused source is not imported on request either
    run = client.post(reverse("news:feed-source-import", kwargs={"source_id": source.pk}))
    assert run.status_code == 409

    listed = client.get(reverse("news:feed-source-list", kwargs={"slug": newsroom.village.slug}))
    assert [row["name"] for row in listed.json()] == ["Gemeinde"]


def test_the_api_refuses_bad_edits_with_a_clear_4xx(newsroom, client_for) -> None:
    source = _source(newsroom, "https://gemeinde.example/aktuelles.rss")
    detail = reverse("news:feed-source-detail", kwargs={"source_id": source.pk})

    unsafe = client_for(newsroom.staff).patch(
        detail, {"url": "http://169.254.169.254/latest/"}, format="json"
    )
    unknown = client_for(newsroom.staff).patch(detail, {"etag": "x"}, format="json")
    editor = client_for(newsroom.editor).patch(detail, {"active": False}, format="json")
    editor_reads = client_for(newsroom.editor).get(detail)

    assert unsafe.status_code == 400
    assert "url" in unsafe.json()["error"]["fields"]
    assert unknown.status_code == 400
    assert editor.status_code == editor_reads.status_code == 403
    assert FeedSource.objects.get(pk=source.pk).active is True
