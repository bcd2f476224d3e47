from __future__ import annotations

import pytest

from dorf.villages.models import Village
from tests.recorded_http import recorded_server  # noqa: F401 - a fixture
from tests.waste.factories import Plan, plan_in


@pytest.fixture
def plan(village: Village) -> Plan:
    return plan_in(village)
