"""The registry behind the cross-village meta-test (tests/test_cross_village.py).

Every URL pattern with a path parameter must either have a Case here — a recipe that
creates the object inside a victim village and returns the URL kwargs — or an exemption
with a reason. The meta-test then proves, for each Case and each method, that a verified
member of another village gets 404 (never 403, never the object).

Apps register their cases in ``tests/<app>/cross_village_cases.py``; the meta-test
imports every such module, so adding an endpoint without a case fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dorf.villages.models import Village


@dataclass(frozen=True)
class Case:
    url_name: str
    build: Callable[[Village], dict[str, Any]]
    methods: tuple[str, ...] = ("get",)
    body: dict[str, Any] = field(default_factory=dict)


CASES: dict[str, Case] = {}
# url_name -> why it needs no cross-village case (it has no village-owned object).
EXEMPT: dict[str, str] = {}


def register(case: Case) -> Case:
    assert case.url_name not in CASES, f"{case.url_name} registered twice"
    CASES[case.url_name] = case
    return case


def exempt(url_name: str, reason: str) -> None:
    EXEMPT[url_name] = reason
