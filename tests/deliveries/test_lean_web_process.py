"""Web processes do not import OR-Tools or NumPy: only the workers that plan do (issue 22)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys, django
django.setup()
import config.urls, config.asgi
from dorf.deliveries import api, services, selectors
heavy = sorted(m for m in ("ortools", "numpy") if m in sys.modules)
print(",".join(heavy) or "none")
from dorf.deliveries import optimiser
optimiser.solve
print("ortools" in sys.modules)
"""


def test_the_web_configuration_imports_neither_ortools_nor_numpy_until_a_plan_is_solved() -> None:
    # given a fresh interpreter with the web configuration
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    # when
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    # then: nothing heavy after the URLs, the ASGI app and the deliveries views; solving loads it
    assert result.stdout.split() == ["none", "True"], result.stderr
