from __future__ import annotations

import pytest

from dorf.villages.models import Membership, Village
from tests.factories import HouseholdFactory, MembershipFactory


@pytest.fixture
def resident_at():
    """A verified member living at the given coordinates."""

    def make(village: Village, lat: float = 50.790, lon: float = 7.872) -> Membership:
        household = HouseholdFactory(village=village, latitude=lat, longitude=lon)
        return MembershipFactory(village=village, household=household)

    return make
