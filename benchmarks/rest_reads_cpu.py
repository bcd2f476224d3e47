"""In-process CPU per request of benchmarks/rest_reads.py's endpoints, beside their bare views.

No server and no clients: N requests through Django's test client in this process,
product and bare view interleaved round by round, timed by the process's CPU clock, so
the figure moves little with the machine's load. Runs against a database that
``benchmarks.rest_reads`` seeded (``--reuse`` there), e.g.

    REDIS_URL=redis://127.0.0.1:6379/11 nice .venv/bin/python -m benchmarks.rest_reads_cpu \\
        --database-url postgres://postgres@127.0.0.1:5432/dorf_rest_bench --only postings

``--profile NAME`` prints a cProfile of N requests to that endpoint instead.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ledger_bank import setup_django
from benchmarks.rest_reads import prepare


def cpu_ms_per_request(client: Any, url: str, n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:200]!r}")
    return (time.process_time() - started) * 1000 / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=200, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="endpoint names (default: all)")
    parser.add_argument("--profile", help="profile this endpoint instead of timing")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key")
    args = parser.parse_args()
    setup_django(
        {
            "DATABASE_URL": args.database_url,
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings_rest_reads",
            "DJANGO_SECRET_KEY": "benchmark-only-secret",
            "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
            "DORF_THROTTLE_USER": "100000000/min",
        }
    )
    from django.test import Client

    setup = prepare(0)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {setup['token']}")
    endpoints: dict[str, tuple[str, str]] = setup["endpoints"]
    if args.profile:
        url = endpoints[args.profile][0]
        cpu_ms_per_request(client, url, 20)
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        cpu_ms_per_request(client, url, args.requests)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(45)
        return 0
    names = args.only or list(endpoints)
    seen: dict[str, dict[str, list[float]]] = {n: {"dorf": [], "bare": []} for n in names}
    for name in names:  # warm: imports, caches, the token's last-used write
        for url in endpoints[name]:
            cpu_ms_per_request(client, url, 20)
    for _round in range(args.rounds):
        for name in names:
            product_url, bare_url = endpoints[name]
            seen[name]["dorf"].append(cpu_ms_per_request(client, product_url, args.requests))
            seen[name]["bare"].append(cpu_ms_per_request(client, bare_url, args.requests))
    print(f"load average {os.getloadavg()}; median of {args.rounds} rounds x {args.requests}")
    for name in names:
        dorf = statistics.median(seen[name]["dorf"])
        bare = statistics.median(seen[name]["bare"])
        print(f"{name:14} dorf {dorf:6.2f} ms  bare {bare:5.2f} ms  bare/dorf {bare / dorf:4.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
