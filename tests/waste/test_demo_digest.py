"""The demo village's waste calendar, and the week's collections in the printed digest."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from dorf.core.digest import sections_for
from dorf.villages.models import Village
from dorf.waste.models import Collection, ReminderSetting
from tests.waste.factories import import_csv

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_year_of_collections_with_holiday_shifts_and_reminders(
    client_for,
) -> None:
    call_command("seed_demo", residents=40, stdout=io.StringIO())
    village = Village.objects.get(slug="musterdorf")
    collections = Collection.objects.filter(tour__village=village)
    dates = list(collections.order_by("date").values_list("date", flat=True))
    assert (dates[-1] - dates[0]).days > 330
    shifted = collections.exclude(original_date=None)
    assert shifted.exists()
    assert all(c.shift_reason.startswith("Feiertag") for c in shifted)
    settings = ReminderSetting.objects.filter(membership__village=village)
    assert settings.count() >= 5
    assert settings.exclude(next_fire_at=None).count() >= 5
    # a demo resident subscribes: the feed has their collections
    member = settings.order_by("pk")[0].membership
    client = client_for(member.user)
    url = client.get("/api/v1/villages/musterdorf/waste/feed/").json()["url"]
    assert client.get(url.replace("http://testserver", "")).content.count(b"BEGIN:VEVENT") > 20


def test_the_digest_lists_the_weeks_collections(plan) -> None:
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    import_csv(
        plan,
        f"Rest A;rest;{monday + timedelta(days=1)};;",
        f"Papier;papier;{monday + timedelta(days=3)};{monday + timedelta(days=2)};Feiertag",
        f"Rest B;rest;{monday + timedelta(days=9)};;",
    )
    tz = ZoneInfo("Europe/Berlin")
    start = datetime.combine(monday, datetime.min.time(), tzinfo=tz)
    sections = sections_for(plan.village.pk, start, start + timedelta(days=7), "Europe/Berlin")
    (waste,) = [s for s in sections if s.title == "Müllabfuhr"]
    assert [item.title for item in waste.items] == ["Restmüll (Rest A)", "Papier (Papier)"]
    assert [item.emphasis for item in waste.items] == [False, True]
    assert "verschoben" in waste.items[1].text
