from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.management import call_command

from dorf.directory import selectors
from dorf.directory.models import DirectoryEntry
from dorf.villages.models import Village

pytestmark = pytest.mark.django_db


def test_the_demo_directory_has_a_dozen_entries_and_a_bakery_closed_on_holidays() -> None:
    call_command("seed_demo", residents=20, stdout=io.StringIO())
    village = Village.objects.get(slug="musterdorf")
    entries = {e.name: e for e in DirectoryEntry.objects.filter(village=village)}
    assert len(entries) == 12
    assert all(e.opening_hours for e in entries.values())
    bakery = entries["Bäckerei Klein"]
    assert bakery.owner_id is not None
    assert entries["Dorfladen Musterdorf"].pickup_point is not None
    # Christmas Day 2026 is a Friday: the bakery is closed, the pharmacy has its service
    christmas = datetime.fromisoformat("2026-12-25T11:00:00+01:00")
    holiday = selectors.hours_at(bakery, village, christmas)
    pharmacy = selectors.hours_at(entries["Linden-Apotheke"], village, christmas)
    assert holiday is not None
    assert holiday.state == "closed"
    assert pharmacy is not None
    assert (pharmacy.state, pharmacy.comment) == ("open", "Notdienst")
    ordinary_friday = selectors.hours_at(
        bakery, village, datetime.fromisoformat("2026-12-18T11:00:00+01:00")
    )
    assert ordinary_friday is not None
    assert ordinary_friday.state == "open"
