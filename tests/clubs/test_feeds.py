"""The feeds are written by the calendar module (with the ``icalendar`` package) and parsed
here by it too, plus checks on the raw lines; tests/calendar/ checks them against a
second, independent expander (``recurring-ical-events``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest
from django.urls import reverse

from dorf.calendar.models import FeedToken
from dorf.calendar.services import feed_token_get
from dorf.clubs import services
from dorf.clubs.series import FEED_SCOPE
from tests.clubs.factories import (
    BERLIN,
    ClubEventFactory,
    ClubMembershipFactory,
    RsvpFactory,
    ShiftFactory,
    ShiftSignupFactory,
    berlin,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rehearsal(club, board):
    """Weekly choir rehearsal across the spring DST change, one cancelled, one moved."""
    event = ClubEventFactory(
        club=club,
        title="Chorprobe; alle Stimmen",
        description="Bitte Noten mitbringen,\nund gute Laune.",
        starts_at=berlin(2030, 3, 19, 19, 30),
        ends_at=berlin(2030, 3, 19, 21, 30),
        rrule="FREQ=WEEKLY;COUNT=6",
        latitude=50.7901,
        longitude=7.8712,
    )
    services.occurrence_override_set(
        user=board.user,
        event_id=event.pk,
        original_start=berlin(2030, 3, 26, 19, 30),
        cancelled=True,
    )
    services.occurrence_override_set(
        user=board.user,
        event_id=event.pk,
        original_start=berlin(2030, 4, 2, 19, 30),
        starts_at=berlin(2030, 4, 3, 20, 0),
        ends_at=berlin(2030, 4, 3, 22, 0),
    )
    return event


def _get(client, url) -> tuple[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    raw = response.content.decode()
    calendar: Any = icalendar.Calendar.from_ical(raw)
    return raw, calendar


def _events(calendar: Any) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def test_the_club_feed_is_valid_icalendar_with_timezone_rule_exdate_and_recurrence_id(
    club, member, rehearsal, client_for
) -> None:
    # when
    raw, calendar = _get(
        client_for(member.user), reverse("clubs:club-feed", kwargs={"club_id": club.pk})
    )
    # then: the independent parser reads a VTIMEZONE and two VEVENTs of one UID
    assert calendar["VERSION"] == "2.0"
    timezones = list(calendar.walk("VTIMEZONE"))
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Berlin"]
    master, moved = _events(calendar)
    assert master["UID"] == moved["UID"]
    assert master.decoded("DTSTART") == berlin(2030, 3, 19, 19, 30)
    assert master.decoded("DTSTART").tzinfo is not None
    assert str(master["SUMMARY"]) == "Chorprobe; alle Stimmen (Sportverein)"
    assert str(master["DESCRIPTION"]) == "Bitte Noten mitbringen,\nund gute Laune."
    assert master["RRULE"]["FREQ"] == ["WEEKLY"]
    exdates = [d.dt for d in master["EXDATE"].dts]
    assert exdates == [berlin(2030, 3, 26, 19, 30)]
    assert moved.decoded("RECURRENCE-ID") == berlin(2030, 4, 2, 19, 30)
    assert moved.decoded("DTSTART") == berlin(2030, 4, 3, 20, 0)
    # and the raw lines say the same, in local time with TZID, CRLF-terminated
    lines = raw.split("\r\n")
    assert "DTSTART;TZID=Europe/Berlin:20300319T193000" in lines
    assert "EXDATE;TZID=Europe/Berlin:20300326T193000" in lines
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20300402T193000" in lines
    assert "RRULE:FREQ=WEEKLY;COUNT=6" in lines
    assert "SUMMARY:Chorprobe\\; alle Stimmen (Sportverein)" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in lines  # the VTIMEZONE's DST rule
    assert "GEO:50.790100;7.871200" in lines
    assert all(len(line.encode()) <= 75 for line in lines)


def test_occurrences_expanded_from_the_feed_keep_19_30_local_across_the_dst_change(
    club, member, rehearsal, client_for
) -> None:
    # given: the parser's own view of the series (dateutil over the parsed RRULE)
    from dateutil.rrule import rrulestr

    _raw, calendar = _get(
        client_for(member.user), reverse("clubs:club-feed", kwargs={"club_id": club.pk})
    )
    master = _events(calendar)[0]
    start = master.decoded("DTSTART")
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
    # then: the same wall time before and after 30 March 2030, one hour apart in UTC
    occurrences = list(rule)
    assert {o.astimezone(BERLIN).strftime("%H:%M") for o in occurrences} == {"19:30"}
    assert occurrences[0].astimezone(UTC).hour == 18
    assert occurrences[-1].astimezone(UTC).hour == 17


def test_an_event_across_the_autumn_dst_night_has_its_real_four_hours_in_the_feed(
    club, member, client_for
) -> None:
    # given: 01:00 CEST to 04:00 CET on 27 October 2030: the clock goes back at 03:00
    ClubEventFactory(
        club=club,
        title="Nachtwanderung",
        starts_at=datetime(2030, 10, 27, 1, 0, tzinfo=BERLIN),
        ends_at=datetime(2030, 10, 27, 4, 0, tzinfo=BERLIN),
    )
    raw, calendar = _get(
        client_for(member.user), reverse("clubs:club-feed", kwargs={"club_id": club.pk})
    )
    # then: local wall times in the raw feed, and the parser resolves them to 4 real hours
    assert "DTSTART;TZID=Europe/Berlin:20301027T010000" in raw
    assert "DTEND;TZID=Europe/Berlin:20301027T040000" in raw
    (event,) = _events(calendar)
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.utcoffset() == timedelta(hours=2)
    assert end.utcoffset() == timedelta(hours=1)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=4)


def test_the_village_feed_has_only_public_events_and_needs_no_login(
    village, club, api_client
) -> None:
    ClubEventFactory(club=club, title="Offen")
    ClubEventFactory(club=club, title="Intern", visibility="members")
    _raw, calendar = _get(
        api_client, reverse("calendar:village-feed", kwargs={"slug": village.slug})
    )
    assert [str(e["SUMMARY"]) for e in _events(calendar)] == ["Offen (Sportverein)"]
    assert [str(c) for e in _events(calendar) for c in e["CATEGORIES"].cats] == ["club"]


def test_the_club_feed_answers_a_calendar_app_without_login_with_public_events_only(
    club, api_client
) -> None:
    ClubEventFactory(club=club, title="Offen")
    ClubEventFactory(club=club, title="Intern", visibility="members")
    response = api_client.get(reverse("clubs:club-feed", kwargs={"club_id": club.pk}))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert [str(e["SUMMARY"]) for e in _events(calendar)] == ["Offen (Sportverein)"]
    assert api_client.get(reverse("clubs:club-feed", kwargs={"club_id": 999999})).status_code == 404


def test_the_personal_feed_lists_my_events_and_shifts_by_token_and_rotation_kills_the_old_url(
    club, member, api_client, client_for
) -> None:
    # given: I am going to one event, not going to another, and signed up for a shift
    going = ClubEventFactory(club=club, title="Sommerfest")
    skipped = ClubEventFactory(club=club, title="Versammlung")
    RsvpFactory(event=going, user=member.user)
    RsvpFactory(event=skipped, user=member.user, response="not_going")
    ShiftSignupFactory(shift=ShiftFactory(event=going, title="Grill"), user=member.user)
    ClubMembershipFactory(club=club, user=member.user)
    client = client_for(member.user)
    url = client.get(reverse("clubs:calendar-token")).json()["url"]
    path = url.split("testserver", 1)[1]
    # when: the calendar app fetches it without any login
    _raw, calendar = _get(api_client, path)
    # then
    assert sorted(str(e["SUMMARY"]) for e in _events(calendar)) == [
        "Helferschicht: Grill (Sportverein)",
        "Sommerfest (Sportverein)",
    ]
    # and rotating the token makes the old URL a 404
    new_url = client.post(reverse("clubs:calendar-token")).json()["url"]
    assert new_url != url
    assert api_client.get(path).status_code == 404
    assert FeedToken.objects.count() == 1


def test_a_wrong_feed_token_is_404(api_client) -> None:
    url = reverse("clubs:user-feed", kwargs={"token": "not-a-real-token"})
    response = api_client.get(url)
    assert response.status_code == 404


def test_the_personal_feed_speaks_its_owners_language(club, member, api_client) -> None:
    # given: an English-speaking member signed up for a shift, and maybe going to an event
    member.user.language = "en"
    member.user.save(update_fields=["language"])
    event = ClubEventFactory(club=club, title="Sommerfest")
    RsvpFactory(event=event, user=member.user, response="maybe")
    ShiftSignupFactory(shift=ShiftFactory(event=event, title="Grill"), user=member.user)
    token = feed_token_get(user=member.user, scope=FEED_SCOPE)
    # when: the calendar app asks in German
    api_client.credentials(HTTP_ACCEPT_LANGUAGE="de")
    _raw, calendar = _get(api_client, reverse("clubs:user-feed", kwargs={"token": token.token}))
    # then
    assert sorted(str(e["SUMMARY"]) for e in _events(calendar)) == [
        "Volunteer shift: Grill (Sportverein)",
        "[Maybe] Sommerfest (Sportverein)",
    ]
