from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_planning(settings) -> None:
    # The first solution serves every parcel these small days can serve; re-plans (warm
    # starts) search for the time limit.
    settings.DORF_PLANNING_TIME_LIMIT_S = 1
    settings.DORF_PLANNING_FIRST_SOLUTION_ONLY = True


@pytest.fixture(autouse=True)
def _handover_any_time(settings) -> None:
    # Most tests plan tomorrow and hand over today: the handover clock is not what they
    # test. tests/deliveries/test_handover_rules.py sets the real tolerance and travels
    # in time to the route's day.
    settings.DORF_HANDOVER_TOLERANCE_MIN = 3 * 24 * 60
