"""Chat across Redis bounces, end to end (issue 13, item 3).

The real ASGI server (uvicorn, a subprocess) runs on a Redis server this test starts on
its own port and stops and starts again three times while five residents post over REST.
Three residents listen on WebSockets (the ``websockets`` client; a client whose socket
drops reconnects and syncs from the last id it saw, as docs/realtime.md says). At the end
every listener has every message of the room exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Origin, Subprotocol

from dorf.chat import services
from dorf.chat.models import Message
from dorf.users.services import token_issue
from tests.chat.test_e2e import _database_url, _free_port
from tests.factories import MembershipFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
SENDERS = 5
MESSAGES_PER_SENDER = 30
# Below the chat's per-user limit of 30 messages per 10 s.
SEND_INTERVAL_S = 0.36
BOUNCES = ((1.5, 0.5), (4.0, 0.9), (6.5, 0.3))  # (seconds after start, downtime)


class RedisServer:
    """A throwaway redis-server on its own port: the test may stop it at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(_free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def asgi_server(transactional_db: None, redis_server: RedisServer) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--ws",
            "websockets",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        # Generous: on a loaded 2-core CI machine importing Django takes a while.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the ASGI server did not start")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _post(host: str, token: str, room_id: int, text: str, client_msg_id: str) -> None:
    """Send one message over REST, retrying (same client_msg_id) until it is stored."""
    body = json.dumps({"text": text, "client_msg_id": client_msg_id}).encode()
    for _ in range(100):
        request = urllib.request.Request(
            f"http://{host}/api/v1/chat/rooms/{room_id}/messages/",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status in (200, 201):
                    return
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"message {client_msg_id} could not be sent")


class Listener:
    """A client that follows the documented protocol: sync from its last id on every
    (re)connect, keep every message.new."""

    def __init__(self, host: str, token: str, room_id: int) -> None:
        self.host, self.token, self.room_id = host, token, room_id
        self.received: list[int] = []
        self.reconnects = 0
        self.stop = asyncio.Event()

    async def run(self) -> None:
        while not self.stop.is_set():
            try:
                await self._session()
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError):
                self.reconnects += 1
                await asyncio.sleep(0.2)

    async def _session(self) -> None:
        async with connect(
            f"ws://{self.host}/ws/",
            origin=Origin(f"http://{self.host}"),
            subprotocols=[Subprotocol("dorf.v1"), Subprotocol(f"bearer.{self.token}")],
            open_timeout=5,
        ) as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert hello["type"] == "hello"
            last = max(self.received, default=0)
            await ws.send(json.dumps({"type": "sync", "rooms": {str(self.room_id): last}}))
            while not self.stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                frame: dict[str, Any] = json.loads(raw)
                if frame["type"] == "message.new" and frame["message"]["room_id"] == self.room_id:
                    self.received.append(frame["message"]["id"])


def test_listeners_lose_and_repeat_nothing_while_redis_is_stopped_and_started(
    asgi_server, redis_server, alice, bob, mod, square, village
) -> None:
    # given: five senders and three listeners in the village square
    extra = []
    for _ in range(SENDERS - 3):
        membership = MembershipFactory(village=village)
        services.village_member_verified(membership=membership)
        extra.append(membership)
    senders = [token_issue(user=m.user)[1] for m in (alice, bob, mod, *extra)]
    listener_tokens = senders[:3]

    async def scenario() -> list[Listener]:
        listeners = [Listener(asgi_server, token, square.pk) for token in listener_tokens]
        tasks = [asyncio.create_task(listener.run()) for listener in listeners]
        await asyncio.sleep(1.0)  # all connected and synced

        def send_all(index: int, token: str) -> None:
            for n in range(MESSAGES_PER_SENDER):
                _post(asgi_server, token, square.pk, f"Nachricht {index}.{n}", f"{index}-{n}")
                time.sleep(SEND_INTERVAL_S)

        threads = [
            threading.Thread(target=send_all, args=(i, token)) for i, token in enumerate(senders)
        ]
        # when: messages flow while Redis goes away three times
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for at, downtime in BOUNCES:
            await asyncio.sleep(max(0.0, started + at - time.monotonic()))
            redis_server.stop()
            await asyncio.sleep(downtime)
            await asyncio.to_thread(redis_server.start)
        for thread in threads:
            await asyncio.to_thread(thread.join)
        # then (allowing the sockets a moment to catch up)
        expected = await asyncio.to_thread(
            lambda: set(Message.objects.filter(room=square).values_list("pk", flat=True))
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if all(set(listener.received) >= expected for listener in listeners):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)  # anything duplicated late would show up now
        for listener in listeners:
            listener.stop.set()
        await asyncio.gather(*tasks)
        return listeners

    listeners = asyncio.run(scenario())
    expected = set(Message.objects.filter(room=square).values_list("pk", flat=True))
    assert len(expected) == SENDERS * MESSAGES_PER_SENDER
    for listener in listeners:
        lost = expected - set(listener.received)
        duplicated = len(listener.received) - len(set(listener.received))
        assert (len(lost), duplicated) == (0, 0), (
            f"lost {sorted(lost)}, {duplicated} duplicated, {listener.reconnects} reconnects"
        )
