"""The cache as every app uses it (dorf/core/cache.py)."""

from __future__ import annotations

import contextvars
import uuid

import pytest
from django.core.cache import cache, caches
from django.test import override_settings

from dorf.core.cache import ResilientRedisCache, take

DEAD_CACHE = {
    "default": {
        "BACKEND": "dorf.core.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def test_take_returns_a_value_once() -> None:
    # given
    key = f"test-take-{uuid.uuid4().hex}"
    cache.set(key, 42, timeout=30)
    # when
    first, second = take(key), take(key)
    # then
    assert (first, second) == (42, None)
    assert cache.get(key) is None


def test_take_reads_a_pickled_value_back() -> None:
    key = f"test-take-{uuid.uuid4().hex}"
    cache.set(key, {"user_id": 7}, timeout=30)
    assert take(key) == {"user_id": 7}


@override_settings(CACHES=DEAD_CACHE)
def test_take_reads_nothing_while_redis_is_unreachable() -> None:
    assert take("anything") is None


@pytest.mark.redis
def test_every_asyncio_context_shares_one_redis_client() -> None:
    # given: Django keeps a cache backend per context, as per WebSocket under ASGI
    backends = [contextvars.Context().run(lambda: caches["default"]) for _ in range(3)]
    assert len({id(backend) for backend in backends}) == 3
    # then: one client, so one connection pool, for all of them
    assert all(isinstance(backend, ResilientRedisCache) for backend in backends)
    assert len({id(backend._cache) for backend in backends}) == 1  # type: ignore[attr-defined]
