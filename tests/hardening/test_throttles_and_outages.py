"""Throttles that hold (client address, concurrency) and a Redis outage that degrades
instead of taking the API down (issue 13, items 1, 2 and 5)."""

from __future__ import annotations

import logging
import random
import threading
import uuid
from typing import Any

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.test import Client, override_settings
from rest_framework.test import APIClient, APIRequestFactory

from dorf.core import throttling
from dorf.core.throttling import AuthThrottle, UserThrottle
from dorf.users.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Nothing listens here: connections are refused at once, like a stopped Redis.
DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_CACHE = {
    "default": {
        "BACKEND": "dorf.core.cache.ResilientRedisCache",
        "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def _own_address() -> str:
    # Each test its own client address: the counters of other tests stay apart.
    return f"198.51.100.{random.randint(1, 254)}"


def _login(client: APIClient, address: str, forwarded: str | None = None) -> int:
    extra: dict[str, Any] = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.post(
        "/api/v1/auth/login/",
        {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.org", "password": "wrong"},
        format="json",
        **extra,
    )
    return response.status_code


def test_a_forged_x_forwarded_for_per_request_does_not_escape_the_login_throttle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: three login attempts per minute and the default DORF_NUM_PROXIES=0
    monkeypatch.setattr(AuthThrottle, "rate", "3/min", raising=False)
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    client, address = APIClient(), _own_address()
    # when: every attempt claims another forwarded address
    codes = [
        _login(client, address, forwarded=f"10.0.{i}.{random.randint(1, 254)}") for i in range(6)
    ]
    # then: the address the connection came from is counted
    assert codes[:3] == [400, 400, 400]
    assert codes[3:] == [429, 429, 429]


def test_with_one_trusted_proxy_the_address_is_the_one_the_proxy_appended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: one reverse proxy in front, which appends the peer it saw
    monkeypatch.setattr(AuthThrottle, "rate", "2/min", raising=False)
    client, proxy = APIClient(), _own_address()
    client_address = f"203.0.113.{random.randint(1, 254)}"
    rest_framework = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    with override_settings(REST_FRAMEWORK=rest_framework):
        # when: the client forges a left-hand entry each time
        codes = [_login(client, proxy, forwarded=f"10.9.9.{i}, {client_address}") for i in range(3)]
        other = _login(client, proxy, forwarded=f"10.9.9.9, {client_address}0")
    # then: the right-hand entry (the proxy's) is counted, the forged one is not
    assert codes == [400, 400, 429]
    assert other == 400


@pytest.mark.redis
def test_concurrent_requests_never_get_past_the_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: 300 requests per hour for one user, a fixed clock, 8 threads
    monkeypatch.setattr(UserThrottle, "rate", "300/hour", raising=False)
    monkeypatch.setattr(UserThrottle, "timer", lambda self: 1_000_000.0)
    user = User(pk=10_000_000 + random.randint(0, 1_000_000), email="x@example.org")
    request = APIRequestFactory().get("/")
    request.user = user
    allowed = 0
    lock = threading.Lock()

    def burst() -> None:
        nonlocal allowed
        mine = 0
        for _ in range(100):
            if UserThrottle().allow_request(request, None):
                mine += 1
        with lock:
            allowed += mine

    # when: 800 requests race
    threads = [threading.Thread(target=burst) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: exactly the rate got through
    assert allowed == 300


@pytest.mark.redis
def test_the_counter_key_expires_with_its_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(UserThrottle, "rate", "5/min", raising=False)
    user = User(pk=20_000_000 + random.randint(0, 1_000_000), email="x@example.org")
    request = APIRequestFactory().get("/")
    request.user = user
    throttle = UserThrottle()
    assert throttle.allow_request(request, None)
    backend = caches["default"]
    window = int(throttle.now // 60)
    key = backend.make_and_validate_key(f"throttle_user_{user.pk}:{window}")
    client = backend._cache.get_client(key, write=True)  # type: ignore[attr-defined]
    assert 0 < client.ttl(key) <= 61
    wait = throttle.wait()
    assert wait is not None
    assert 0 <= wait <= 60


def test_while_redis_is_down_login_and_reads_still_answer(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a real account, and a cache whose Redis refuses connections
    user = UserFactory(email="lena@example.org")
    user.set_password("pw-1234-geheim")
    user.save()
    monkeypatch.setattr(AuthThrottle, "rate", "3/min", raising=False)
    monkeypatch.setattr(throttling.logger, "disabled", False)
    with override_settings(CACHES=DEAD_CACHE), caplog.at_level(logging.WARNING):
        client = APIClient()
        # when: the resident logs in and reads
        login = client.post(
            "/api/v1/auth/login/",
            {"email": "lena@example.org", "password": "pw-1234-geheim"},
            format="json",
        )
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json().get('token')}")
        me = client.get("/api/v1/me/")
        villages = client.get("/api/v1/villages/")
    # then: the API answers (throttling fails open) and says why in the log
    assert login.status_code == 200
    assert me.status_code == 200
    assert villages.status_code == 200
    assert "cache unavailable" in caplog.text


def test_healthz_reports_redis_down_with_503() -> None:
    with override_settings(REDIS_URL=DEAD_REDIS):
        response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_a_websocket_ticket_is_refused_with_503_while_redis_is_down(client_for, member) -> None:
    client = client_for(member.user)
    with override_settings(CACHES=DEAD_CACHE):
        response = client.post("/api/v1/ws-ticket")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_a_thousand_healthz_calls_leave_the_number_of_redis_channels_unchanged() -> None:
    # given: the ASGI server's situation: the sync view runs in a thread of the event loop
    # that also runs the sockets, so the channel layer of that loop is reused
    client = Client()
    redis_client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    get = sync_to_async(client.get)
    assert (await get("/healthz")).status_code == 200
    before = len(redis_client.pubsub_channels(f"{prefix}*"))
    # when
    for _ in range(1000):
        response = await get("/healthz")
        assert response.status_code == 200
    # then
    after = len(redis_client.pubsub_channels(f"{prefix}*"))
    redis_client.close()
    await get_channel_layer().flush()
    await database_sync_to_async(connections.close_all)()
    assert after == before
