"""The connection health check runs only for a connection that sat idle
(dorf/core/database/base.py)."""

from __future__ import annotations

import time

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def _checks_before_next_query(monkeypatch: pytest.MonkeyPatch, *, idle_s: float) -> int:
    checks = 0
    real_is_usable = connection.is_usable

    def counting_is_usable() -> bool:
        nonlocal checks
        checks += 1
        return real_is_usable()

    monkeypatch.setattr(connection, "is_usable", counting_is_usable)
    connection.ensure_connection()
    connection.health_check_enabled = True  # type: ignore[attr-defined]
    # what Django does when a request starts on a kept connection
    connection.health_check_done = False  # type: ignore[attr-defined]
    connection.last_used_at = time.monotonic() - idle_s  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
    return checks


def test_a_connection_used_a_moment_ago_is_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    # given / when: the last query ran one second ago
    checks = _checks_before_next_query(monkeypatch, idle_s=1.0)
    # then: no SELECT 1 before the query
    assert checks == 0


def test_a_connection_idle_for_longer_than_the_setting_is_checked_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given / when: the last query ran a minute ago (the default window is 10 s)
    checks = _checks_before_next_query(monkeypatch, idle_s=60.0)
    # then: one health check, and the query still answers
    assert checks == 1
