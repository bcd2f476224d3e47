"""What the WebSocket benchmarks share (chat_fanout.py, ws_open.py): the real stack's
settings, uvicorn with the flags of docs/realtime.md serving benchmarks/asgi.py, the
server process's memory and CPU, a village of verified residents, and the client's
connect. Imports no Django until ``setup_django()``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

if TYPE_CHECKING:
    from dorf.users.models import User
    from dorf.villages.models import Village

ROOT = Path(__file__).resolve().parents[1]

# The server flags docs/realtime.md recommends: permessage-deflate keeps a zlib context
# of a few hundred KiB per socket, too much for 1,000 sockets on a small machine.
SERVER_WS_FLAGS = [
    "--ws",
    "websockets-sansio",
    "--ws-max-size",
    "65536",
    "--ws-per-message-deflate",
    "false",
]


def setup_django() -> None:
    """The product's settings on PostgreSQL and Redis (the benchmarks measure the real
    stack, so they refuse to run without them), then ``django.setup()``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret")
    database_url = os.environ.get("DATABASE_URL", "")
    if not (database_url.startswith("postgres") and os.environ.get("REDIS_URL")):
        sys.exit(
            "Set DATABASE_URL (PostgreSQL) and REDIS_URL: the benchmark measures the real stack."
        )
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    port: int, *, settings_module: str = "config.settings", timeout_s: float = 300
) -> subprocess.Popen[bytes]:
    """uvicorn, one process, serving benchmarks/asgi.py; returned once it accepts
    connections. It inherits the benchmark's niceness (run the whole thing under nice)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.asgi:application",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *SERVER_WS_FLAGS,
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module},
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_residents(n_users: int, tag: str) -> tuple[Village, list[User]]:
    """A village ``bench-<tag>`` with N verified residents (removed by ``cleanup``)."""
    from dorf.users.models import User
    from dorf.villages.models import Membership, MembershipState, Village

    village = Village.objects.create(
        name=f"Bench {tag}",
        slug=f"bench-{tag}",
        centre_lat=50.0,
        centre_lon=7.0,
        invite_code=f"bench-{tag}",
    )
    users = User.objects.bulk_create(
        User(email=f"bench-{tag}-{i}@example.org", first_name="Bench", last_name=str(i))
        for i in range(n_users)
    )
    Membership.objects.bulk_create(
        Membership(user=u, village=village, state=MembershipState.VERIFIED) for u in users
    )
    return village, users


def cleanup(tag: str) -> None:
    from dorf.users.models import User
    from dorf.villages.models import Village

    Village.objects.filter(slug=f"bench-{tag}").delete()
    User.objects.filter(email__startswith=f"bench-{tag}-").delete()


async def connect_client(url: str, *, origin: str, open_timeout: float) -> ClientConnection:
    """A client as the app opens it: an Origin of the server, no compression (the server
    refuses permessage-deflate anyway), no protocol-level pings during the measurement."""
    return await connect(
        url,
        origin=Origin(origin),
        max_size=2**20,
        open_timeout=open_timeout,
        ping_interval=None,
        compression=None,
    )
