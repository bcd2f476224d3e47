from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from dorf.clubs.models import (
    Announcement,
    Club,
    ClubEvent,
    ClubMembership,
    ClubRole,
    Rsvp,
    RsvpResponse,
    Shift,
    ShiftSignup,
)
from tests.factories import UserFactory, VillageFactory

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


class ClubFactory(factory.django.DjangoModelFactory[Club]):
    class Meta:
        model = Club

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"Verein {n}")
    description = "Wir sind ein Verein."


class ClubMembershipFactory(factory.django.DjangoModelFactory[ClubMembership]):
    class Meta:
        model = ClubMembership

    club = factory.SubFactory(ClubFactory)
    user = factory.SubFactory(UserFactory)
    role = ClubRole.MEMBER


class AnnouncementFactory(factory.django.DjangoModelFactory[Announcement]):
    class Meta:
        model = Announcement

    club = factory.SubFactory(ClubFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Mitteilung {n}")


class ClubEventFactory(factory.django.DjangoModelFactory[ClubEvent]):
    class Meta:
        model = ClubEvent

    club = factory.SubFactory(ClubFactory)
    village = factory.SelfAttribute("club.village")
    title = factory.Sequence(lambda n: f"Fest {n}")
    place = "Dorfplatz"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))


class RsvpFactory(factory.django.DjangoModelFactory[Rsvp]):
    class Meta:
        model = Rsvp

    event = factory.SubFactory(ClubEventFactory)
    occurrence_start = factory.SelfAttribute("event.starts_at")
    user = factory.SubFactory(UserFactory)
    response = RsvpResponse.GOING


class ShiftFactory(factory.django.DjangoModelFactory[Shift]):
    class Meta:
        model = Shift

    event = factory.SubFactory(ClubEventFactory)
    occurrence_start = factory.SelfAttribute("event.starts_at")
    title = "Getränkestand"
    starts_at = factory.SelfAttribute("event.starts_at")
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    helpers_needed = 3
    minutes = 120


class ShiftSignupFactory(factory.django.DjangoModelFactory[ShiftSignup]):
    class Meta:
        model = ShiftSignup

    shift = factory.SubFactory(ShiftFactory)
    user = factory.SubFactory(UserFactory)
