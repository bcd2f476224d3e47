"""Fixtures of the backoffice tests."""

from __future__ import annotations

from tests.recorded_http import recorded_server  # noqa: F401 - a fixture
