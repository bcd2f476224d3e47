"""The app's start-up reads through the whole stack, each beside a bare view of the same rows.

Seeds the demo village (``seed_demo --residents N``) on a PostgreSQL database of its own,
optionally fills the village square with many more messages, starts gunicorn (2 workers x
4 threads, the product's settings plus the bare views of benchmarks/rest_reads_urls.py)
and, for each endpoint a resident's app calls on start, runs C concurrent keep-alive
clients against the product endpoint and then against its bare view, for D seconds each,
in R rounds. It reports req/s, p50/p99, the server's CPU per request and the ratio
product/bare in the same round, plus the product's queries per request (counted
in-process with the same data).

    nice .venv/bin/python -m benchmarks.rest_reads \\
        --database-url postgres://postgres@127.0.0.1:5432/dorf_rest_bench --residents 300

The database named there is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ledger_bank import (
    ROOT,
    children_of,
    database_backends,
    free_port,
    percentile,
    process_cpu_s,
    recreate_database,
    setup_django,
    wait_for,
)

RESIDENT = "anna.becker@musterdorf.example"


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def prepare(square_messages: int) -> dict[str, Any]:
    """Token, ids and both URLs of every endpoint; the optional square filler."""
    from django.db import connection

    from dorf.chat.models import Message, Room, RoomMember
    from dorf.clubs.models import Club
    from dorf.ledger.models import Account
    from dorf.users.models import User
    from dorf.users.services import token_issue
    from dorf.villages.models import Membership

    user = User.objects.get(email=RESIDENT)
    membership = Membership.objects.select_related("village").get(
        user=user, village__slug="musterdorf"
    )
    square = Room.objects.get(village=membership.village, kind="square")
    if square_messages:
        sender_ids = list(
            Membership.objects.filter(village=membership.village).values_list("user_id", flat=True)
        )
        batch = [
            Message(
                room=square, sender_id=sender_ids[i % len(sender_ids)], text=f"Nachricht {i}",
                client_msg_id=f"bench-{i}",
            )
            for i in range(square_messages)
        ]  # fmt: skip
        Message.objects.bulk_create(batch, batch_size=5000)
        last = Message.objects.filter(room=square).order_by("-id").first()
        Room.objects.filter(pk=square.pk).update(last_message=last)
        # A caught-up resident: everything read.
        RoomMember.objects.filter(room=square, user=user).update(
            last_read_id=last.pk if last else 0
        )
    club = Club.objects.filter(village=membership.village).order_by("id").first()
    assert club is not None, "the demo village has clubs"
    account = Account.objects.get(membership=membership)
    _token, raw = token_issue(user=user, name="benchmark")
    slug = membership.village.slug
    v = membership.village_id
    endpoints = {
        "rooms": ("/api/v1/chat/rooms/", f"/bench/bare/rooms/?user={user.pk}"),
        "square": (
            f"/api/v1/chat/rooms/{square.pk}/messages/",
            f"/bench/bare/square/?room={square.pk}",
        ),
        "postings": (f"/api/v1/villages/{slug}/postings/", f"/bench/bare/postings/?village={v}"),
        "nearest": (
            f"/api/v1/villages/{slug}/postings/?order=nearest",
            f"/bench/bare/postings/?village={v}",
        ),
        "club events": (f"/api/v1/clubs/{club.pk}/events/", f"/bench/bare/events/?club={club.pk}"),
        "notifications": ("/api/v1/notifications/", f"/bench/bare/notifications/?user={user.pk}"),
        "statement": (
            f"/api/v1/villages/{slug}/ledger/statement/",
            f"/bench/bare/statement/?account={account.pk}",
        ),
        "my parcels": (
            f"/api/v1/villages/{slug}/deliveries/parcels/mine/",
            f"/bench/bare/parcels/?household={membership.household_id}",
        ),
    }
    square_size = Message.objects.filter(room=square).count()
    connection.close()
    return {"token": raw, "endpoints": endpoints, "square_messages": square_size}


def analyze(url: str) -> None:
    """The planner's statistics, as autovacuum would have them on a server that has run
    a while (a fresh seed has none, and this machine's PostgreSQL may run without
    autovacuum): without them PostgreSQL plans for empty tables."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def queries_per_request(setup: dict[str, Any]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {setup['token']}")
    counts = {}
    for name, (url, _bare) in setup["endpoints"].items():
        client.get(url)  # warm: token last-used, caches
        seen: list[str] = []

        def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            seen.append(sql)  # noqa: B023 - used while this loop's request runs
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {response.status_code} {response.content[:200]!r}")
        counts[name] = len(seen)
    connection.close()
    return counts


def client_loop(port: int, path: str, token: str, deadline: float, stats: Stats) -> None:
    headers = {"Authorization": f"Bearer {token}", "Host": "localhost"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.will_close:
                conn.close()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            with stats.lock:
                stats.errors[type(exc).__name__] = stats.errors.get(type(exc).__name__, 0) + 1
            continue
        elapsed = (time.perf_counter() - started) * 1000
        with stats.lock:
            if status == 200:
                stats.latencies_ms.append(elapsed)
            else:
                stats.errors[str(status)] = stats.errors.get(str(status), 0) + 1
    conn.close()


def machine_busy_s() -> float:
    """CPU seconds the whole machine spent outside idle and iowait (Linux /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def redis_pids() -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "redis-server":
                pids.append(int(comm.parent.name))
        except (OSError, ValueError):
            continue
    return pids


def phase(port: int, server_pids: list[int], path: str, token: str, args: Any) -> dict[str, Any]:
    """C clients for D seconds; req/s, latency and CPU per request of the server, its
    database backends, Redis, this client process and the whole machine."""
    stats = Stats()
    # The server's connections live across requests (CONN_MAX_AGE): a short warm-up
    # opens them, so their backends' CPU can be read around the timed phase.
    warm = Stats()
    warm_threads = [
        threading.Thread(target=client_loop, args=(port, path, token, time.monotonic() + 0.5, warm))
        for _ in range(args.clients)
    ]  # fmt: skip
    for thread in warm_threads:
        thread.start()
    for thread in warm_threads:
        thread.join()
    groups = {
        "server": server_pids,
        "database": database_backends(args.database_url),
        "redis": redis_pids(),
        "client": [os.getpid()],
    }
    cpu_before = {name: sum(process_cpu_s(pids).values()) for name, pids in groups.items()}
    machine_before = machine_busy_s()
    deadline = time.monotonic() + args.duration
    threads = [
        threading.Thread(target=client_loop, args=(port, path, token, deadline, stats))
        for _ in range(args.clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    machine = machine_busy_s() - machine_before
    cpu = {
        name: sum(process_cpu_s(pids).values()) - cpu_before[name] for name, pids in groups.items()
    }
    done = len(stats.latencies_ms)

    def per_request(seconds: float) -> float | None:
        return round(seconds * 1000 / done, 2) if done else None

    return {
        "rps": round(done / elapsed, 1),
        "p50_ms": round(percentile(stats.latencies_ms, 0.5), 1),
        "p99_ms": round(percentile(stats.latencies_ms, 0.99), 1),
        "server_cpu_ms_per_req": per_request(cpu["server"]),
        "cpu_ms_per_req": {name: per_request(seconds) for name, seconds in cpu.items()}
        | {"machine": per_request(machine)},
        "errors": stats.errors,
    }


def cpu_line(product: dict[str, Any], bare: dict[str, Any]) -> str:
    return " ".join(
        f"{name} {product['cpu_ms_per_req'][name]}/{bare['cpu_ms_per_req'][name]}"
        for name in product["cpu_ms_per_req"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--square-messages", type=int, default=0)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--only", nargs="*", help="endpoint names (default: all)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of an earlier run (no new seed)"
    )
    args = parser.parse_args()

    env = {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings_rest_reads",
        "DJANGO_SECRET_KEY": "benchmark-only-secret",
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
        # The benchmark measures the read path, not the throttle's 429s.
        "DORF_THROTTLE_USER": "100000000/min",
    }
    commands = [["migrate", "-v0"], ["seed_demo", "--residents", str(args.residents)]]
    if args.reuse:
        commands = []
    else:
        print(f"database {args.database_url} (dropped and created afresh)", file=sys.stderr)
        recreate_database(args.database_url)
    for command in commands:
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    setup_django(env)
    setup = prepare(0 if args.reuse else args.square_messages)
    analyze(args.database_url)
    queries = queries_per_request(setup)
    names = args.only or list(setup["endpoints"])

    port = free_port()
    # The server logs a line per request (the product's INFO request log), as it would in
    # production; to a file, not to this benchmark's report.
    server_log = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--workers", "2", "--threads", "4",
            "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=server_log,
        stderr=server_log,
    )  # fmt: skip
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    try:
        wait_for(port, timeout_s=180)
        pids = [server.pid, *children_of(server.pid)]
        for round_ in range(args.rounds):
            for name in names:
                product_path, bare_path = setup["endpoints"][name]
                product = phase(port, pids, product_path, setup["token"], args)
                bare = phase(port, pids, bare_path, setup["token"], args)
                ratio = round(product["rps"] / bare["rps"], 2) if bare["rps"] else None
                results[name].append({"round": round_ + 1, "dorf": product, "bare": bare,
                                      "ratio": ratio})  # fmt: skip
                print(
                    f"round {round_ + 1} {name:14} dorf {product['rps']:7.1f}/s "
                    f"p50 {product['p50_ms']:6.1f} p99 {product['p99_ms']:6.1f} "
                    f"| bare {bare['rps']:7.1f}/s | ratio {ratio} | {queries[name]} queries\n"
                    f"    CPU ms/req dorf/bare: {cpu_line(product, bare)}",
                    file=sys.stderr,
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
    summary = {
        name: {
            "ratio_min": min(r["ratio"] for r in rows),
            "ratio_median": statistics.median(r["ratio"] for r in rows),
            "queries": queries[name],
        }
        for name, rows in results.items()
    }
    print(json.dumps({"residents": args.residents, "square_messages": setup["square_messages"],
                      "load_average": os.getloadavg(), "summary": summary,
                      "rounds": results}))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
