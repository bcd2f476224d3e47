from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from dorf.users.models import User
from dorf.users.services import token_issue
from dorf.villages.models import Membership, Role, Village
from tests.factories import MembershipFactory, VillageFactory

pytest_plugins = ["tests.contract"]

REQUIRE_SERVICES = os.environ.get("DORF_REQUIRE_SERVICES") == "1"


def _service_missing(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL (set DATABASE_URL)"
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        return "needs Redis (set REDIS_URL)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    missing = _service_missing(item)
    if missing is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{missing}, and DORF_REQUIRE_SERVICES=1 forbids skipping it")
    pytest.skip(missing)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI a skipped test means a real component went untested: that is a failure.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if REQUIRE_SERVICES and reporter is not None and reporter.stats.get("skipped"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _no_send_counters_left_behind() -> Iterator[None]:
    # Chat's per-user send limit counts in the cache, and marketplace replies and club
    # announcements are chat messages too. SQLite reuses rolled-back ids, so the next
    # test's user would inherit this one's counter in the local-memory cache. (PostgreSQL
    # never reuses ids within a run; the shared Redis must not be flushed under the other
    # workers.)
    yield
    if not settings.REDIS_URL:
        cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    """An API client signed in as the given user with a real bearer token."""

    def make(user: User) -> APIClient:
        client = APIClient()
        _token, raw = token_issue(user=user, name="test")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def village(db: None) -> Village:
    return VillageFactory(slug="musterdorf", name="Musterdorf")


@pytest.fixture
def other_village(db: None) -> Village:
    return VillageFactory(slug="nachbarhausen", name="Nachbarhausen", centre_lat=50.812)


@pytest.fixture
def member(village: Village) -> Membership:
    return MembershipFactory(village=village)


@pytest.fixture
def moderator(village: Village) -> Membership:
    return MembershipFactory(village=village, role=Role.MODERATOR)


@pytest.fixture
def outsider(other_village: Village) -> Membership:
    """A verified member of another village: must never see anything of ``village``."""
    return MembershipFactory(village=other_village)
