"""The optimiser is plain Python: importing and using it loads no Django."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, sys
import dorf.deliveries.optimiser as optimiser
from dorf.deliveries.optimiser import Location, Parcel, Problem, TimeWindow, TravelMode, Volunteer
places = (optimiser.Location(50.79, 7.872), optimiser.Location(50.80, 7.872))
anna = Volunteer("anna", TravelMode.BIKE, 5, 0, 0, TimeWindow(0, 7200))
plan = optimiser.solve(Problem(places, (anna,), (Parcel("p", 1, 0, 1),)),
                       optimiser.Settings(time_limit_s=1, solution_limit=5))
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"django", "rest_framework", "channels"})
print(json.dumps({"loaded": loaded, "served": [r.parcel_ids for r in plan.routes]}))
"""


def test_optimiser_imports_and_solves_without_loading_django() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {"loaded": [], "served": [["p"]]}
