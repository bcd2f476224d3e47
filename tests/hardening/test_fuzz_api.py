"""Property-based fuzzing of every REST operation against the app's own OpenAPI schema.

Schemathesis generates requests from ``/api/schema/`` (bounded: ``EXAMPLES`` per
operation, derandomized, no shrinking) and sends them in-process through Django's WSGI
handler, signed in as a resident and as a moderator of a small seeded village. Path
parameters that name the village's objects get their real values, so the requests reach
the views instead of stopping at a 404. No response may be a server error, and every
response must be what the schema says: a documented status, the documented content type
and a body that validates against the documented schema.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dorf.chat import services as chat_services
from dorf.users.services import token_issue
from dorf.villages.models import Role
from tests.factories import MembershipFactory, VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Operations that change the caller's own account in a way that ends the fuzz session.
SKIPPED = {
    ("POST", "/api/v1/auth/logout/"),
    ("POST", "/api/v1/me/erase/"),
    ("DELETE", "/api/v1/me/"),
}


@contextmanager
def wsgi_in_test_transaction() -> Iterator[Any]:
    # Django's WSGI handler closes "obsolete" connections after each request; inside the
    # test's transaction that would be the test's own connection (the test client
    # disconnects these signals the same way, and reconnects them after each request).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def small_village() -> dict[str, Any]:
    village = VillageFactory(slug="musterdorf", name="Musterdorf")
    square = chat_services.square_for_village(village=village)
    resident = MembershipFactory(village=village)
    moderator = MembershipFactory(village=village, role=Role.MODERATOR)
    for membership in (resident, moderator):
        chat_services.village_member_verified(membership=membership)
    return {
        "village": village,
        "resident": resident,
        "moderator": moderator,
        "path": {"slug": village.slug, "room_id": square.pk, "user_id": resident.user_id},
    }


def _fuzz(token: str, known_path: dict[str, Any]) -> tuple[list[str], int]:
    schema = schemathesis.openapi.from_dict(Client().get("/api/schema/", {"format": "json"}).json())
    with wsgi_in_test_transaction() as app:
        schema.app = app
        return _run_all(schema, token, known_path)


def _run_all(schema: Any, token: str, known_path: dict[str, Any]) -> tuple[list[str], int]:
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            for name, value in known_path.items():
                if case.path_parameters and name in case.path_parameters:
                    case.path_parameters[name] = value
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # every failing operation is reported, not just the first
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:400]}")
    return failures, operations


@pytest.mark.parametrize("role", ["resident", "moderator"])
def test_no_generated_request_gets_a_server_error(small_village: dict[str, Any], role: str) -> None:
    # given: a signed-in member of the seeded village
    _token, raw = token_issue(user=small_village[role].user)
    started = time.monotonic()
    # when: every operation gets its bounded share of generated requests
    failures, operations = _fuzz(raw, small_village["path"])
    # then
    assert operations > 50
    assert failures == [], "\n".join(failures)
    print(f"{operations} operations fuzzed in {time.monotonic() - started:.1f} s as {role}")
