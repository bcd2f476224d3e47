"""The calendar-source registry and the merged village calendar API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from dorf.calendar import sources
from dorf.calendar.ics import Entry
from dorf.calendar.sources import CalendarItem, CalendarQuery, Organizer
from dorf.clubs.calendar_source import ClubEventSource
from dorf.clubs.models import Visibility
from dorf.villages.models import Village
from tests.clubs.factories import ClubEventFactory, ClubFactory, berlin

pytestmark = pytest.mark.django_db


def _url(village: Village) -> str:
    return reverse("calendar:village-calendar", kwargs={"slug": village.slug})


@dataclass
class FixedSource:
    """A source with given items, as another app would register one."""

    name: str = "fixed"
    items: list[CalendarItem] = field(default_factory=list)
    asked: list[CalendarQuery] = field(default_factory=list)

    def occurrences(self, query: CalendarQuery) -> list[CalendarItem]:
        self.asked.append(query)
        return [
            item
            for item in sorted(self.items, key=lambda i: i.sort_key)
            if query.window_start <= item.starts_at < query.window_end and query.wants(item)
        ]

    def feed_entries(self, *, village: Village, organizer: str = "") -> list[Entry]:
        return []


def _item(start: datetime, *, series: str = "fixed:1", category: str = "council", public=True):
    return CalendarItem(
        source="fixed",
        series=series,
        title=f"Sitzung {series}",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        original_start=start,
        organizer=Organizer(kind="council", id=1, name="Gemeinderat"),
        categories=(category,),
        public=public,
    )


def test_the_clubs_register_their_source_at_start_up() -> None:
    assert any(isinstance(s, ClubEventSource) for s in sources.registered_sources())


def test_a_registered_source_is_merged_with_club_events_in_order_of_start(
    village, member, client_for
) -> None:
    # given: a weekly club evening and a council meeting between two of its dates
    club = ClubFactory(village=village, name="Chor")
    ClubEventFactory(
        club=club,
        title="Chorprobe",
        starts_at=berlin(2030, 3, 5, 19, 30),
        ends_at=berlin(2030, 3, 5, 21, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
    )
    meeting = _item(berlin(2030, 3, 13, 19, 0).astimezone(UTC))
    with sources.registered(FixedSource(items=[meeting])):
        # when
        response = client_for(member.user).get(
            _url(village), {"from": "2030-03-01", "to": "2030-04-01"}
        )
    # then
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(r["title"], r["starts_at"]) for r in rows] == [
        ("Chorprobe", "2030-03-05T19:30:00+01:00"),
        ("Chorprobe", "2030-03-12T19:30:00+01:00"),
        ("Sitzung fixed:1", "2030-03-13T19:00:00+01:00"),
        ("Chorprobe", "2030-03-19T19:30:00+01:00"),
    ]
    assert rows[0]["organizer"] == {
        "kind": "club",
        "id": club.pk,
        "name": "Chor",
        "key": f"club:{club.pk}",
    }
    assert rows[0]["categories"] == ["club"]
    assert rows[0]["recurring"] is True
    assert response.json()["next"] is None


def test_category_and_organizer_filters_apply_to_every_source(village, member, client_for) -> None:
    club = ClubFactory(village=village)
    other = ClubFactory(village=village)
    ClubEventFactory(club=club, title="Fest A", starts_at=berlin(2030, 5, 1, 15))
    ClubEventFactory(club=other, title="Fest B", starts_at=berlin(2030, 5, 2, 15))
    meeting = _item(berlin(2030, 5, 3, 19).astimezone(UTC))
    client = client_for(member.user)
    window = {"from": "2030-05-01", "to": "2030-06-01"}
    with sources.registered(FixedSource(items=[meeting])):
        council = client.get(_url(village), {**window, "category": "council"}).json()
        clubs_only = client.get(_url(village), {**window, "category": "club,sport"}).json()
        one_club = client.get(_url(village), {**window, "organizer": f"club:{club.pk}"}).json()
    assert [r["title"] for r in council["results"]] == ["Sitzung fixed:1"]
    assert [r["title"] for r in clubs_only["results"]] == ["Fest A", "Fest B"]
    assert [r["title"] for r in one_club["results"]] == ["Fest A"]


def test_members_see_members_only_club_events_but_a_public_query_does_not(village, member) -> None:
    club = ClubFactory(village=village)
    ClubEventFactory(club=club, title="Vorstand", visibility=Visibility.MEMBERS)
    ClubEventFactory(club=club, title="Sommerfest")
    now = datetime.now(UTC)
    window = {"village": village, "window_start": now, "window_end": now + timedelta(days=30)}
    members = sources.calendar_items(CalendarQuery(**window, viewer=member.user))
    public = sources.calendar_items(CalendarQuery(**window, viewer=None))
    assert sorted(i.title for i in members) == ["Sommerfest", "Vorstand"]
    assert [i.title for i in public] == ["Sommerfest"]


def test_pages_follow_each_other_without_gaps_or_repeats_even_at_equal_starts(
    village, member, client_for
) -> None:
    # given: 7 meetings, three of them at the very same instant
    same = berlin(2030, 6, 1, 10).astimezone(UTC)
    items = [_item(same, series=f"fixed:{n}") for n in range(3)] + [
        _item(same + timedelta(days=n), series=f"fixed:{10 + n}") for n in range(1, 5)
    ]
    client = client_for(member.user)
    seen: list[str] = []
    with sources.registered(FixedSource(items=items)):
        url = _url(village) + "?from=2030-06-01&to=2030-07-01&page_size=2"
        while url:
            body = client.get(url).json()
            seen += [r["series"] for r in body["results"]]
            url = body["next"]
    assert seen == [i.series for i in sorted(items, key=lambda i: i.sort_key)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2030-05-02", "to": "2030-05-01"}, "to"),
        ({"from": "2030-05-01", "to": "2031-07-01"}, "to"),
        ({"from": "gestern"}, "from"),
        ({"from": "2030-05-01T10:00:00"}, "from"),  # no offset: ambiguous
        ({"from": "9999-12-31"}, "from"),  # would overflow the default window
        ({"category": "raves"}, "category"),
        ({"organizer": "club"}, "organizer"),
        ({"cursor": "%%%"}, "cursor"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_bad_parameters_are_a_400_in_the_one_error_shape_in_german(
    village, member, client_for, params, field
) -> None:
    response = client_for(member.user).get(_url(village), params)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"]
    assert error["message"] == "Ungültige Eingabe."


def test_the_window_message_speaks_german_and_english(village, member, client_for) -> None:
    client = client_for(member.user)
    params = {"from": "2030-05-02", "to": "2030-05-01"}
    german = client.get(_url(village), params).json()["error"]["fields"]["to"][0]
    english = client.get(_url(village), params, HTTP_ACCEPT_LANGUAGE="en").json()
    assert german == "Das Ende muss nach dem Anfang liegen."
    assert english["error"]["fields"]["to"][0] == "The end must come after the start."


def test_another_village_is_404_and_anonymous_is_refused(village, outsider, client_for, api_client):
    assert client_for(outsider.user).get(_url(village)).status_code == 404
    assert api_client.get(_url(village)).status_code in (401, 404)


def test_the_calendar_costs_the_same_queries_for_one_or_many_series(
    village, member, client_for, django_assert_num_queries
) -> None:
    client = client_for(member.user)
    club = ClubFactory(village=village)
    ClubEventFactory(club=club, rrule="FREQ=DAILY;COUNT=5")
    client.get(_url(village))  # the token's first use is recorded once
    # token, membership, club events, their overrides, the village's own events, council
    # meetings (their committees only when there are meetings)
    with django_assert_num_queries(6):
        first = client.get(_url(village))
    for n in range(10):
        ClubEventFactory(club=ClubFactory(village=village), rrule="FREQ=WEEKLY", title=f"E{n}")
    with django_assert_num_queries(6):
        many = client.get(_url(village))
    assert len(first.json()["results"]) == 5
    assert len(many.json()["results"]) > 10
