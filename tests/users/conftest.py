from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def commit_each_request(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """Each API call commits, as in production: mails queued on commit leave at once
    (the test database's outer transaction never commits)."""
    real_generic: Callable[..., Any] = APIClient.generic

    def generic_then_commit(self: APIClient, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return real_generic(self, *args, **kwargs)

    monkeypatch.setattr(APIClient, "generic", generic_then_commit)
