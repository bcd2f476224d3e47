"""Opening WebSockets against the real ASGI server on PostgreSQL and Redis.

Connects N clients the way the app does after a deploy or on every start (ticket in the
URL, wait for hello, send a sync frame with the newest id of each of its rooms, wait for
sync.done) and reports the wall time for all N, the latency per socket (p50/p99), the
server's CPU time and its memory growth per socket. The baseline in the same run is a
bare Channels route through the same server (uvicorn, one process, the flags of
docs/realtime.md): accept, hello, sync.done, with no authentication, database or groups
(route /ws/bench/hello/, served by benchmarks/asgi.py only). Goal (issue 22, item 5):
ours costs at most 3x the bare route.

    DATABASE_URL=postgres://... REDIS_URL=redis://... DJANGO_SECRET_KEY=x \\
        nice .venv/bin/python benchmarks/ws_open.py --sockets 1000 --rounds 2

Every resident is in the village square and one of ``--groups`` group rooms, each room
has messages, so the server reads real tips; tickets are issued through the product's
``ticket_issue`` just before each wave (not timed: in the app they come from a REST call
of their own). Sockets open in waves of ``--wave`` at once and stay open until all N are
open, so the memory is that of N open sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ws_stack import (
    cleanup,
    connect_client,
    cpu_s,
    free_port,
    make_residents,
    rss_kib,
    setup_django,
    start_server,
)

setup_django()

from websockets.asyncio.client import ClientConnection  # noqa: E402

from dorf.chat import services  # noqa: E402
from dorf.chat.models import Room, RoomKind, RoomMember  # noqa: E402
from dorf.chat.tickets import ticket_issue  # noqa: E402
from dorf.users.models import User  # noqa: E402

WARM_UP_SOCKETS = 5


@dataclass
class Result:
    label: str
    sockets: int
    wall_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    rss_before_kib: int = 0
    rss_after_kib: int = 0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def kib_per_socket(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / max(self.sockets, 1)


def make_village(n_users: int, groups: int, tag: str) -> list[tuple[User, dict[str, int]]]:
    """N verified residents in the square and one group each; every room has messages.
    Returns each user with the sync frame's rooms of a client that is caught up."""
    village, users = make_residents(n_users, tag)
    square = Room.objects.create(village=village, kind=RoomKind.SQUARE, title="Bench")
    rooms = Room.objects.bulk_create(
        Room(village=village, kind=RoomKind.GROUP, title=f"Gruppe {g}") for g in range(groups)
    )
    members = [RoomMember(room=square, user=u) for u in users]
    members += [RoomMember(room=rooms[i % groups], user=u) for i, u in enumerate(users)]
    RoomMember.objects.bulk_create(members)
    # users[g] is in group g (and everyone in the square).
    for author, room in [(users[0], square), *zip(users, rooms, strict=False)]:
        for n in range(2):
            services.message_send(
                user=author,
                room_id=room.pk,
                text=f"Hallo {n}",
                client_msg_id=f"{tag}-{room.pk}-{n}",
            )
    tips = dict(Room.objects.filter(village=village).values_list("pk", "last_message_id"))
    return [
        (
            u,
            {
                str(square.pk): tips[square.pk],
                str(rooms[i % groups].pk): tips[rooms[i % groups].pk],
            },
        )
        for i, u in enumerate(users)
    ]


async def open_socket(
    url: str, origin: str, rooms: dict[str, int]
) -> tuple[ClientConnection, float]:
    started = time.monotonic()
    ws = await connect_client(url, origin=origin, open_timeout=120)
    hello = json.loads(await ws.recv())
    assert hello["type"] == "hello", hello
    await ws.send(json.dumps({"type": "sync", "rooms": rooms}))
    while json.loads(await ws.recv())["type"] != "sync.done":
        pass
    return ws, (time.monotonic() - started) * 1000


async def run(
    host: str, pid: int, clients: list[tuple[User, dict[str, int]]] | None, n: int, wave: int
) -> Result:
    bare = clients is None
    result = Result("bare route" if bare else "dorf /ws/", n)
    origin = f"http://{host}"

    def urls_for(batch: list[tuple[User, dict[str, int]]]) -> list[str]:
        return [f"ws://{host}/ws/?ticket={ticket_issue(user=user)}" for user, _rooms in batch]

    async def open_wave(batch_n: int, offset: int) -> list[tuple[ClientConnection, float]]:
        if bare:
            urls = [f"ws://{host}/ws/bench/hello/"] * batch_n
            rooms: list[dict[str, int]] = [{}] * batch_n
        else:
            assert clients is not None
            batch = clients[offset : offset + batch_n]
            urls = await asyncio.to_thread(urls_for, batch)
            rooms = [r for _user, r in batch]
        started = time.monotonic()
        opened = await asyncio.gather(
            *(open_socket(url, origin, r) for url, r in zip(urls, rooms, strict=True))
        )
        result.wall_s += time.monotonic() - started
        return opened

    # Warm-up (imports, database and Redis connections) is not part of the figures.
    warm = await open_wave(WARM_UP_SOCKETS, n)
    result.wall_s = 0.0
    await asyncio.sleep(0.5)
    result.rss_before_kib = rss_kib(pid)
    cpu_before = cpu_s(pid)
    sockets: list[ClientConnection] = []
    for start in range(0, n, wave):
        opened = await open_wave(min(wave, n - start), start)
        sockets.extend(ws for ws, _ms in opened)
        result.latencies_ms.extend(ms for _ws, ms in opened)
    result.cpu_s = cpu_s(pid) - cpu_before
    await asyncio.sleep(1)
    result.rss_after_kib = rss_kib(pid)
    for ws in [*sockets, *(ws for ws, _ms in warm)]:
        await ws.close()
    return result


def report(result: Result, baseline: Result | None) -> str:
    ratio = ""
    if baseline is not None:
        ratio = (
            f" | wall x{result.wall_s / max(baseline.wall_s, 1e-6):.1f},"
            f" CPU x{result.cpu_s / max(baseline.cpu_s, 1e-6):.1f} vs bare"
        )
    return (
        f"{result.label:10} N={result.sockets:5} wall={result.wall_s:6.2f} s "
        f"p50={result.pct(50):7.1f} ms p99={result.pct(99):7.1f} ms "
        f"server CPU={result.cpu_s:6.2f} s ({result.cpu_s / result.sockets * 1000:5.2f} ms/socket) "
        f"mem/socket={result.kib_per_socket:5.1f} KiB "
        f"(RSS {result.rss_before_kib / 1024:.0f}→{result.rss_after_kib / 1024:.0f} MiB){ratio}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--wave", type=int, default=50)
    parser.add_argument("--groups", type=int, default=20)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    tag = f"{int(time.time() * 1000)}"
    clients = await asyncio.to_thread(
        make_village, args.sockets + WARM_UP_SOCKETS, args.groups, tag
    )
    try:
        for round_no in range(1, args.rounds + 1):
            print(f"round {round_no}", flush=True)
            baseline: Result | None = None
            for bare in (True, False):
                # A fresh server per run: memory and warm-up are not carried over.
                port = free_port()
                server = start_server(port)
                try:
                    result = await run(
                        f"127.0.0.1:{port}",
                        server.pid,
                        None if bare else clients,
                        args.sockets,
                        args.wave,
                    )
                finally:
                    server.terminate()
                    server.wait(timeout=30)
                print(report(result, baseline), flush=True)
                if bare:
                    baseline = result
    finally:
        await asyncio.to_thread(cleanup, tag)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
