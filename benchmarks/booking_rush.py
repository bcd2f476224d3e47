"""Booking rush: 200 residents try to book the same 20 town-hall seats at once.

The moment a popular service's slots for the next month open, every resident's app asks
for availability and tries to hold a free seat (5 slots x 4 seats); on a 409 it asks
again and tries another, until it holds one or nothing is left; a resident who holds a
seat confirms it. Runs through gunicorn (WSGI) on a separate PostgreSQL database, then
checks the database for double bookings, and measures a bare-SQL baseline in the same
run: the same insert of a hold into the same table (same partial unique index decides),
from 16 connections, for the same 200 residents on 20 fresh seats.

    nice .venv/bin/python -m benchmarks.booking_rush \
        --database-url postgres://postgres@127.0.0.1:5432/dorf_booking_bench

The database named there is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from benchmarks.ledger_bank import (
    free_port,
    percentile,
    recreate_database,
    request,
    setup_django,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent
SLOTS = 5
SEATS_PER_SLOT = 4


@dataclass
class Rush:
    hold_ms: list[float] = field(default_factory=list)
    availability_ms: list[float] = field(default_factory=list)
    held: int = 0
    confirmed: int = 0
    conflicts: int = 0
    gave_up: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def seed(residents: int) -> dict[str, Any]:
    """A village with a town hall, two identical services (one for the HTTP rush, one for
    the SQL baseline) open on one morning 10 days ahead, and ``residents`` verified
    residents in their own households, each with an API token."""
    from dorf.appointments.models import Bundesland, OpeningRule, Service, TownHall
    from dorf.users.models import User
    from dorf.users.services import token_issue
    from dorf.villages.models import Household, Membership, MembershipState, Village

    village = Village.objects.create(
        name="Rushdorf", slug="rushdorf", centre_lat=50.79, centre_lon=7.87, invite_code="rush"
    )
    TownHall.objects.create(village=village, name="Rathaus", bundesland=Bundesland.NW)
    tz = ZoneInfo(village.timezone)
    day = datetime.now(tz).date() + timedelta(days=10)
    closed = holidays.country_holidays("DE", subdiv="NW", years=[day.year, day.year + 1])
    while day.weekday() >= 5 or day in closed:
        day += timedelta(days=1)
    opens = datetime(day.year, day.month, day.day, 8, 0, tzinfo=tz)
    services = []
    for name in ("Reisepass (HTTP)", "Reisepass (SQL)"):
        service = Service.objects.create(
            village=village, name=name, duration_minutes=15, bookable_days=40
        )
        OpeningRule.objects.create(
            service=service,
            starts_at=opens,
            ends_at=opens + timedelta(minutes=15 * SLOTS),
            slot_minutes=15,
            seats=SEATS_PER_SLOT,
        )
        services.append(service)
    tokens, memberships = [], []
    for index in range(residents):
        user = User.objects.create_user(
            f"rush{index}@example.org", None, first_name="Rush", last_name=str(index)
        )
        household = Household.objects.create(
            village=village,
            street="Ansturmweg",
            house_number=str(index + 1),
            latitude=50.79,
            longitude=7.87,
        )
        membership = Membership.objects.create(
            user=user, village=village, household=household, state=MembershipState.VERIFIED
        )
        memberships.append(membership.pk)
        tokens.append(token_issue(user=user, name="rush")[1])
    return {
        "slug": village.slug,
        "village_id": village.pk,
        "service_id": services[0].pk,
        "sql_service_id": services[1].pk,
        "first_day": day.isoformat(),
        "last_day": (day + timedelta(days=30)).isoformat(),
        "slot_starts": [(opens + timedelta(minutes=15 * i)).astimezone(UTC) for i in range(SLOTS)],
        "tokens": tokens,
        "membership_ids": memberships,
    }


def availability_in_process(
    setup: dict[str, Any], runs: int = 50
) -> tuple[float, float, float, int]:
    """p50 and p95 (ms, wall clock) of the availability of 60 days for a service open
    every weekday 08:00-12:00 and 14:00-18:00 in 15-minute slots, in-process (no HTTP),
    the mean CPU ms of this process per call (what a shared machine does not inflate),
    and the number of slots."""
    from dorf.appointments import selectors
    from dorf.appointments.models import OpeningRule, Service
    from dorf.villages.models import Membership

    service = Service.objects.create(
        village_id=setup["village_id"], name="Bürgerbüro", duration_minutes=15, bookable_days=60
    )
    tz = ZoneInfo("Europe/Berlin")
    for hour in (8, 14):
        first = datetime(2026, 1, 5, hour, 0, tzinfo=tz)
        OpeningRule.objects.create(
            service=service,
            starts_at=first,
            ends_at=first + timedelta(hours=4),
            rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            slot_minutes=15,
        )
    membership = Membership.objects.get(pk=setup["membership_ids"][0])
    today = datetime.now(tz).date()
    durations, count = [], 0
    cpu_started = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        count = len(
            selectors.availability(
                membership=membership,
                service_id=service.pk,
                first_day=today,
                last_day=today + timedelta(days=59),
            )
        )
        durations.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / runs
    return percentile(durations, 0.5), percentile(durations, 0.95), cpu_ms, count


def resident(
    port: int, setup: dict[str, Any], token: str, seed_: int, barrier: threading.Barrier, rush: Rush
) -> None:
    rng = random.Random(seed_)
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/villages/{setup['slug']}/appointments/"
    query = f"service={setup['service_id']}&from={setup['first_day']}&to={setup['last_day']}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    barrier.wait()
    try:
        for _attempt in range(50):
            started = time.perf_counter()
            status, slots = request(conn, "GET", f"{base}availability/?{query}", None, headers)
            with rush.lock:
                rush.availability_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                rush.error(f"availability {status}")
                return
            if not slots:
                with rush.lock:
                    rush.gave_up += 1
                return
            slot = rng.choice(slots)
            started = time.perf_counter()
            status, body = request(
                conn,
                "POST",
                f"{base}holds/",
                {"service": setup["service_id"], "starts_at": slot["starts_at"]},
                headers,
            )
            elapsed = (time.perf_counter() - started) * 1000
            with rush.lock:
                rush.hold_ms.append(elapsed)
                if status == 201:
                    rush.held += 1
                elif status == 409:
                    rush.conflicts += 1
            if status == 409:
                continue
            if status != 201:
                rush.error(f"hold {status}")
                return
            status, _ = request(conn, "POST", f"{base}{body['id']}/confirm/", None, headers)
            if status == 200:
                with rush.lock:
                    rush.confirmed += 1
            else:
                rush.error(f"confirm {status}")
            return
    except (OSError, http.client.HTTPException, ValueError) as exc:
        rush.error(type(exc).__name__)
    finally:
        conn.close()


def double_bookings(url: str, service_id: int) -> tuple[int, int]:
    """(seats taken twice, slots with more active appointments than seats)."""
    import psycopg

    with psycopg.connect(url) as conn:
        twice = conn.execute(
            "SELECT count(*) FROM (SELECT slot_start, seat FROM appointments_appointment"
            " WHERE service_id = %s AND status IN ('held', 'confirmed')"
            " GROUP BY slot_start, seat HAVING count(*) > 1) t",
            [service_id],
        ).fetchone()
        over = conn.execute(
            "SELECT count(*) FROM (SELECT slot_start FROM appointments_appointment"
            " WHERE service_id = %s AND status IN ('held', 'confirmed')"
            " GROUP BY slot_start HAVING count(*) > %s) t",
            [service_id, SEATS_PER_SLOT],
        ).fetchone()
    assert twice is not None
    assert over is not None
    return int(twice[0]), int(over[0])


def sql_baseline(url: str, setup: dict[str, Any], connections: int) -> dict[str, Any]:
    """Every resident tries random seats of the 20 with a bare INSERT (the partial unique
    index refuses a taken seat) until one succeeds or all are gone: no HTTP, no Django,
    no rules, no household limit."""
    import psycopg

    service_id = setup["sql_service_id"]
    members = list(setup["membership_ids"])
    seats = [(s, n) for s in setup["slot_starts"] for n in range(1, SEATS_PER_SLOT + 1)]
    latencies: list[float] = []
    outcome = {"held": 0, "conflicts": 0}
    lock = threading.Lock()
    taken: set[tuple[datetime, int]] = set()

    def worker(index: int) -> None:
        rng = random.Random(index)
        with psycopg.connect(url, autocommit=True) as conn:
            for member in members[index::connections]:
                while True:
                    with lock:
                        free = [s for s in seats if s not in taken]
                    if not free:
                        break
                    slot_start, seat = rng.choice(free)
                    started = time.perf_counter()
                    row = conn.execute(
                        "INSERT INTO appointments_appointment (village_id, service_id,"
                        " membership_id, slot_start, slot_end, seat, status,"
                        " hold_expires_at, from_waitlist, sequence, note, created_at,"
                        " updated_at) VALUES (%s, %s, %s, %s, %s, %s, 'held',"
                        " now() + interval '10 minutes', false, 0, '', now(), now())"
                        " ON CONFLICT DO NOTHING RETURNING id",
                        [
                            setup["village_id"],
                            service_id,
                            member,
                            slot_start,
                            slot_start + timedelta(minutes=15),
                            seat,
                        ],
                    ).fetchone()
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        latencies.append(elapsed)
                        taken.add((slot_start, seat))
                        outcome["held" if row else "conflicts"] += 1
                    if row:
                        break

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {**outcome, "latencies": latencies, "wall_s": wall}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/dorf_booking_bench"
    )
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=3, help="gunicorn threads per worker")
    parser.add_argument("--sql-connections", type=int, default=16)
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
    setup = seed(args.residents)
    p50, p95, cpu_ms, count = availability_in_process(setup)
    print(
        f"availability of 60 days in-process: {count} slots, p50 {p50:.1f} ms,"
        f" p95 {p95:.1f} ms (wall), CPU {cpu_ms:.1f} ms per call; load {os.getloadavg()[0]:.1f}"
    )
    from django.db import connection

    connection.close()

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
        wait_for(port, timeout_s=180)
        rush = Rush()
        barrier = threading.Barrier(args.residents)
        threads = [
            threading.Thread(
                target=resident, args=(port, setup, token, index, barrier, rush), daemon=True
            )
            for index, token in enumerate(setup["tokens"])
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    seats = SLOTS * SEATS_PER_SLOT
    twice, over = double_bookings(args.database_url, setup["service_id"])
    print(
        f"HTTP rush: {args.residents} residents, {seats} seats, gunicorn"
        f" {args.workers}x{args.threads}, {wall:.1f} s until everyone was done"
    )
    print(
        f"  holds 201: {rush.held} (confirmed {rush.confirmed}), 409: {rush.conflicts},"
        f" sold out without a seat: {rush.gave_up}, errors: {rush.errors or 0}"
    )
    print(
        f"  hold p50 {percentile(rush.hold_ms, 0.5):.0f} ms, p99"
        f" {percentile(rush.hold_ms, 0.99):.0f} ms; availability p50"
        f" {percentile(rush.availability_ms, 0.5):.0f} ms, p99"
        f" {percentile(rush.availability_ms, 0.99):.0f} ms"
    )
    print(f"  double bookings: {twice} seats twice, {over} slots over capacity")
    baseline = sql_baseline(args.database_url, setup, args.sql_connections)
    twice_sql, over_sql = double_bookings(args.database_url, setup["sql_service_id"])
    print(
        f"bare SQL baseline ({args.sql_connections} connections, INSERT ... ON CONFLICT DO"
        f" NOTHING): {baseline['held']} held, {baseline['conflicts']} refused,"
        f" p50 {percentile(baseline['latencies'], 0.5):.1f} ms,"
        f" p99 {percentile(baseline['latencies'], 0.99):.1f} ms,"
        f" {baseline['wall_s']:.2f} s; double bookings {twice_sql + over_sql}"
    )
    ok = rush.held == seats and twice == over == 0 and not rush.errors
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
