from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_planning(settings) -> None:
    # A village day of a handful of parcels is solved long before this.
    # The first solution serves every parcel these small days can serve; the limit only
    # caps a machine busy with other work.
    settings.DORF_PLANNING_TIME_LIMIT_S = 10
    settings.DORF_PLANNING_FIRST_SOLUTION_ONLY = True
