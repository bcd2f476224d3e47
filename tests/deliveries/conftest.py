from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_planning(settings) -> None:
    # The first solution serves every parcel these small days can serve; re-plans (warm
    # starts) search for the time limit.
    settings.DORF_PLANNING_TIME_LIMIT_S = 1
    settings.DORF_PLANNING_FIRST_SOLUTION_ONLY = True
