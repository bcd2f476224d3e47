"""Invariant 1: a member of village A can never read, change or detect an object of village B."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tests.cross_village import CASES, EXEMPT, Case
from tests.factories import MembershipFactory, VillageFactory

for module in pkgutil.iter_modules(tests.__path__):
    if module.ispkg:
        try:
            importlib.import_module(f"tests.{module.name}.cross_village_cases")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{module.name}.cross_village_cases":
                raise


def _patterns_with_parameters(
    patterns: list[URLPattern | URLResolver], namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            inner = f"{namespace}{ns}:" if ns else namespace
            yield from _patterns_with_parameters(pattern.url_patterns, inner, route)
        elif "<" in route and pattern.name and route.startswith("api/"):
            yield f"{namespace}{pattern.name}", route


def test_every_api_url_with_an_id_has_a_cross_village_case() -> None:
    missing = [
        f"{name} ({route})"
        for name, route in _patterns_with_parameters(get_resolver().url_patterns)
        if name not in CASES and name not in EXEMPT
    ]
    assert not missing, "URL patterns without a cross-village 404 test: " + ", ".join(missing)


def test_registered_cases_name_existing_urls() -> None:
    known = {name for name, _route in _patterns_with_parameters(get_resolver().url_patterns)}
    assert set(CASES) <= known
    assert set(EXEMPT) <= known


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES.values()), ids=lambda c: c.url_name)
def test_member_of_another_village_gets_404(case: Case, client_for) -> None:
    # given: an object in the victim village, and a verified moderator of another village
    victim_village = VillageFactory()
    attacker = MembershipFactory(village=VillageFactory(), role="moderator")
    kwargs = case.build(victim_village)
    url = reverse(case.url_name, kwargs=kwargs)
    client = client_for(attacker.user)

    for method in case.methods:
        # when
        response = getattr(client, method)(url, case.body or None, format="json")
        # then
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["error"]["code"] == "not_found"
