"""/healthz: is the database, Redis, the channel layer and the job broker answering?

Each call opens nothing that outlives it: Redis is asked ``PING`` on a short-lived
connection, and the channel layer publishes to a group nobody joins (a round trip
through a channel of its own would leave one pub/sub subscription behind per call).
"""

from __future__ import annotations

import functools
import time

import redis
from asgiref.sync import async_to_sync
from celery import current_app as celery_app
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

HEALTH_GROUP = "healthz"
REDIS_TIMEOUT_S = 1.0


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


@functools.cache
def _redis_client(url: str) -> redis.Redis[bytes]:
    # One small pool per process (and URL): a load balancer polls this every few seconds.
    return redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
    )


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    _redis_client(settings.REDIS_URL).ping()
    return "redis"


def _check_channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    async_to_sync(layer.group_send)(HEALTH_GROUP, {"type": "healthz"})
    return type(layer).__name__


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "inline"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "redis"


CHECKS = {
    "database": _check_database,
    "redis": _check_redis,
    "channel_layer": _check_channel_layer,
    "broker": _check_broker,
}


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    report: dict[str, dict[str, object]] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
            report[name] = {"ok": True, "backend": detail}
        except Exception as exc:  # a health check reports every failure instead of raising
            healthy = False
            report[name] = {"ok": False, "error": type(exc).__name__}
        report[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": report},
        status=200 if healthy else 503,
    )
