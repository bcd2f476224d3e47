"""The cache as every app uses it: Redis in production, and never a reason for a 500.

Three things live here:

- ``ResilientRedisCache``: Django's Redis cache whose calls survive a Redis outage. A
  read answers "not cached", a write answers "not stored" (``add`` returns False), and a
  warning is logged (at most once per ``LOG_EVERY_S`` per process). The REST API keeps
  answering while Redis is down; throttles and counters fail open (see ``hit``).
- ``hit``: an atomic fixed-window counter (throttles, the chat send limit). On Redis it is
  one Lua script (``INCR``, and ``EXPIRE`` on the window's first count) in one round trip,
  so concurrent requests can neither lose a count nor leave a key without expiry.
- ``take``: read a key and delete it in one atomic step (``GETDEL``): single-use values
  such as the WebSocket tickets.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient, RedisSerializer
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What an unreachable or hanging Redis raises through redis-py.
REDIS_DOWN_ERRORS: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError)
LOG_EVERY_S = 10.0

T = TypeVar("T")


class CacheUnavailable(Exception):
    """The cache could not be reached (callers decide whether to fail open or refuse)."""


class _OutageLog:
    """One warning per LOG_EVERY_S: a Redis outage must not flood the log per request."""

    last_logged_at = 0.0
    suppressed = 0

    @classmethod
    def warn(cls, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - cls.last_logged_at < LOG_EVERY_S:
            cls.suppressed += 1
            return
        logger.warning(
            "cache unavailable (%s: %s); degrading (%d similar warnings suppressed)",
            operation,
            type(exc).__name__,
            cls.suppressed,
        )
        cls.last_logged_at = now
        cls.suppressed = 0


def log_outage(operation: str, exc: BaseException) -> None:
    """Log that Redis is unreachable, at most once per LOG_EVERY_S."""
    _OutageLog.warn(operation, exc)


def _degrade(operation: str, fallback: Callable[[], T], call: Callable[[], T]) -> T:
    try:
        return call()
    except REDIS_DOWN_ERRORS as exc:
        log_outage(operation, exc)
        return fallback()


class ResilientRedisCache(RedisCache):
    """Django's RedisCache that treats an unreachable Redis as an empty, read-only cache."""

    # One client (and so one connection pool) per Redis location and process. Django keeps
    # a cache backend per thread *and per asyncio context*: under ASGI every HTTP request and
    # every WebSocket would build a backend of its own, with a pool of its own and a Redis
    # connection that lives as long as the socket (1,000 sockets held 1,000 connections,
    # docs/benchmarks.md, "Opening a WebSocket"). redis-py's pools are thread-safe and
    # reset themselves in a forked child.
    _clients: ClassVar[dict[str, RedisCacheClient]] = {}
    _clients_lock: ClassVar[threading.Lock] = threading.Lock()

    # Set by RedisCache.__init__ (its type stubs do not declare them).
    _servers: list[str]
    _options: dict[str, Any]

    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = repr((self._servers, sorted(self._options.items())))
        with self._clients_lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = RedisCacheClient(self._servers, **self._options)
            return client

    def add(
        self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return _degrade(
            "add",
            lambda: False,
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return _degrade(
            "get",
            lambda: default,
            lambda: super(ResilientRedisCache, self).get(key, default, version),
        )

    def set(
        self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        _degrade(
            "set",
            lambda: None,
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
        )

    def touch(self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return _degrade(
            "touch",
            lambda: False,
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return _degrade(
            "delete", lambda: False, lambda: super(ResilientRedisCache, self).delete(key, version)
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return _degrade(
            "get_many", dict, lambda: super(ResilientRedisCache, self).get_many(keys, version)
        )

    def has_key(self, key: Any, version: Any = None) -> bool:
        return _degrade(
            "has_key", lambda: False, lambda: super(ResilientRedisCache, self).has_key(key, version)
        )

    def set_many(
        self, data: dict[Any, Any], timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        return _degrade(
            "set_many",
            lambda: list(data),
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        _degrade(
            "delete_many",
            lambda: None,
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
        )

    # incr/decr keep raising (ValueError for a missing key as Django documents, and the
    # Redis error for an outage): a counter that silently answers a made-up number is
    # worse than one that says it cannot count. Counters use ``hit`` below.


# INCR, and on the first count of a window also EXPIRE, as one script: Redis runs a
# script atomically, so no count is lost and no key is left without expiry, and it is one
# command with one reply (the MULTI/EXEC of SET NX + INCR it replaces was four).
_HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def hit(key: str, *, ttl_s: int) -> int:
    """Count one event under ``key`` (expiring ``ttl_s`` after its first event) and
    return the count so far. Raises CacheUnavailable when Redis cannot be reached."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_key(key)
        try:
            return int(_hit_script(backend)(keys=[full_key], args=[ttl_s]))
        except REDIS_DOWN_ERRORS as exc:
            raise CacheUnavailable(str(exc)) from exc
    # Local memory (demo, tests without Redis): add + incr under the backend's own lock.
    backend.add(key, 0, timeout=ttl_s)
    try:
        return int(backend.incr(key))
    except ValueError:  # expired between add and incr
        backend.set(key, 1, timeout=ttl_s)
        return 1


def _hit_script(backend: RedisCache) -> Any:
    """The counting script bound to a client of the backend's pool, made once per backend
    (``caches`` holds one backend per thread; Django's ``get_client`` builds a new client
    object on every call). redis-py sends it by its SHA and loads it once if Redis
    does not know it yet (e.g. after a restart)."""
    script = getattr(backend, "_dorf_hit_script", None)
    if script is None:
        client = backend._cache.get_client(None, write=True)
        script = client.register_script(_HIT_SCRIPT)
        backend._dorf_hit_script = script  # type: ignore[attr-defined]
    return script


# What RedisCacheClient stores values as (an int as itself, anything else pickled); our
# caches configure no other serializer.
_SERIALIZER = RedisSerializer()


def take(key: str) -> Any:
    """The value under ``key``, deleted in the same step, or None when there is none: of
    concurrent callers exactly one gets it. An unreachable Redis reads as "none" (logged)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        try:
            raw = backend._cache.get_client(full_key, write=True).getdel(full_key)
        except REDIS_DOWN_ERRORS as exc:
            log_outage("take", exc)
            return None
        return None if raw is None else _SERIALIZER.loads(raw)
    # Local memory (demo, tests without Redis): whoever deletes the key first gets it.
    value = backend.get(key)
    if value is None or not backend.delete(key):
        return None
    return value
