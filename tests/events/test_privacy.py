from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dorf.core.registry import personal_data_modules
from dorf.events import privacy, services
from dorf.events.models import ExternalCalendar, VillageEvent

pytestmark = pytest.mark.django_db


def test_export_lists_what_i_created_and_erasure_keeps_the_events_without_me(town) -> None:
    assert "events" in dict(personal_data_modules())
    berlin = ZoneInfo("Europe/Berlin")
    services.event_create(
        actor=town.chief,
        village_id=town.village.pk,
        publisher_id=town.municipality.pk,
        title="Sprechstunde",
        starts_at=datetime(2030, 3, 5, 17, tzinfo=berlin),
        ends_at=datetime(2030, 3, 5, 18, tzinfo=berlin),
    )
    ExternalCalendar.objects.create(
        village=town.village, name="Pfarrei", url="https://k.example/k.ics", created_by=town.chief
    )
    exported = privacy.export_personal_data(town.chief)
    assert [e["title"] for e in exported["events_created"]] == ["Sprechstunde"]
    assert [c["name"] for c in exported["external_calendars_created"]] == ["Pfarrei"]
    privacy.erase_personal_data(town.chief)
    assert VillageEvent.objects.get().created_by is None
    assert ExternalCalendar.objects.get().created_by is None
    assert privacy.export_personal_data(town.chief) == {
        "events_created": [],
        "external_calendars_created": [],
    }
