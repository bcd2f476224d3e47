from __future__ import annotations

import factory

from dorf.reports.models import Report, ServiceAttribute, ServiceCategory
from tests.factories import VillageFactory


class CategoryFactory(factory.django.DjangoModelFactory[ServiceCategory]):
    class Meta:
        model = ServiceCategory

    village = factory.SubFactory(VillageFactory)
    code = factory.Sequence(lambda n: f"kategorie-{n}")
    name = factory.Sequence(lambda n: f"Kategorie {n}")
    responsible_team = "Bauhof"


class AttributeFactory(factory.django.DjangoModelFactory[ServiceAttribute]):
    class Meta:
        model = ServiceAttribute

    category = factory.SubFactory(CategoryFactory)
    code = factory.Sequence(lambda n: f"frage{n}")
    description = "Nummer des Laternenmasts"
    datatype = "string"
    required = True
    order = factory.Sequence(lambda n: n + 1)


class ReportFactory(factory.django.DjangoModelFactory[Report]):
    class Meta:
        model = Report

    village = factory.SubFactory(VillageFactory)
    category = factory.SubFactory(CategoryFactory, village=factory.SelfAttribute("..village"))
    description = "Laterne ist dunkel."
    latitude = factory.LazyAttribute(lambda r: r.village.centre_lat)
    longitude = factory.LazyAttribute(lambda r: r.village.centre_lon)
