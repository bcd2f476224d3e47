from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache

from dorf.chat import services
from dorf.chat.models import Room
from dorf.villages.models import Membership, Village
from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def _no_send_counters_left_behind() -> Iterator[None]:
    # SQLite reuses rolled-back ids, so the next test's user would inherit this one's
    # per-user send counter in the local-memory cache. (PostgreSQL never reuses ids within
    # a run; the shared Redis must not be flushed under the other workers.)
    yield
    if not settings.REDIS_URL:
        cache.clear()


@pytest.fixture
def square(village: Village) -> Room:
    return services.square_for_village(village=village)


@pytest.fixture
def alice(village: Village, square: Room) -> Membership:
    membership = MembershipFactory(village=village, user__first_name="Alice")
    services.village_member_verified(membership=membership)
    return membership


@pytest.fixture
def bob(village: Village, square: Room) -> Membership:
    membership = MembershipFactory(village=village, user__first_name="Bob")
    services.village_member_verified(membership=membership)
    return membership


@pytest.fixture
def mod(village: Village, square: Room) -> Membership:
    membership = MembershipFactory(village=village, role="moderator")
    services.village_member_verified(membership=membership)
    return membership
