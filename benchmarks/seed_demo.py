"""``manage.py seed_demo --residents N`` on PostgreSQL, beside a restore of the same data.

Migrates a template database once, then per round: copies it, runs the README's command
(``manage.py seed_demo --residents N``, a subprocess as a user would run it) and times it
(wall and CPU of the command), dumps the seeded database and times ``pg_restore`` of that
dump into an empty database: the same rows written without any of our code, the
baseline of the same run. Goal (issue 22, item 5): 5,000 residents within 15 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dorf_seed_bench \\
        nice .venv/bin/python benchmarks/seed_demo.py --residents 5000 --rounds 2

The database named there (and ``<name>_tpl``, ``<name>_restore``) is dropped and
created afresh; ``--template <db>`` copies an already migrated database instead of
migrating ``<name>_tpl``. No REDIS_URL: the command as the README shows it (in-memory layer,
background jobs inline).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def admin_sql(url: str, statement: str) -> None:
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(statement)  # names are ours, not input


def recreate(url: str, name: str, template: str | None = None) -> str:
    admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    suffix = f' TEMPLATE "{template}"' if template else ""
    admin_sql(url, f'CREATE DATABASE "{name}"{suffix}')
    return urlparse(url)._replace(path=f"/{name}").geturl()


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--template", help="an already migrated database to copy (default: migrate one)"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database the benchmark may drop.")
    name = urlparse(url).path.lstrip("/")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SECRET_KEY")}
    python = str(ROOT / ".venv" / "bin" / "python")

    template = args.template
    if template is None:
        template = f"{name}_tpl"
        env["DATABASE_URL"] = recreate(url, template)
        print(f"migrating the template {template} (load {load()})", flush=True)
        timed([python, "manage.py", "migrate", "-v0"], env)

    for round_no in range(1, args.rounds + 1):
        env["DATABASE_URL"] = recreate(url, name, template)
        print(f"round {round_no}: load average {load()}", flush=True)
        wall, cpu = timed(
            [python, "manage.py", "seed_demo", "--residents", str(args.residents)], env
        )
        print(
            f"  seed_demo --residents {args.residents}: {wall:6.2f} s wall, "
            f"{cpu:6.2f} s CPU of the command (load {load()})",
            flush=True,
        )
        with tempfile.TemporaryDirectory() as tmp:
            dump = Path(tmp) / "seeded.dump"
            subprocess.run(["pg_dump", "-Fc", "-f", str(dump), env["DATABASE_URL"]], check=True)
            target = recreate(url, f"{name}_restore")
            restore_wall, _cpu = timed(["pg_restore", "--no-owner", "-d", target, str(dump)], env)
        print(
            f"  pg_restore of the same data:   {restore_wall:6.2f} s wall "
            f"-> seed_demo x{wall / restore_wall:.1f} the restore (load {load()})",
            flush=True,
        )
    admin_sql(url, f'DROP DATABASE IF EXISTS "{name}_restore" WITH (FORCE)')


if __name__ == "__main__":
    main()
