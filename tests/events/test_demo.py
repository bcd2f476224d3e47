from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dorf.clubs import demo as clubs_demo
from dorf.events import demo as events_demo
from dorf.events.models import ExternalCalendar, VillageEvent
from dorf.news import demo as news_demo
from dorf.villages.demo import seed_village


@pytest.mark.django_db
def test_the_demo_shows_a_merged_calendar_with_a_public_feed(client_for, api_client) -> None:
    # given: the demo village with its clubs and the municipality's newsroom
    ctx = seed_village(residents=30, rng=random.Random(7), out=io.StringIO())
    clubs_demo.seed(ctx)
    news_demo.seed(ctx)
    # when
    events_demo.seed(ctx)
    # then: municipal events and the parish's calendar, imported without network
    church = ExternalCalendar.objects.get()
    assert (church.active, church.last_error) == (False, "")
    assert church.events.count() == 5  # the internal meeting is filtered out
    assert VillageEvent.objects.filter(publisher__isnull=False).count() == 4
    # and one merged calendar over the next weeks: clubs, municipality and church
    member = ctx.memberships[0].user
    now = timezone.now()
    rows = client_for(member).get(
        reverse("calendar:village-calendar", kwargs={"slug": ctx.village.slug}),
        {"from": now.date().isoformat(), "to": (now + timedelta(days=60)).date().isoformat()},
    )
    kinds = {row["organizer"]["kind"] for row in rows.json()["results"]}
    assert {"club", "publisher", "external"} <= kinds
    feed = api_client.get(reverse("calendar:village-feed", kwargs={"slug": ctx.village.slug}))
    assert feed.status_code == 200
    for title in ("Bürgersprechstunde", "Sonntagsgottesdienst", "RRULE:", "EXDATE"):
        assert title in feed.content.decode()
