"""Council meetings in the village calendar (the council's calendar source)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dorf.calendar import ics, sources
from dorf.council import services
from dorf.council.models import Meeting, Organization

pytestmark = pytest.mark.django_db


def _query(village, **fields):
    return sources.CalendarQuery(
        village=village,
        window_start=datetime(2026, 12, 1, tzinfo=UTC),
        window_end=datetime(2027, 2, 1, tzinfo=UTC),
        **fields,
    )


def test_imported_meetings_are_in_the_village_calendar(source, member) -> None:
    # given an import
    services.source_import(source_id=source.pk)
    village = source.village
    # when the merged calendar is asked for December and January
    items = [
        i
        for i in sources.calendar_items(_query(village, viewer=member.user))
        if i.source == "council"
    ]
    # then the three meetings of the window are there, in order, as "council"
    assert [i.starts_at.date().isoformat() for i in items] == [
        "2026-12-08",
        "2026-12-15",
        "2027-01-19",
    ]
    assert {i.categories for i in items} == {("council",)}
    assert items[0].place.startswith("Ratssaal")
    # and the organizer filter picks one committee, a category filter the others out
    council = Organization.objects.get(short_name="GR")
    mine = sources.calendar_items(_query(village, organizer=f"council:{council.pk}"))
    assert [i.starts_at.date().isoformat() for i in mine] == ["2026-12-08", "2027-01-19"]
    assert [
        i
        for i in sources.calendar_items(_query(village, categories=frozenset({"club"})))
        if i.source == "council"
    ] == []


def test_a_cancelled_meeting_leaves_the_calendar_and_is_cancelled_in_the_feed(source) -> None:
    services.source_import(source_id=source.pk)
    meeting = Meeting.objects.get(oparl_id__endswith="/meeting/23")
    Meeting.objects.filter(pk=meeting.pk).update(cancelled=True)
    items = sources.calendar_items(_query(source.village))
    assert meeting.pk not in [int(i.series.split(":")[1]) for i in items if i.source == "council"]
    entries = [e for e in sources.feed_entries(village=source.village) if "council" in e.uid]
    cancelled = next(e for e in entries if e.uid == f"council-meeting-{meeting.pk}@dorf")
    assert cancelled.status == "CANCELLED"
    rendered = ics.render_calendar(name="Musterdorf", tz=ZoneInfo("Europe/Berlin"), entries=entries)
    assert b"STATUS:CANCELLED" in rendered
