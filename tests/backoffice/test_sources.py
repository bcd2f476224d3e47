"""The backoffice's import sources with Django's test client: news feed sources edited,
paused and activated through ``news.importing.feed_source_update``, the last import's
counts on both source screens, and every object page of another village a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dorf.news.models import FeedSource, PublisherKind
from tests.backoffice.scenario import World, build_world
from tests.backoffice.test_backoffice import _act, _login
from tests.events.factories import ExternalCalendarFactory
from tests.news.factories import NewsCategoryFactory, PublisherFactory

pytestmark = pytest.mark.django_db

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Gemeinde</title><link>https://gemeinde.example/</link>
<description>Neues</description>
<item><title>Wasserleitung</title><link>https://gemeinde.example/1</link><guid>a1</guid></item>
<item><title>Laubsammlung</title><link>https://gemeinde.example/2</link><guid>a2</guid></item>
<item><guid>ohne-titel</guid></item>
</channel></rss>"""


@pytest.fixture
def world() -> World:
    return build_world()


def _client(email: str) -> Client:
    client = Client()
    _login(client, email)
    return client


def _feed_source(world: World, url: str = "https://gemeinde.example/aktuelles.rss") -> FeedSource:
    return FeedSource.objects.create(
        village=world.village,
        url=url,
        publisher_id=world.post.publisher_id,
        category_id=world.post.category_id,
    )


def _updates() -> list[LogEntry]:
    return list(LogEntry.objects.filter(additional_data__verb="feed_source_update").order_by("pk"))


# --- another village's object page -------------------------------------------------------------

PAGES: list[tuple[str, Callable[[World], Any]]] = [
    ("reports_report", lambda w: w.report),
    ("news_post", lambda w: w.post),
    ("villages_membership", lambda w: w.applicant),
    ("lostfound_founditem", lambda w: w.found_item),
    ("bookings_booking", lambda w: w.booking),
    ("news_feedsource", _feed_source),
    ("events_externalcalendar", lambda w: ExternalCalendarFactory(village=w.village)),
]


@pytest.mark.parametrize(("screen", "make"), PAGES, ids=[screen for screen, _ in PAGES])
def test_another_villages_object_page_is_a_404_like_an_unknown_id_and_own_ones_open(
    world, screen, make
) -> None:
    # given: an object of Musterdorf
    obj = make(world)
    change = reverse(f"backoffice:{screen}_change", args=[obj.pk])
    history = reverse(f"backoffice:{screen}_history", args=[obj.pk])
    unknown = reverse(f"backoffice:{screen}_change", args=[999_999])

    # when: the neighbour's staff open its address directly, and Musterdorf's staff do
    neighbour = _client(world.neighbour_staff.email)
    foreign_page, foreign_history, unknown_page = (
        neighbour.get(change),
        neighbour.get(history),
        neighbour.get(unknown),
    )
    own = _client(world.staff.email).get(change)

    # then: a 404 that looks exactly like an unknown id's; the staff's own object opens
    assert foreign_page.status_code == foreign_history.status_code == 404
    assert unknown_page.status_code == 404
    assert foreign_page.content == unknown_page.content
    assert "Musterdorf" not in foreign_page.content.decode()
    assert own.status_code == 200
    assert own.context["original"].pk == obj.pk


# --- news feed sources -------------------------------------------------------------------------


def test_staff_edit_a_feed_source_through_the_service_audited_once(world) -> None:
    source = _feed_source(world)
    club = PublisherFactory(village=world.village, name="Sportverein", kind=PublisherKind.CLUB)
    category = NewsCategoryFactory(village=world.village, name="Vereine", slug="vereine")
    client = _client(world.staff.email)
    url = reverse("backoffice_feed_source_edit", args=[source.pk])

    # the page shows the current values, with only Musterdorf's publishers to choose from
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["url"] == source.url
    assert set(form.fields["publisher"].queryset) == {world.post.publisher, club}

    # when: renamed, given to the club and its category, and paused
    saved = client.post(
        url,
        {
            "name": "Gemeinde-Website",
            "url": source.url,
            "publisher": club.pk,
            "category": category.pk,
        },
        follow=True,
    )

    # then
    assert saved.redirect_chain[0] == (reverse("backoffice:news_feedsource_changelist"), 302)
    source.refresh_from_db()
    assert (source.name, source.publisher_id, source.category_id, source.active) == (
        "Gemeinde-Website",
        club.pk,
        category.pk,
        False,
    )
    (entry,) = _updates()
    assert entry.actor_id == world.staff.pk
    assert entry.changes["active"] == ["True", "False"]
    assert "Gemeinde-Website" in saved.content.decode()

    # saving it unchanged writes nothing and logs nothing
    client.post(
        url,
        {
            "name": "Gemeinde-Website",
            "url": source.url,
            "publisher": club.pk,
            "category": category.pk,
        },
    )
    assert len(_updates()) == 1


def test_a_refused_edit_is_shown_at_the_field_and_changes_nothing(world) -> None:
    source = _feed_source(world)
    twin = _feed_source(world, url="https://gemeinde.example/zweite.rss")
    client = _client(world.staff.email)

    response = client.post(
        reverse("backoffice_feed_source_edit", args=[source.pk]),
        {
            "name": "",
            "url": twin.url,
            "publisher": world.post.publisher_id,
            "category": world.post.category_id,
            "active": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["url"] == ["Dieses Dorf importiert diesen Feed schon."]
    assert FeedSource.objects.get(pk=source.pk).url == "https://gemeinde.example/aktuelles.rss"
    assert _updates() == []


def test_staff_pause_and_activate_feed_sources_from_the_list(world, recorded_server) -> None:
    source = _feed_source(world, url=recorded_server.serve("/gemeinde.rss", RSS))
    client = _client(world.staff.email)

    _act(client, "news_feedsource", "feed_source_pause", source.pk)
    assert FeedSource.objects.get(pk=source.pk).active is False
    # a paused source is not imported now either
    refused = client.post(
        reverse("backoffice:news_feedsource_changelist"),
        {"action": "feed_source_import", "_selected_action": [str(source.pk)], "index": "0"},
        follow=True,
    )
    assert [m.level_tag for m in refused.context["messages"]] == ["error"]
    assert "/gemeinde.rss" not in recorded_server.hits

    _act(client, "news_feedsource", "feed_source_activate", source.pk)
    assert FeedSource.objects.get(pk=source.pk).active is True
    assert [e.changes["active"] for e in _updates()] == [["True", "False"], ["False", "True"]]


def test_the_feed_list_and_page_show_the_last_imports_counts(world, recorded_server) -> None:
    source = _feed_source(world, url=recorded_server.serve("/gemeinde.rss", RSS))
    client = _client(world.staff.email)
    changelist = reverse("backoffice:news_feedsource_changelist")

    before = client.get(changelist)
    assert "noch nicht importiert" in before.content.decode()

    client.post(
        changelist,
        {"action": "feed_source_import", "_selected_action": [str(source.pk)], "index": "0"},
    )
    listing = client.get(changelist).content.decode()
    page = client.get(reverse("backoffice_feed_source_edit", args=[source.pk])).content.decode()
    detail = client.get(reverse("backoffice:news_feedsource_change", args=[source.pk]))

    summary = "2 neu, 0 schon bekannt, 1 übersprungen"
    assert summary in listing
    assert summary in page
    assert summary in detail.content.decode()


def test_another_villages_staff_get_404_for_musterdorfs_feed_sources(world) -> None:
    source = _feed_source(world)
    client = _client(world.neighbour_staff.email)
    url = reverse("backoffice_feed_source_edit", args=[source.pk])

    page = client.get(url)
    post = client.post(
        url,
        {
            "name": "Gekapert",
            "url": "https://boese.example/feed",
            "publisher": world.post.publisher_id,
            "category": world.post.category_id,
        },
    )
    client.post(
        reverse("backoffice:news_feedsource_changelist"),
        {"action": "feed_source_pause", "_selected_action": [str(source.pk)], "index": "0"},
    )

    assert page.status_code == post.status_code == 404
    source.refresh_from_db()
    assert (source.name, source.url, source.active) == (
        "",
        "https://gemeinde.example/aktuelles.rss",
        True,
    )
    assert not LogEntry.objects.exists()


# --- external calendars ------------------------------------------------------------------------


def test_the_calendar_list_and_page_show_the_last_imports_counts(world) -> None:
    calendar = ExternalCalendarFactory(
        village=world.village,
        name="Pfarrei",
        last_imported_at=timezone.now(),
        last_import_created=6,
        last_import_updated=1,
        last_import_deleted=2,
        last_import_unchanged=3,
        last_import_skipped=4,
        last_import_filtered=5,
    )
    client = _client(world.staff.email)

    listing = client.get(reverse("backoffice:events_externalcalendar_changelist"))
    page = client.get(reverse("backoffice_calendar_edit", args=[calendar.pk]))

    summary = "6 neu, 1 geändert, 2 entfernt, 3 unverändert, 4 übersprungen, 5 ausgefiltert"
    assert summary in listing.content.decode()
    assert summary in page.content.decode()
