from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dorf.appointments.models import OpeningRule, Service, TownHall
from dorf.villages.models import Membership, Village
from tests.factories import HouseholdFactory, MembershipFactory

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[arg-type,misc]


class Clock:
    """The time every service sees (``django.utils.timezone.now``), set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, value: datetime) -> None:
        self.now = value.astimezone(UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    # Monday 30 March 2026, 08:00 in Berlin: the day after the spring clock change.
    value = Clock(berlin(2026, 3, 30, 8, 0).astimezone(UTC))
    monkeypatch.setattr(timezone, "now", value)
    return value


@pytest.fixture
def town_hall(village: Village) -> TownHall:
    return TownHall.objects.create(village=village, name="Rathaus", bundesland="NW")


def make_service(village: Village, *, seats: int = 1, name: str = "Personalausweis") -> Service:
    service = Service.objects.create(
        village=village,
        name=name,
        duration_minutes=15,
        documents=["Altes Ausweisdokument", "Biometrisches Passfoto"],
        location="Rathaus, Zimmer 3",
        desk="Bürgerbüro",
        bookable_days=60,
        min_notice_minutes=60,
    )
    # Weekdays 08:00-12:00 local, 15-minute slots, from a winter Monday on.
    OpeningRule.objects.create(
        service=service,
        starts_at=berlin(2026, 1, 5, 8, 0),
        ends_at=berlin(2026, 1, 5, 12, 0),
        rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        slot_minutes=15,
        seats=seats,
    )
    return service


@pytest.fixture
def service(village: Village, town_hall: TownHall) -> Service:
    return make_service(village)


@pytest.fixture
def resident(village: Village) -> Membership:
    return MembershipFactory(village=village, household=HouseholdFactory(village=village))


@pytest.fixture
def make_resident(village: Village) -> Callable[..., Membership]:
    def make(**kwargs: object) -> Membership:
        kwargs.setdefault("household", HouseholdFactory(village=village))
        return MembershipFactory(village=village, **kwargs)

    return make
