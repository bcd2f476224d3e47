from __future__ import annotations

import pytest

from dorf.chat import services
from dorf.chat.models import Room
from dorf.villages.models import Membership, Village
from tests.factories import MembershipFactory


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
