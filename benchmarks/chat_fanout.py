"""Chat fan-out against the real ASGI server on PostgreSQL and Redis.

For each scenario (N receivers in one room, R messages/s): start uvicorn, connect N
WebSocket clients, send R messages/s for a few seconds, and report the delivery ratio,
p50/p95/p99 latency (sender's send → receiver's frame) and server memory per socket.
The baseline is a bare group broadcast through the same server and channel layer
without authentication or persistence (route /ws/bench/, served by benchmarks/asgi.py only), so the
cost of our pipeline shows as a ratio.

    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        nice .venv/bin/python benchmarks/chat_fanout.py --scenarios 100:10,300:2,1000:2 --seconds 8

Senders rotate over ceil(R/2.5) residents: the per-socket frame limit (5/s) and the
per-user send limit (30 per 10 s) apply to the benchmark as they do to a phone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ws_stack import (
    cleanup,
    connect_client,
    free_port,
    make_residents,
    rss_kib,
    setup_django,
    start_server,
)

setup_django()

from websockets.asyncio.client import ClientConnection  # noqa: E402

from dorf.chat.models import Room, RoomKind, RoomMember  # noqa: E402
from dorf.chat.tickets import ticket_issue  # noqa: E402
from dorf.users.models import User  # noqa: E402

PER_SENDER_RATE = 2.5
# The settings module the server runs with, per --layer.
LAYER_SETTINGS = {"pubsub": "config.settings", "core": "benchmarks.settings_core_layer"}


@dataclass
class Result:
    label: str
    receivers: int
    rate: float
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    rss_before_kib: int = 0
    rss_after_kib: int = 0

    @property
    def delivery(self) -> float:
        expected = self.sent * self.receivers
        return len(self.latencies_ms) / expected if expected else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def kib_per_socket(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / max(self.receivers, 1)


def make_room(n_users: int, tag: str) -> tuple[Room, list[User]]:
    village, users = make_residents(n_users, tag)
    room = Room.objects.create(village=village, kind=RoomKind.SQUARE, title="Bench")
    RoomMember.objects.bulk_create(RoomMember(room=room, user=u) for u in users)
    return room, users


async def open_socket(url: str, origin: str, sync: bool) -> ClientConnection:
    ws = await connect_client(url, origin=origin, open_timeout=60)
    if sync:
        await ws.recv()  # hello
        await ws.send(json.dumps({"type": "sync"}))
        while json.loads(await ws.recv())["type"] != "sync.done":
            pass
    return ws


async def receive_loop(ws: ClientConnection, result: Result, bare: bool) -> None:
    try:
        async for raw in ws:
            now = time.monotonic()
            frame = json.loads(raw)
            if bare:
                sent_at = frame.get("t")
            elif frame.get("type") == "message.new":
                sent_at = float(frame["message"]["text"].split()[-1])
            else:
                continue
            if sent_at is not None:
                result.latencies_ms.append((now - sent_at) * 1000)
    except Exception:  # noqa: S110 - a closed socket ends the loop
        pass


async def run(
    host: str, pid: int, receivers: int, rate: float, seconds: float, bare: bool
) -> Result:
    label = "bare group_send" if bare else "dorf pipeline"
    result = Result(label, receivers, rate)
    origin = f"http://{host}"
    senders_n = max(1, math.ceil(rate / PER_SENDER_RATE))
    tag = f"{int(time.time() * 1000)}"
    users: list[User] = []
    if not bare:
        room, users = await asyncio.to_thread(make_room, receivers + senders_n, tag)

    def url_for(user: User | None) -> str:
        if bare:
            return f"ws://{host}/ws/bench/"
        assert user is not None
        return f"ws://{host}/ws/?ticket={ticket_issue(user=user)}"

    def urls_for(batch: list[User | None]) -> list[str]:
        return [url_for(user) for user in batch]

    everyone: list[User | None] = list(users) if users else [None] * (receivers + senders_n)
    receiver_users = everyone[:receivers]
    sender_users = everyone[receivers:]
    senders = [
        await open_socket(url, origin, not bare)
        for url in await asyncio.to_thread(urls_for, sender_users)
    ]
    # Measured after the senders connected: the first socket pays for warm-up (imports,
    # database and Redis connections), which is not memory per socket.
    await asyncio.sleep(0.5)
    result.rss_before_kib = rss_kib(pid)
    sockets: list[ClientConnection] = []
    for start in range(0, receivers, 50):  # connect in waves, as phones would after a deploy
        batch = receiver_users[start : start + 50]
        urls = await asyncio.to_thread(urls_for, batch)
        sockets.extend(await asyncio.gather(*(open_socket(u, origin, not bare) for u in urls)))
    await asyncio.sleep(1)
    result.rss_after_kib = rss_kib(pid)
    tasks = [asyncio.create_task(receive_loop(ws, result, bare)) for ws in sockets]
    drains = [asyncio.create_task(receive_loop(ws, Result("", 0, 0), True)) for ws in senders]

    interval = 1.0 / rate
    total = int(seconds * rate)
    started = time.monotonic()
    for i in range(total):
        target = started + i * interval
        await asyncio.sleep(max(0.0, target - time.monotonic()))
        ws = senders[i % len(senders)]
        now = time.monotonic()
        if bare:
            await ws.send(json.dumps({"type": "bench", "seq": i, "t": now}))
        else:
            await ws.send(
                json.dumps(
                    {
                        "type": "message.send",
                        "room_id": room.pk,
                        "client_msg_id": f"b{i}",
                        "text": f"Benchmark {i} {now}",
                    }
                )
            )
        result.sent += 1
    # Late frames still count (up to 10 s): a loss is a frame that never arrives.
    deadline = time.monotonic() + 10
    while len(result.latencies_ms) < result.sent * receivers and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    for ws in sockets + senders:
        await ws.close()
    for task in tasks + drains:
        task.cancel()
    if not bare:
        await asyncio.to_thread(cleanup, tag)
    return result


def report(result: Result, baseline: Result | None) -> str:
    ratio = ""
    if baseline is not None and baseline.latencies_ms:
        ratio = f" | p99 x{result.pct(99) / max(baseline.pct(99), 0.001):.1f} vs bare"
    return (
        f"{result.label:16} N={result.receivers:5} R={result.rate:g}/s sent={result.sent:4} "
        f"delivered={result.delivery * 100:6.2f}% p50={result.pct(50):7.1f} ms "
        f"p95={result.pct(95):7.1f} ms p99={result.pct(99):7.1f} ms "
        f"mem/socket={result.kib_per_socket:6.1f} KiB "
        f"(RSS {result.rss_before_kib / 1024:.0f}→{result.rss_after_kib / 1024:.0f} MiB){ratio}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", default="100:10,300:2,1000:2")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--layer", choices=["pubsub", "core"], default="pubsub")
    args = parser.parse_args()
    scenarios = [(int(n), float(r)) for n, r in (s.split(":") for s in args.scenarios.split(","))]
    print(f"channel layer: {args.layer}")
    for receivers, rate in scenarios:
        for bare in (True, False):
            # A fresh server per run: memory and warm-up are not carried over.
            port = free_port()
            server = start_server(port, settings_module=LAYER_SETTINGS[args.layer])
            try:
                result = await run(
                    f"127.0.0.1:{port}", server.pid, receivers, rate, args.seconds, bare
                )
            finally:
                server.terminate()
                server.wait(timeout=10)
            if bare:
                baseline = result
                print(report(result, None), flush=True)
            else:
                print(report(result, baseline), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
