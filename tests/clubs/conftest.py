from __future__ import annotations

import pytest

from dorf.clubs import services
from dorf.clubs.models import Club
from dorf.villages.models import Membership
from tests.factories import MembershipFactory


@pytest.fixture
def board(village) -> Membership:
    return MembershipFactory(village=village)


@pytest.fixture
def club(board) -> Club:
    """An open club founded (through the service: board role, ledger account) by ``board``."""
    return services.club_create(membership=board, name="Sportverein")
