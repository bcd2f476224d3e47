"""Open311 benchmark: POST requests against a bare Django insert, and GET requests.

Starts gunicorn (WSGI) on a separate PostgreSQL database holding one village with 10,000
public reports spread over the last 90 days, then runs three phases of 16 concurrent HTTP
clients each:

1. ``POST /open311/v2/requests.json`` (form-encoded, API key, e-mail reporter, one
   required attribute, no photos): the whole product path — key check, category and
   attribute validation, location check, rate limits, insert with history row, staff
   notification, receipt e-mail (dummy backend);
2. ``POST /bench/bare-insert/``: a bare Django view in the same server doing the same
   insert (form parse, category lookup, ``Report.objects.create``) and nothing else —
   the baseline. It lives in ``benchmarks/open311_urls.py``, never in the product's urls;
3. ``GET /bench/bare-list/``: the GET baseline, a bare Django view in the same server
   that runs the product's query for the same 100 rows and answers them as JSON as they
   come (``benchmarks/open311_urls.py``);
4. ``GET /open311/v2/requests.json`` and ``.xml`` of the village: its default page (the
   newest 100 of the last 90 days), and the largest page (``page_size=1000``).

Each phase prints requests/s, p50/p95/p99 latency and the CPU per request of the gunicorn
workers and of their PostgreSQL backends (from /proc): on a shared machine the latencies
follow the other sessions' load, the CPU figures much less.

``--only get`` skips the two POST phases (for re-measuring the reads). After seeding the
tables are ANALYZEd, as autovacuum does to a production table: without statistics the
planner takes a freshly bulk-loaded table for nearly empty.

    nice .venv/bin/python benchmarks/open311_reports.py \
        --database-url postgres://postgres@127.0.0.1:5432/dorf_open311_bench

The database named there is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ledger_bank import (
    children_of,
    database_backends,
    free_port,
    percentile,
    process_cpu_s,
    recreate_database,
    setup_django,
)

ROOT = Path(__file__).resolve().parent.parent
REPORTS = 10_000
SLUG = "benchdorf"


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, elapsed_ms: float) -> None:
        with self.lock:
            self.latencies_ms.append(elapsed_ms)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def seed() -> str:
    """The village, a category with a required attribute, staff, an API key and 10,000
    public reports (bulk-inserted: seeding is not what is measured)."""
    from datetime import timedelta

    from django.utils import timezone

    from dorf.reports import services
    from dorf.reports.models import Report, ReportStatus
    from dorf.users.models import User
    from dorf.villages.models import Membership, MembershipState, Role, Village

    village = Village.objects.create(
        name="Benchdorf", slug=SLUG, centre_lat=50.79, centre_lon=7.87, invite_code="bench"
    )
    user = User.objects.create_user(
        "staff@bench.example", None, first_name="Bench", last_name="Staff"
    )
    staff = Membership.objects.create(
        user=user, village=village, role=Role.STAFF, state=MembershipState.VERIFIED
    )
    category = services.category_create(
        actor=staff,
        code="laterne",
        name="Straßenbeleuchtung",
        responsible_team="Bauhof",
        attributes=[
            {"code": "mast", "description": "Mastnummer", "datatype": "string", "required": True}
        ],
    )
    _key, raw = services.api_key_issue(actor=staff, name="Bench")
    rng = random.Random(1)
    now = timezone.now()
    statuses = [s for s in ReportStatus.values if s != ReportStatus.DUPLICATE]
    reports = []
    for index in range(REPORTS):
        status = rng.choice(statuses)
        reports.append(
            Report(
                village=village,
                category=category,
                description=f"Laterne {index} ist defekt.",
                latitude=50.79 + rng.uniform(-0.01, 0.01),
                longitude=7.87 + rng.uniform(-0.01, 0.01),
                address=f"Lindenweg {index % 200}",
                attributes={"mast": f"{index:04d}"},
                status=status,
                status_notes="Erledigt." if status == "fixed" else "",
                reporter_email=f"r{index}@bench.example",
                closed_at=now if status == "closed" else None,
            )
        )
    Report.objects.bulk_create(reports, batch_size=1000)
    # Spread over the last 90 days (auto_now_add ignores a given created_at), newest last.
    from django.db import connection

    spread: list[Any] = [now - timedelta(days=90), timedelta(days=90) / REPORTS]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_report SET created_at = %s + (id - (SELECT min(id) FROM"
            " reports_report)) * %s",
            spread,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return raw


def wait_for(port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not come up")


def client(
    port: int, deadline: float, seed_: int, stats: Stats, method: str, path: str, form: Any
) -> None:
    rng = random.Random(seed_)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    counter = 0
    while time.monotonic() < deadline:
        counter += 1
        headers = {}
        body = None
        if form is not None:
            fields = form(rng, seed_, counter)
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            stats.error(type(exc).__name__)
            continue
        stats.add(response.status, (time.perf_counter() - started) * 1000)
    conn.close()


def run_phase(
    port: int, clients: int, duration_s: float, method: str, path: str, form: Any = None
) -> tuple[Stats, float]:
    stats = Stats()
    deadline = time.monotonic() + duration_s
    threads = [
        threading.Thread(target=client, args=(port, deadline, i, stats, method, path, form))
        for i in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats, time.monotonic() - started


def summary(name: str, stats: Stats, elapsed: float) -> str:
    lat = stats.latencies_ms
    return (
        f"  {name:<34} {len(lat) / elapsed:7.1f} req/s  p50 {percentile(lat, 0.5):6.1f} ms"
        f"  p95 {percentile(lat, 0.95):6.1f} ms  p99 {percentile(lat, 0.99):6.1f} ms"
        f"  statuses {dict(sorted(stats.statuses.items()))}"
        + (f"  errors {stats.errors}" if stats.errors else "")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/dorf_open311_bench"
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=3, help="gunicorn threads per worker")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase")
    parser.add_argument("--only", choices=("post", "get"), help="run only these phases")
    args = parser.parse_args()

    env = {
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings_open311",
        "DJANGO_SECRET_KEY": "benchmark-only-secret",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DORF_THROTTLE_ANON": "1000000/min",
        "DORF_REPORTS_PER_REPORTER_PER_HOUR": "1000000",
        "DORF_OPEN311_REQUESTS_PER_KEY_PER_HOUR": "1000000",
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
    seeded = time.monotonic()
    api_key = seed()
    print(f"seeded {REPORTS} reports in {time.monotonic() - seeded:.1f} s")
    from django.db import connection

    connection.close()

    def open311_form(rng: random.Random, client_id: int, n: int) -> dict[str, str]:
        return {
            "api_key": api_key,
            "jurisdiction_id": SLUG,
            "service_code": "laterne",
            "lat": f"{50.79 + rng.uniform(-0.005, 0.005):.6f}",
            "long": f"{7.87 + rng.uniform(-0.005, 0.005):.6f}",
            "email": f"c{client_id}-{n}@bench.example",
            "description": "Die Laterne brennt nicht.",
            "attribute[mast]": f"{n:04d}",
        }

    def bare_form(rng: random.Random, client_id: int, n: int) -> dict[str, str]:
        form = open311_form(rng, client_id, n)
        return {
            k: form[k]
            for k in ("jurisdiction_id", "service_code", "lat", "long", "email", "description")
        }

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
    results = []
    try:
        wait_for(port)
        # Warm every worker (imports, connections) before measuring.
        run_phase(
            port, args.clients, 2.0, "GET", f"/open311/v2/services.json?jurisdiction_id={SLUG}"
        )
        pids = [server.pid, *children_of(server.pid)]
        load_before = os.getloadavg()
        get = f"/open311/v2/requests.{{}}?jurisdiction_id={SLUG}"
        phases = [
            ("POST requests.json (Open311)", "POST", "/open311/v2/requests.json", open311_form),
            ("POST bare insert view (baseline)", "POST", "/bench/bare-insert/", bare_form),
            (
                "GET bare list view (baseline)",
                "GET",
                f"/bench/bare-list/?jurisdiction_id={SLUG}",
                None,
            ),
            ("GET requests.json (page of 100)", "GET", get.format("json"), None),
            ("GET requests.xml (page of 100)", "GET", get.format("xml"), None),
            (
                "GET requests.json?page_size=1000",
                "GET",
                get.format("json") + "&page_size=1000",
                None,
            ),
        ]
        if args.only:
            phases = [p for p in phases if p[1] == args.only.upper()]
        for name, method, path, form in phases:
            backends = database_backends(args.database_url)
            cpu_before = process_cpu_s(pids)
            db_before = process_cpu_s(backends)
            stats, elapsed = run_phase(port, args.clients, args.duration, method, path, form)
            cpu_after = process_cpu_s(pids)
            # The workers' connections persist; one opened during the phase counts from 0.
            backends = sorted({*backends, *database_backends(args.database_url)})
            db_after = process_cpu_s(backends)
            cpu = sum(cpu_after[p] - cpu_before.get(p, 0) for p in cpu_after)
            db_cpu = sum(db_after[p] - db_before.get(p, 0) for p in db_after)
            results.append((name, stats, elapsed, cpu, db_cpu))
        load_after = os.getloadavg()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(
        f"\n{args.clients} clients, gunicorn {args.workers} workers x {args.threads} threads, "
        f"{args.duration:.0f} s per phase; load average before {load_before[0]:.2f}, "
        f"after {load_after[0]:.2f} (1 min), {os.cpu_count()} cores"
    )
    for name, stats, elapsed, cpu, db_cpu in results:
        print(summary(name, stats, elapsed))
        if stats.latencies_ms:
            count = len(stats.latencies_ms)
            print(
                f"  {'':<34} CPU per request: gunicorn {cpu / count * 1000:.2f} ms,"
                f" PostgreSQL {db_cpu / count * 1000:.2f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
