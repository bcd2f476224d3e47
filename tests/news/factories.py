from __future__ import annotations

import factory
from django.utils import timezone

from dorf.news.models import (
    NewsCategory,
    Post,
    PostState,
    Publisher,
    PublisherKind,
    PublisherRole,
    PublisherRoleKind,
)
from tests.factories import UserFactory, VillageFactory


class NewsCategoryFactory(factory.django.DjangoModelFactory[NewsCategory]):
    class Meta:
        model = NewsCategory

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"Kategorie {n}")
    slug = factory.Sequence(lambda n: f"kategorie-{n}")


class PublisherFactory(factory.django.DjangoModelFactory[Publisher]):
    class Meta:
        model = Publisher

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"Gemeinde {n}")
    kind = PublisherKind.MUNICIPALITY


class PublisherRoleFactory(factory.django.DjangoModelFactory[PublisherRole]):
    class Meta:
        model = PublisherRole

    publisher = factory.SubFactory(PublisherFactory)
    user = factory.SubFactory(UserFactory)
    role = PublisherRoleKind.PUBLISHER


class PostFactory(factory.django.DjangoModelFactory[Post]):
    """A published post unless told otherwise."""

    class Meta:
        model = Post

    village = factory.SubFactory(VillageFactory)
    publisher = factory.SubFactory(PublisherFactory, village=factory.SelfAttribute("..village"))
    category = factory.SubFactory(NewsCategoryFactory, village=factory.SelfAttribute("..village"))
    title = factory.Sequence(lambda n: f"Meldung {n}")
    teaser = "Kurz gesagt."
    body_markdown = "Text"
    body_html = "<p>Text</p>"
    state = PostState.PUBLISHED
    publish_at = factory.LazyFunction(timezone.now)
    published_at = factory.LazyAttribute(lambda o: o.publish_at)
