from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dorf.bookings.models import OwnerKind, Resource, ResourceKind
from dorf.ledger.services import community_account
from dorf.villages.models import Membership, Village
from tests.factories import MembershipFactory

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[arg-type,misc]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, value: datetime) -> None:
        self.now = value.astimezone(UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    value = Clock(berlin(2026, 3, 2, 9, 0).astimezone(UTC))
    monkeypatch.setattr(timezone, "now", value)
    return value


def make_room(village: Village, **kwargs: object) -> Resource:
    values: dict[str, object] = {
        "village": village,
        "kind": ResourceKind.ROOM,
        "name": "Dorfgemeinschaftshaus",
        "owner_kind": OwnerKind.MUNICIPALITY,
        "min_minutes": 60,
        "max_minutes": 8 * 60,
        "notice_minutes": 60,
        "max_advance_days": 180,
        "buffer_minutes": 30,
    }
    values.update(kwargs)
    return Resource.objects.create(**values)


@pytest.fixture
def room(village: Village) -> Resource:
    return make_room(village)


@pytest.fixture
def priced_room(village: Village) -> Resource:
    return make_room(
        village,
        name="Saal mit Küche",
        price_minutes_per_hour=30,
        owner_account=community_account(village),
        approval_required=True,
        refund_until_hours=48,
    )


@pytest.fixture
def booker(village: Village) -> Membership:
    return MembershipFactory(village=village)
