from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from dorf.events.models import ExternalCalendar, VillageEvent
from tests.factories import VillageFactory


class VillageEventFactory(factory.django.DjangoModelFactory[VillageEvent]):
    class Meta:
        model = VillageEvent

    village = factory.SubFactory(VillageFactory)
    title = factory.Sequence(lambda n: f"Termin {n}")
    place = "Bürgerhaus"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))


class ExternalCalendarFactory(factory.django.DjangoModelFactory[ExternalCalendar]):
    class Meta:
        model = ExternalCalendar

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"Kalender {n}")
    url = factory.Sequence(lambda n: f"https://kalender{n}.example/termine.ics")
