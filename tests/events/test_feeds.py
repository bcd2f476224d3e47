"""The public village feed: every source's public series, no login, RRULE and EXDATE kept;
and over a year the API's occurrences are what an independent expander finds in it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dorf.core.exceptions import ValidationFailed
from dorf.events import importing, services
from dorf.events.models import ExternalCalendar
from dorf.villages.models import Role
from tests.clubs.factories import ClubEventFactory, ClubFactory
from tests.events.conftest import Town
from tests.factories import MembershipFactory, VillageFactory
from tests.news.factories import PublisherFactory, PublisherRoleFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
CHURCH = (
    Path(__file__).parents[2] / "dorf" / "events" / "demo_data" / "kirche-st-martin.ics"
).read_bytes()


def _feed(client, village) -> tuple[str, Any]:
    response = client.get(reverse("calendar:village-feed", kwargs={"slug": village.slug}))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    return response.content.decode(), icalendar.Calendar.from_ical(response.content)


def test_the_village_feed_merges_clubs_municipality_and_imported_events_without_login(
    town, api_client
) -> None:
    # given: a club event, a members-only club event, a municipal series with an
    # exception, a members-only municipal event and the imported church calendar
    club = ClubFactory(village=town.village, name="Chor")
    ClubEventFactory(club=club, title="Konzert")
    ClubEventFactory(club=club, title="Vorstandssitzung", visibility="members")
    services.event_create(
        actor=town.chief,
        village_id=town.village.pk,
        publisher_id=town.municipality.pk,
        title="Sprechstunde",
        starts_at=datetime(2030, 3, 5, 17, tzinfo=BERLIN),
        ends_at=datetime(2030, 3, 5, 18, tzinfo=BERLIN),
        rrule="FREQ=WEEKLY;BYDAY=TU",
        exdates=[datetime(2030, 3, 12, 17, tzinfo=BERLIN)],
    )
    services.event_create(
        actor=town.chief,
        village_id=town.village.pk,
        publisher_id=town.municipality.pk,
        title="Personalversammlung",
        starts_at=datetime(2030, 3, 6, 9, tzinfo=BERLIN),
        ends_at=datetime(2030, 3, 6, 10, tzinfo=BERLIN),
        public=False,
    )
    church = ExternalCalendar.objects.create(
        village=town.village, name="Pfarrei St. Martin", url="https://k.example/k.ics"
    )
    importing.external_calendar_import_body(calendar=church, body=CHURCH)
    # when: a calendar app without credentials asks
    raw, calendar = _feed(api_client, town.village)
    # then
    summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert "Konzert (Chor)" in summaries
    assert "Sprechstunde (Gemeinde Musterdorf)" in summaries
    assert "Sonntagsgottesdienst (Pfarrei St. Martin)" in summaries
    assert not any("Vorstand" in s or "Personalversammlung" in s for s in summaries)
    assert "RRULE:FREQ=WEEKLY;BYDAY=TU" in raw
    assert "EXDATE;TZID=Europe/Berlin:20300312T170000" in raw
    assert "RRULE:FREQ=WEEKLY;BYDAY=SU" in raw
    assert "DTSTART;VALUE=DATE:20260705" in raw  # the all-day parish festival
    # no personal data: nobody's name, e-mail or RSVP in it
    for user in (town.chief, town.staff):
        assert user.display_name not in raw
        assert user.email not in raw
    assert "ATTENDEE" not in raw
    assert "ORGANIZER" not in raw


def test_the_feed_of_one_organizer_and_an_unknown_village(town, api_client) -> None:
    services.event_create(
        actor=town.chief,
        village_id=town.village.pk,
        publisher_id=town.municipality.pk,
        title="Sprechstunde",
        starts_at=datetime(2030, 3, 5, 17, tzinfo=BERLIN),
        ends_at=datetime(2030, 3, 5, 18, tzinfo=BERLIN),
    )
    ClubEventFactory(club=ClubFactory(village=town.village), title="Konzert")
    url = reverse("calendar:village-feed", kwargs={"slug": town.village.slug})
    only = api_client.get(url, {"organizer": f"publisher:{town.municipality.pk}"})
    calendar = icalendar.Calendar.from_ical(only.content)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == [
        "Sprechstunde (Gemeinde Musterdorf)"
    ]
    assert api_client.get(url, {"organizer": "nonsense"}).status_code == 400
    missing = reverse("calendar:village-feed", kwargs={"slug": "gibt-es-nicht"})
    assert api_client.get(missing).json()["error"]["code"] == "not_found"


def test_an_event_in_another_zone_keeps_its_zone_in_the_feed(town, api_client) -> None:
    havana = ZoneInfo("America/Havana")
    services.event_create(
        actor=town.chief,
        village_id=town.village.pk,
        publisher_id=town.municipality.pk,
        title="Partnerschaftstreffen",
        starts_at=datetime(2030, 3, 7, 10, tzinfo=havana),
        ends_at=datetime(2030, 3, 7, 11, tzinfo=havana),
        timezone="America/Havana",
        rrule="FREQ=DAILY;COUNT=5",
    )
    raw, calendar = _feed(api_client, town.village)
    assert "DTSTART;TZID=America/Havana:20300307T100000" in raw
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {
        "Europe/Berlin",
        "America/Havana",
    }
    found = recurring_ical_events.of(calendar).between(
        datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 4, 1, tzinfo=UTC)
    )
    assert [e["DTSTART"].dt.astimezone(havana).hour for e in found] == [10] * 5


# --- the property: API occurrences == an independent expander's reading of our feed -------------

YEAR_START = datetime(2031, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2032, 1, 1, tzinfo=UTC)
# Not UTC: clients that follow X-WR-TIMEZONE (as recurring-ical-events does) move UTC
# times into the calendar's zone before expanding (docs/calendar.md, "Limits").
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney")
RULES = st.one_of(
    st.builds(
        lambda days: "FREQ=WEEKLY;BYDAY=" + ",".join(days),
        st.lists(
            st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
            min_size=1,
            max_size=3,
            unique=True,
        ),
    ),
    st.builds(lambda n: f"FREQ=DAILY;INTERVAL={n}", st.integers(1, 9)),
    st.builds(
        lambda n, day: f"FREQ=MONTHLY;BYDAY={n}{day}",
        st.sampled_from([1, 2, -1]),
        st.sampled_from(["MO", "WE", "SA"]),
    ),
    st.builds(lambda day: f"FREQ=MONTHLY;BYMONTHDAY={day}", st.sampled_from([1, 15, 28, -1])),
    st.just("FREQ=YEARLY"),
)


def _api_occurrences(client, village) -> list[tuple[str, datetime]]:
    rows: list[tuple[str, datetime]] = []
    url: str | None = reverse("calendar:village-calendar", kwargs={"slug": village.slug})
    params: dict[str, Any] | None = {
        "from": YEAR_START.isoformat(),
        "to": YEAR_END.isoformat(),
        "page_size": 200,
    }
    while url:
        body = client.get(url, params).json()
        for row in body["results"]:
            if row["public"]:
                title = f"{row['title']} ({row['organizer']['name']})"
                rows.append((title, datetime.fromisoformat(row["starts_at"]).astimezone(UTC)))
        url, params = body["next"], None
    return sorted(rows)


def _feed_occurrences(client, village) -> list[tuple[str, datetime]]:
    _raw, calendar = _feed(client, village)
    tz = ZoneInfo(village.timezone)
    rows = []
    for event in recurring_ical_events.of(calendar).between(YEAR_START, YEAR_END):
        start = event["DTSTART"].dt
        if not isinstance(start, datetime):  # all-day: the village's midnight
            start = datetime.combine(start, time.min, tzinfo=tz)
        start = start.astimezone(UTC)
        if YEAR_START <= start < YEAR_END:  # it also returns what merely overlaps
            rows.append((str(event["SUMMARY"]), start))
    return sorted(rows)


def _new_town() -> Town:
    village = VillageFactory()
    staff = MembershipFactory(village=village, role=Role.STAFF).user
    municipality = PublisherFactory(village=village, name=f"Gemeinde {village.name}")
    PublisherRoleFactory(publisher=municipality, user=staff, role="publisher")
    return Town(village, staff, municipality, staff, staff, staff)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    events=st.lists(
        st.tuples(
            RULES,
            st.sampled_from(ZONES),
            st.integers(0, 364),  # first day in 2030
            st.integers(0, 47),  # half hours after midnight, the clock changes included
            st.integers(0, 6),  # which occurrences become EXDATEs (every 7th from here)
        ),
        min_size=1,
        max_size=3,
    ),
    all_day=st.booleans(),
)
def test_over_a_year_the_apis_occurrences_equal_those_an_independent_parser_finds_in_our_feed(
    client_for, api_client, events, all_day
) -> None:
    # given: a village with a club series, an all-day series maybe, and generated series
    # in three zones, with EXDATEs taken from their own occurrences
    town = _new_town()
    club = ClubFactory(village=town.village, name="Turnverein")
    ClubEventFactory(
        club=club,
        title="Training",
        starts_at=datetime(2030, 10, 1, 18, tzinfo=BERLIN),
        ends_at=datetime(2030, 10, 1, 20, tzinfo=BERLIN),
        rrule="FREQ=WEEKLY;BYDAY=TU,TH",
    )
    if all_day:
        church = ExternalCalendar.objects.create(
            village=town.village, name="Pfarrei", url=f"https://{town.village.slug}.example/k"
        )
        importing.external_calendar_import_body(calendar=church, body=CHURCH)
    for index, (rule, zone_name, day, half_hours, drop) in enumerate(events):
        tz = ZoneInfo(zone_name)
        wall = datetime.combine(date(2030, 1, 1) + timedelta(days=day), time.min) + timedelta(
            minutes=30 * half_hours
        )
        start = wall.replace(tzinfo=tz)
        # a first start that exists on the wall clock (not in a spring gap)
        assume(start.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall)
        try:
            event = services.event_create(
                actor=town.staff,
                village_id=town.village.pk,
                publisher_id=town.municipality.pk,
                title=f"Serie {index}",
                starts_at=start,
                ends_at=start + timedelta(minutes=90),
                timezone=zone_name,
                rrule=rule,
            )
        except ValidationFailed:
            assume(False)
        items = _api_occurrences(client_for(town.staff), town.village)
        mine = [s for title, s in items if title.startswith(f"Serie {index} ")]
        services.event_update(actor=town.staff, event_id=event.pk, exdates=mine[drop::7] or [])
    # when
    ours = _api_occurrences(client_for(town.staff), town.village)
    theirs = _feed_occurrences(api_client, town.village)
    # then
    assert ours
    assert ours == theirs
