"""Ledger bank benchmark (Jepsen-style bank workload over HTTP).

Starts gunicorn (WSGI, several workers) on a separate PostgreSQL database, seeds eight hot
member accounts, and runs 16 concurrent HTTP clients for a while: 80 % payments between
random hot accounts, 20 % reads of every balance (the moderator account list), each of
which must sum to 0. Then it runs the ledger audit and measures a bare-SQL baseline of the
same transfer (psycopg: same row locks in pk order, same inserts and updates, same
database triggers) to show what the Django stack costs.

    nice .venv/bin/python benchmarks/ledger_bank.py \
        --database-url postgres://postgres@127.0.0.1:5432/dorf_ledger_bench

The database named there is dropped and created afresh. The default gunicorn shape,
3 workers x 3 threads (gthread, keep-alive), did best on the 2-core machine
(docs/benchmarks.md, "Ledger").
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
HOT_ACCOUNTS = 8
FUNDING_MINUTES = 600


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    committed: int = 0
    refused: int = 0
    reads: int = 0
    bad_reads: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed() -> dict[str, Any]:
    """Eight funded hot members and a moderator, each with an API token."""
    from dorf.ledger import services
    from dorf.ledger.models import TransferKind
    from dorf.users.models import User
    from dorf.users.services import token_issue
    from dorf.villages.models import Membership, MembershipState, Role, Village

    village = Village.objects.create(
        name="Benchdorf",
        slug="benchdorf",
        centre_lat=50.79,
        centre_lon=7.87,
        invite_code="bench",
        credit_limit_minutes=-600,
        max_transfer_minutes=1200,
    )
    members, tokens = [], []
    for index in range(HOT_ACCOUNTS + 1):
        user = User.objects.create_user(
            f"bench{index}@example.org", None, first_name="Bench", last_name=str(index)
        )
        role = Role.MODERATOR if index == HOT_ACCOUNTS else Role.RESIDENT
        membership = Membership.objects.create(
            user=user, village=village, role=role, state=MembershipState.VERIFIED
        )
        tokens.append(token_issue(user=user, name="bench")[1])
        members.append(membership)
    community = services.community_account(village)
    account_ids = []
    for membership in members[:HOT_ACCOUNTS]:
        account = services.account_for_membership(membership)
        account_ids.append(account.pk)
        services.transfer_create(
            village=village,
            kind=TransferKind.DELIVERY,
            legs=[(community, -FUNDING_MINUTES), (account, FUNDING_MINUTES)],
            memo="Startguthaben",
            idempotency_key=f"seed:{membership.pk}",
            created_by=None,
        )
    return {
        "village_id": village.pk,
        "slug": village.slug,
        "member_ids": [m.pk for m in members[:HOT_ACCOUNTS]],
        "account_ids": account_ids,
        "community_id": community.pk,
        "tokens": tokens[:HOT_ACCOUNTS],
        "moderator_token": tokens[HOT_ACCOUNTS],
    }


def wait_for(port: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            status, _body = request(
                http.client.HTTPConnection("127.0.0.1", port, timeout=1),
                "GET",
                "/healthz",
                None,
                {},
            )
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not come up")


def request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    headers: dict[str, str],
) -> tuple[int, Any]:
    """One request on a kept connection (http.client: a light client leaves the two
    cores to the server). gunicorn's sync workers close after each response; http.client
    then reconnects by itself."""
    payload = json.dumps(body).encode() if body is not None else None
    if payload is not None:
        headers = {**headers, "Content-Type": "application/json"}
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        conn.close()
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
    data = response.read()
    if response.will_close:
        conn.close()
    return response.status, json.loads(data) if data else None


def http_client(
    port: int, setup: dict[str, Any], deadline: float, seed_: int, stats: Stats
) -> None:
    rng = random.Random(seed_)
    slug = setup["slug"]
    members = list(zip(setup["member_ids"], setup["tokens"], strict=True))
    moderator = {"Authorization": f"Bearer {setup['moderator_token']}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            if rng.random() < 0.8:
                (_payer_id, token), (payee_id, _t) = rng.sample(members, 2)
                status, _body = request(
                    conn,
                    "POST",
                    f"/api/v1/villages/{slug}/ledger/payments/",
                    {
                        "payee_membership_id": payee_id,
                        "minutes": rng.randint(1, 120),
                        "memo": "Bank",
                    },
                    {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
                )
                elapsed = (time.perf_counter() - started) * 1000
                with stats.lock:
                    stats.latencies_ms.append(elapsed)
                    if status == 201:
                        stats.committed += 1
                    elif status == 400:
                        stats.refused += 1
                if status not in (201, 400):
                    stats.error(f"payment {status}")
            else:
                status, body = request(
                    conn,
                    "GET",
                    f"/api/v1/villages/{slug}/ledger/accounts/?page_size=500",
                    None,
                    moderator,
                )
                total = sum(a["balance_minutes"] for a in body["results"])
                with stats.lock:
                    stats.reads += 1
                    if total != 0:
                        stats.bad_reads += 1
        except (OSError, http.client.HTTPException, ValueError) as exc:
            stats.error(type(exc).__name__)
    conn.close()


def process_cpu_s(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def children_of(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return pids


def database_backends(url: str) -> list[int]:
    """PostgreSQL backend pids connected to the benchmark database (local server)."""
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return [int(row[0]) for row in rows]


def sql_baseline(url: str, setup: dict[str, Any], clients: int, duration_s: float) -> float:
    """The same transfer in bare SQL: lock both accounts in pk order, look up the key,
    insert the transfer and its two entries, update both balances, commit."""
    import psycopg

    accounts = setup["account_ids"]
    village_id = setup["village_id"]
    done = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + duration_s

    def worker(seed_: int) -> None:
        rng = random.Random(seed_)
        with psycopg.connect(url) as conn:
            while time.monotonic() < deadline:
                payer, payee = rng.sample(accounts, 2)
                minutes = rng.randint(1, 120)
                key = f"sql:{uuid.uuid4().hex}"
                with conn.transaction():
                    rows = conn.execute(
                        "SELECT id, balance_minutes FROM ledger_account WHERE id = ANY(%s)"
                        " ORDER BY id FOR UPDATE",
                        [[payer, payee]],
                    ).fetchall()
                    balances: dict[int, int] = dict(rows)
                    conn.execute(
                        "SELECT id FROM ledger_transfer WHERE village_id = %s"
                        " AND idempotency_key = %s",
                        [village_id, key],
                    ).fetchone()
                    if balances[payer] - minutes < -600:
                        continue
                    inserted = conn.execute(
                        "INSERT INTO ledger_transfer (village_id, kind, memo, idempotency_key,"
                        " request_hash, link_type, created_at) VALUES"
                        " (%s, 'payment', 'Bank', %s, '', '', now()) RETURNING id",
                        [village_id, key],
                    ).fetchone()
                    assert inserted is not None
                    transfer_id = inserted[0]
                    new_payer, new_payee = balances[payer] - minutes, balances[payee] + minutes
                    conn.execute(
                        "INSERT INTO ledger_entry (transfer_id, account_id, minutes,"
                        " balance_after_minutes) VALUES (%s, %s, %s, %s), (%s, %s, %s, %s)",
                        [
                            transfer_id,
                            payer,
                            -minutes,
                            new_payer,
                            transfer_id,
                            payee,
                            minutes,
                            new_payee,
                        ],
                    )
                    conn.execute(
                        "UPDATE ledger_account SET balance_minutes = CASE id WHEN %s THEN %s"
                        " ELSE %s END WHERE id IN (%s, %s)",
                        [payer, new_payer, new_payee, payer, payee],
                    )
                with lock:
                    done[0] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / duration_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/dorf_ledger_bench"
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=3, help="gunicorn threads per worker")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--sql-duration", type=float, default=10.0)
    args = parser.parse_args()

    env = {
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "benchmark-only-secret",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DORF_THROTTLE_USER": "1000000/min",
        "DORF_LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
    }
    print(f"database {args.database_url} (dropped and created afresh)")
    recreate_database(args.database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )
    setup_django(env)
    setup = seed()
    from django.db import connection

    connection.close()  # the database CPU below is the server's alone

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    try:
        wait_for(port)
        # CPU per request of the server processes: a figure that, unlike transfers/s,
        # hardly moves with what else the machine is doing.
        server_pids = [server.pid, *children_of(server.pid)]
        cpu_before = process_cpu_s(server_pids)
        client_cpu_before = time.process_time()
        stats = Stats()
        deadline = time.monotonic() + args.duration
        threads = [
            threading.Thread(target=http_client, args=(port, setup, deadline, i, stats))
            for i in range(args.clients)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        cpu_after = process_cpu_s(server_pids)
        client_cpu = time.process_time() - client_cpu_before
        backends = database_backends(args.database_url)
        database_cpu = sum(process_cpu_s(backends).values())
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    from dorf.ledger.audit import audit_village
    from dorf.ledger.models import Transfer
    from dorf.villages.models import Village

    connection.close()
    village = Village.objects.get(pk=setup["village_id"])
    stored = Transfer.objects.filter(village=village, kind="payment").count()
    report = audit_village(village)
    tps = stats.committed / elapsed
    print(
        f"\nHTTP: {args.clients} clients, gunicorn {args.workers} workers x {args.threads} "
        f"threads, {elapsed:.1f} s"
    )
    print(
        f"  committed transfers: {stats.committed} ({tps:.1f}/s); refused at the credit "
        f"limit: {stats.refused}; in the database: {stored}"
    )
    print(
        f"  payment latency p50 {percentile(stats.latencies_ms, 0.5):.1f} ms, "
        f"p99 {percentile(stats.latencies_ms, 0.99):.1f} ms, "
        f"mean {statistics.fmean(stats.latencies_ms or [0]):.1f} ms"
    )
    print(f"  balance reads: {stats.reads}, reads not summing to 0: {stats.bad_reads}")
    requests = len(stats.latencies_ms) + stats.reads
    server_cpu = sum(cpu_after[pid] - cpu_before.get(pid, 0) for pid in cpu_after)
    print(
        f"  CPU per request: gunicorn {server_cpu / requests * 1000:.2f} ms, PostgreSQL "
        f"backends {database_cpu / requests * 1000:.2f} ms, the clients "
        f"{client_cpu / requests * 1000:.2f} ms ({requests} requests, "
        f"{stats.reads} of them reads)"
    )
    print(f"  errors: {stats.errors or 'none'}")
    print(
        f"  audit: {report.accounts} accounts, {report.transfers} transfers, "
        f"{len(report.violations)} violations"
    )
    for violation in report.violations[:10]:
        print(f"    - {violation}")

    connection.close()
    sql_tps = sql_baseline(args.database_url, setup, args.clients, args.sql_duration)
    after = audit_village(village)
    print(
        f"\nbare SQL baseline (psycopg, {args.clients} connections, {args.sql_duration:.0f} s):"
        f" {sql_tps:.1f} transfers/s; audit afterwards: {len(after.violations)} violations"
    )
    print(f"ratio HTTP/SQL: {tps / sql_tps:.2f} (the stack keeps {tps / sql_tps:.0%} of bare SQL)")
    ok = (
        stats.committed == stored
        and not report.violations
        and not after.violations
        and not stats.bad_reads
        and not stats.errors
    )
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
