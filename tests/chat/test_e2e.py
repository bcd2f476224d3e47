"""End to end: the real ASGI server (uvicorn, a subprocess) and a real WebSocket client."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from dorf.users.services import token_issue

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'])}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def server(transactional_db: None) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
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


def _ticket(host: str, token: str) -> str:
    request = urllib.request.Request(
        f"http://{host}/api/v1/ws-ticket",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        ticket: str = json.load(response)["ticket"]
        return ticket


async def _open(
    host: str, token: str, sync: dict[int, int] | None = None
) -> tuple[ClientConnection, list[dict[str, Any]]]:
    ticket = await asyncio.to_thread(_ticket, host, token)
    ws = await connect(f"ws://{host}/ws/?ticket={ticket}", origin=Origin(f"http://{host}"))
    hello = json.loads(await ws.recv())
    assert hello["type"] == "hello"
    await ws.send(
        json.dumps({"type": "sync", "rooms": {str(k): v for k, v in (sync or {}).items()}})
    )
    frames: list[dict[str, Any]] = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if frame["type"] == "sync.done":
            return ws, frames
        frames.append(frame)


async def _next(ws: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if frame["type"] == kind:
            return frame
        assert frame["type"] != "error", frame


async def _silent(ws: ClientConnection, seconds: float = 0.4) -> bool:
    try:
        await asyncio.wait_for(ws.recv(), seconds)
    except TimeoutError:
        return True
    return False


def test_two_residents_chat_through_the_real_server_and_a_reconnect_misses_nothing(
    server, alice, bob, square, outsider
):
    _t, alice_token = token_issue(user=alice.user)
    _t, bob_token = token_issue(user=bob.user)
    _t, outsider_token = token_issue(user=outsider.user)

    async def scenario() -> None:
        # given: both residents online
        a, _ = await _open(server, alice_token)
        b, _ = await _open(server, bob_token)

        # when: they exchange messages
        await a.send(
            json.dumps(
                {
                    "type": "message.send",
                    "room_id": square.pk,
                    "text": "Moin Bob",
                    "client_msg_id": "a1",
                }
            )
        )
        got = await _next(b, "message.new")
        assert got["message"]["text"] == "Moin Bob"
        await b.send(
            json.dumps(
                {
                    "type": "message.send",
                    "room_id": square.pk,
                    "text": "Moin Alice",
                    "client_msg_id": "b1",
                }
            )
        )
        last_seen = (await _next(b, "message.ack"))["message"]["id"]
        assert (await _next(a, "message.new"))["message"]["text"] == "Moin Alice"

        # when: bob drops off and alice sends 20 messages
        await b.close()
        sent = []
        for i in range(20):
            await a.send(
                json.dumps(
                    {
                        "type": "message.send",
                        "room_id": square.pk,
                        "text": f"Nachricht {i}",
                        "client_msg_id": f"n{i}",
                    }
                )
            )
            sent.append((await _next(a, "message.ack"))["message"]["id"])

        # then: bob reconnects with his last id and gets exactly those 20, in order
        b, replayed = await _open(server, bob_token, sync={square.pk: last_seen})
        assert [f["message"]["id"] for f in replayed] == sent
        assert all(f["type"] == "message.new" for f in replayed)
        assert await _silent(b)

        # and: bad input is refused, the connection stays usable
        await a.send(
            json.dumps(
                {
                    "type": "message.send",
                    "room_id": square.pk,
                    "text": "x" * 4001,
                    "client_msg_id": "big",
                }
            )
        )
        assert (await _next(a, "error"))["error"]["code"] == "invalid"
        o, _ = await _open(server, outsider_token)
        await o.send(
            json.dumps(
                {"type": "message.send", "room_id": square.pk, "text": "hi", "client_msg_id": "o1"}
            )
        )
        assert (await _next(o, "error"))["error"]["code"] == "not_found"
        for _ in range(80):
            await o.send(json.dumps({"type": "ping"}))
        assert (await _next(o, "error"))["error"]["code"] == "rate_limited"
        assert await _silent(b)  # nothing of that reached bob

        # and: a foreign origin and an anonymous client are refused
        with pytest.raises(InvalidStatus):
            await connect(f"ws://{server}/ws/", origin=Origin("https://evil.example"))
        anonymous = await connect(f"ws://{server}/ws/", origin=Origin(f"http://{server}"))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(anonymous.recv(), 5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401
        for ws in (a, b, o):
            await ws.close()

    asyncio.run(scenario())
