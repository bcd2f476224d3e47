"""Where a payment's CPU goes: one request at a time, in-process, no concurrency.

Seeds the same village as ``ledger_bank.py`` on a fresh database, then books payments in
a loop three ways and prints the CPU time (``time.process_time``, this process only: the
PostgreSQL server's share is not in it) and the SQL statements per payment:

* ``service``: ``services.payment_create`` (what other apps and the view call),
* ``request``: ``POST …/ledger/payments/`` through Django's test client (middleware,
  token auth, throttle, membership lookup, serializers, rendering),
* ``read``: ``GET …/ledger/accounts/`` as the moderator (the benchmark's 20 %).

``--profile service|request`` adds a cProfile of that loop, sorted by cumulative time.

    .venv/bin/python -m benchmarks.ledger_profile \
        --database-url postgres://postgres@127.0.0.1:5432/dorf_ledger_profile -n 500
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from benchmarks.ledger_bank import ROOT, recreate_database, seed, setup_django


def measure(
    label: str, count: int, step: Callable[[int], None], profile: bool, sort: str = "cumulative"
) -> None:
    from django.db import connection

    for index in range(min(50, count)):  # warm up: imports, caches, connection
        step(-1 - index)
    statements = [0]

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[0] += 1
        return execute(sql, params, many, context)

    profiler = cProfile.Profile(time.process_time) if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counting):
        if profiler:
            profiler.enable()
        for index in range(count):
            step(index)
        if profiler:
            profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    queries = statements[0]
    print(
        f"{label:8s} {count} ops: {cpu / count * 1000:6.2f} ms CPU/op, "
        f"{wall / count * 1000:6.2f} ms wall/op, {queries / count:4.1f} SQL/op"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats(sort).print_stats(60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/dorf_ledger_profile"
    )
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--profile", choices=["service", "request", "read"], default=None)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (tottime, …)")
    parser.add_argument("--show-sql", action="store_true", help="print one payment's SQL")
    args = parser.parse_args()
    env = {
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "benchmark-only-secret",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
        "DORF_THROTTLE_USER": "1000000/min",
        "DORF_LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
    }
    recreate_database(args.database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )
    setup_django(env)
    setup = seed()

    from django.db import connection, reset_queries
    from django.test import Client

    from dorf.ledger import services
    from dorf.ledger.audit import audit_village
    from dorf.villages.models import Membership, Village

    rng = random.Random(1)
    members = list(
        Membership.objects.filter(pk__in=setup["member_ids"]).select_related("village", "user")
    )
    by_id = dict(zip(setup["member_ids"], setup["tokens"], strict=True))

    def service_step(_index: int) -> None:
        payer, payee = rng.sample(members, 2)
        services.payment_create(
            payer=payer,
            payee_membership_id=payee.pk,
            minutes=rng.randint(1, 60),
            memo="Bank",
            idempotency_key=uuid.uuid4().hex,
        )

    client = Client()
    slug = setup["slug"]

    def request_step(_index: int) -> None:
        payer, payee = rng.sample(members, 2)
        response = client.post(
            f"/api/v1/villages/{slug}/ledger/payments/",
            {"payee_membership_id": payee.pk, "minutes": rng.randint(1, 60), "memo": "Bank"},
            content_type="application/json",
            headers={
                "Authorization": f"Bearer {by_id[payer.pk]}",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )
        assert response.status_code in (201, 400), response.content

    moderator = {"Authorization": f"Bearer {setup['moderator_token']}"}

    def read_step(_index: int) -> None:
        response = client.get(
            f"/api/v1/villages/{slug}/ledger/accounts/?page_size=500", headers=moderator
        )
        assert response.status_code == 200, response.content

    steps: dict[str, Callable[[int], None]] = {
        "service": service_step,
        "request": request_step,
        "read": read_step,
    }
    if args.show_sql:
        connection.force_debug_cursor = True
        for label, step in steps.items():
            if label == "read":
                continue
            reset_queries()
            step(0)
            print(f"--- {label}")
            for query in connection.queries:
                print("  ", query["sql"][:300])
        connection.force_debug_cursor = False

    for label, step in steps.items():
        measure(label, args.n, step, args.profile == label, args.sort)
    report: Any = audit_village(Village.objects.get(pk=setup["village_id"]))
    print(f"audit: {report.transfers} transfers, {len(report.violations)} violations")
    return 1 if report.violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
