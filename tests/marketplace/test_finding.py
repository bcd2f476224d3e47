from __future__ import annotations

import math
import random

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from geopy.distance import geodesic

from dorf.marketplace import selectors
from dorf.marketplace.api import PostingSerializer
from dorf.marketplace.models import PostingPhoto, PostingStatus, snap_to_grid
from dorf.users.models import Block
from tests.factories import MembershipFactory
from tests.marketplace.factories import PostingFactory

pytestmark = pytest.mark.django_db


def _list(client, village, **params):
    url = reverse("marketplace:posting-list", kwargs={"slug": village.slug})
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def _titles(body) -> list[str]:
    return [p["title"] for p in body["results"]]


def _at(lat: float, lon: float) -> dict[str, float]:
    approx_lat, approx_lon = snap_to_grid(lat, lon)
    return {"approx_lat": approx_lat, "approx_lon": approx_lon}


def test_list_filters_by_kind_and_category_and_shows_only_open_postings(
    village, member, client_for
) -> None:
    # given
    PostingFactory(village=village, kind="offer", category="lend", title="Bohrmaschine")
    PostingFactory(village=village, kind="request", category="lend", title="Suche Leiter")
    PostingFactory(village=village, kind="offer", category="ride", title="Fahrt nach Köln")
    PostingFactory(
        village=village, kind="offer", category="lend", title="Alt", status=PostingStatus.EXPIRED
    )
    client = client_for(member.user)
    # when / then
    assert _titles(_list(client, village, kind="offer", category="lend")) == ["Bohrmaschine"]
    assert _titles(_list(client, village, kind="request")) == ["Suche Leiter"]
    assert _titles(_list(client, village, status="expired")) == ["Alt"]


def test_text_search_finds_german_word_forms_on_postgres_and_substrings_elsewhere(
    village, member, client_for
) -> None:
    # given
    PostingFactory(village=village, title="Hilfe im Garten", text="Hecken schneiden")
    PostingFactory(village=village, title="Einkaufen", text="Wocheneinkauf beim Bäcker")
    client = client_for(member.user)
    # then: "Garten" matches on every database
    assert _titles(_list(client, village, q="Garten")) == ["Hilfe im Garten"]
    if connection.vendor == "postgresql":
        # the German stemmer maps "Hecke" and "Hecken" to one lexeme
        assert _titles(_list(client, village, q="Hecke")) == ["Hilfe im Garten"]


@pytest.mark.postgres
def test_full_text_search_uses_the_german_configuration(village, member, client_for) -> None:
    PostingFactory(village=village, title="Kinderwagen zu verschenken", text="")
    client = client_for(member.user)
    assert _titles(_list(client, village, q="Kinderwagens")) == ["Kinderwagen zu verschenken"]
    assert _titles(_list(client, village, q="und")) == []  # a German stop word matches nothing


def test_distance_filter_and_nearest_first_use_the_household_and_the_grid_cells(
    village, resident_at, client_for
) -> None:
    # given: me at the centre; postings ~300 m, ~1.1 km and ~3.3 km away
    me = resident_at(village, 50.790, 7.872)
    PostingFactory(village=village, title="weit", **_at(50.820, 7.872))
    PostingFactory(village=village, title="nah", **_at(50.7927, 7.872))
    PostingFactory(village=village, title="mittel", **_at(50.800, 7.872))
    client = client_for(me.user)
    # when
    within = _list(client, village, max_distance_m=1500, order="nearest")
    everything = _list(client, village, order="nearest")
    # then
    assert _titles(within) == ["nah", "mittel"]
    assert _titles(everything) == ["nah", "mittel", "weit"]
    distances = [p["distance_m"] for p in everything["results"]]
    assert distances == sorted(distances)
    assert 200 <= distances[0] <= 500
    assert 3000 <= distances[2] <= 3600


def test_distance_search_without_a_household_is_a_clear_400(village, member, client_for) -> None:
    url = reverse("marketplace:posting-list", kwargs={"slug": village.slug})
    response = client_for(member.user).get(url, {"order": "nearest"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "household_missing"


def test_postings_of_blocked_and_blocking_users_are_hidden_both_ways(
    village, member, client_for
) -> None:
    # given
    i_blocked = MembershipFactory(village=village).user
    blocks_me = MembershipFactory(village=village).user
    Block.objects.create(blocker=member.user, blocked=i_blocked)
    Block.objects.create(blocker=blocks_me, blocked=member.user)
    hidden_a = PostingFactory(village=village, author=i_blocked, title="a")
    PostingFactory(village=village, author=blocks_me, title="b")
    PostingFactory(village=village, title="c")
    client = client_for(member.user)
    # then
    assert _titles(_list(client, village)) == ["c"]
    detail = reverse("marketplace:posting-detail", kwargs={"posting_id": hidden_a.pk})
    assert client.get(detail).status_code == 404


def test_a_foreign_villages_posting_is_404_and_never_listed(
    village, other_village, member, client_for
) -> None:
    foreign = PostingFactory(village=other_village, title="fremd")
    client = client_for(member.user)
    assert _titles(_list(client, village)) == []
    detail = reverse("marketplace:posting-detail", kwargs={"posting_id": foreign.pk})
    assert client.get(detail).status_code == 404
    reply = reverse("marketplace:conversation-list", kwargs={"posting_id": foreign.pk})
    assert client.post(reply, {"text": "Hallo"}).status_code == 404
    assert not foreign.conversations.exists()


@pytest.mark.parametrize("order", ["newest", "nearest"])
def test_posting_list_runs_a_constant_number_of_queries(
    order, village, resident_at, client_for, django_assert_num_queries
) -> None:
    # given
    me = resident_at(village)
    client = client_for(me.user)
    PostingFactory(village=village)
    _list(client, village, order=order)
    # token, membership with household, postings (minus blocked authors, a subquery;
    # nearest first pages by offset without a COUNT: one row past the page tells whether
    # there is more), and the photos only for a page that shows some
    with django_assert_num_queries(3):
        assert len(_list(client, village, order=order)["results"]) == 1
    for posting in PostingFactory.create_batch(6, village=village):
        PostingPhoto.objects.create(posting=posting, image="marketplace/a.jpg", width=4, height=3)
    with django_assert_num_queries(4):
        rows = _list(client, village, order=order)["results"]
    assert len(rows) == 7
    assert sorted(len(row["photos"]) for row in rows) == [0, 1, 1, 1, 1, 1, 1]


@pytest.mark.parametrize("order", ["newest", "nearest"])
def test_a_list_row_is_the_posting_as_its_serializer_shows_it(
    order, village, resident_at, client_for
) -> None:
    # given: my own hidden posting with a photo, and one of an author without a last name
    me = resident_at(village, lat=50.7931, lon=7.8802)
    mine = PostingFactory(
        village=village, author=me.user, estimated_minutes=None, hidden_at=timezone.now()
    )
    PostingPhoto.objects.create(posting=mine, image="marketplace/2026/11/a.jpg", width=4, height=3)
    PostingPhoto.objects.create(posting=mine, image="marketplace/2026/11/b.jpg", width=3, height=4)
    other = PostingFactory(village=village, author__last_name="", **_at(50.80, 7.90))
    # when
    rows = _list(client_for(me.user), village, order=order)["results"]
    # then: field for field what PostingSerializer answers for the detail
    origin = (me.household.latitude, me.household.longitude)
    expected = {p.pk: PostingSerializer(p, context={"origin": origin}).data for p in (mine, other)}
    assert {row["id"]: row for row in rows} == expected
    assert [list(row) for row in rows] == [list(expected[row["id"]]) for row in rows]


def test_distances_are_geopys_geodesic_rounded_to_100_m() -> None:
    # given: random lines up to 60 km anywhere below 80°, and lines ending near a rounding
    # boundary (where the short-line formula hands over to geopy)
    rng = random.Random(22)
    cases = []
    for _ in range(10_000):
        lat, lon = rng.uniform(-80, 80), rng.uniform(-180, 180)
        metres, bearing = rng.uniform(0, 60_000), rng.uniform(0, 2 * math.pi)
        lat2 = max(-89.9, min(89.9, lat + metres * math.cos(bearing) / 111_000))
        lon2 = lon + metres * math.sin(bearing) / (111_000 * max(math.cos(math.radians(lat)), 0.1))
        cases.append(((lat, lon), lat2, (lon2 + 180) % 360 - 180))
    origin = (50.7931, 7.8802)
    for metres in (50.0, 150.0, 1_249.999, 1_250.0, 1_250.001, 12_350.0):
        cases.append((origin, origin[0] + metres / 111_200, origin[1]))
    # then
    for start, lat, lon in cases:
        exact = int(round(geodesic(start, (lat, lon)).meters / 100.0) * 100)
        assert selectors.geodesic_rounded_m(start, lat, lon) == exact, (start, lat, lon)
    assert selectors.geodesic_rounded_m(None, 50.0, 7.0) is None
    assert selectors.geodesic_rounded_m(origin, None, None) is None
