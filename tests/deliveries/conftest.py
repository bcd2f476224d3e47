from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_planning(settings) -> None:
    # A village day of a handful of parcels is solved long before this.
    settings.DORF_PLANNING_TIME_LIMIT_S = 0.5
