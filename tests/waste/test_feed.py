"""The household's secret-token calendar feed: the same dates as the API when expanded
by an independent parser, stable UIDs, SEQUENCE bumped on shifts, type filter, VALARM."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import icalendar
import pytest
import recurring_ical_events
from django.utils import timezone

from tests.factories import MembershipFactory
from tests.waste.factories import import_csv, resident_at

pytestmark = pytest.mark.django_db


def _feed_url(client, village) -> str:
    body = client.get(f"/api/v1/villages/{village.slug}/waste/feed/").json()
    return str(body["url"]).replace("http://testserver", "")


def _rows(today: date) -> list[str]:
    return [f"Rest A;rest;{today + timedelta(days=n)};;" for n in range(2, 300, 14)] + [
        f"Papier;papier;{today + timedelta(days=n)};;" for n in range(5, 300, 28)
    ]


def _events(body: bytes, first: date, last: date) -> list[Any]:
    calendar = icalendar.Calendar.from_ical(body)
    return list(recurring_ical_events.of(calendar).between(first, last + timedelta(days=1)))


def test_the_feed_expands_to_the_same_dates_as_the_api(plan, client_for, api_client) -> None:
    # given
    today = timezone.localdate()
    import_csv(plan, *_rows(today))
    member = resident_at(plan.village)
    client = client_for(member.user)
    url = _feed_url(client, plan.village)
    # when: the API's schedule and the feed, read by an independent parser
    api: list[tuple[str, str]] = []
    page = client.get(f"/api/v1/villages/{plan.village.slug}/waste/schedule/?page_size=100").json()
    api.extend((c["date"], c["type"]) for c in page["results"])
    answer = api_client.get(url)
    # then
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    events = _events(answer.content, today, today + timedelta(days=365))
    from_feed = sorted((e["DTSTART"].dt.isoformat(), str(e["CATEGORIES"].cats[0])) for e in events)
    assert from_feed == sorted(api)
    assert len(from_feed) == 22 + 11
    assert b"BEGIN:VTIMEZONE" in answer.content


def test_a_shift_keeps_the_uid_and_bumps_the_sequence(plan, client_for, api_client) -> None:
    today = timezone.localdate()
    day = today + timedelta(days=20)
    import_csv(plan, f"Rest A;rest;{day};;")
    url = _feed_url(client_for(resident_at(plan.village).user), plan.village)
    (before,) = _events(api_client.get(url).content, today, today + timedelta(days=60))
    import_csv(plan, f"Rest A;rest;{day + timedelta(days=1)};{day};Feiertag")
    (after,) = _events(api_client.get(url).content, today, today + timedelta(days=60))
    assert str(after["UID"]) == str(before["UID"])
    assert (int(before["SEQUENCE"]), int(after["SEQUENCE"])) == (0, 1)
    assert after["DTSTART"].dt == day + timedelta(days=1)
    assert "Feiertag" in str(after["DESCRIPTION"])


def test_the_feed_filters_types_and_adds_an_alarm(plan, client_for, api_client) -> None:
    today = timezone.localdate()
    import_csv(plan, *_rows(today))
    url = _feed_url(client_for(resident_at(plan.village).user), plan.village)
    body = api_client.get(f"{url}?types=papier&alarm=4").content
    events = _events(body, today, today + timedelta(days=365))
    assert {str(e["SUMMARY"]) for e in events} == {"Papier"}
    alarm = events[0].walk("VALARM")[0]
    assert alarm["TRIGGER"].dt == -timedelta(hours=4)
    plain = api_client.get(url).content
    assert b"BEGIN:VALARM" not in plain
    assert api_client.get(f"{url}?alarm=500").status_code == 400
    assert api_client.get(f"{url}?types=sondermuell").status_code == 400


def test_a_wrong_or_rotated_token_or_a_member_who_left_is_404(plan, client_for, api_client) -> None:
    member = resident_at(plan.village)
    client = client_for(member.user)
    url = _feed_url(client, plan.village)
    assert api_client.get(url.replace(".ics", "x.ics")).status_code == 404
    other_village_url = url.replace(plan.village.slug, MembershipFactory().village.slug)
    assert api_client.get(other_village_url).status_code == 404
    rotated = client.post(f"/api/v1/villages/{plan.village.slug}/waste/feed/").json()["url"]
    assert api_client.get(url).status_code == 404
    new_url = rotated.replace("http://testserver", "")
    assert api_client.get(new_url).status_code == 200
    member.state = "banned"
    member.save()
    assert api_client.get(new_url).status_code == 404
