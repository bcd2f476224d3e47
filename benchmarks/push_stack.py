"""What the push benchmarks share: a fresh VAPID key pair and the environment that points
the product at the local fake push service (set before ``django.setup()``), and real Celery
workers on Redis. Imports no Django, so it can run before the settings are read."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid

ROOT = Path(__file__).resolve().parents[1]


def configure_push_environment(*, queue: str) -> tuple[str, str]:
    """A new VAPID pair (private, public; base64url) and the settings' environment for it:
    the fake on 127.0.0.1 allowed, tasks through the broker on a queue of their own (tests
    with their own workers may share the Redis)."""
    vapid = Vapid()
    vapid.generate_keys()
    private = (
        base64.urlsafe_b64encode(
            vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
        )
        .rstrip(b"=")
        .decode()
    )
    public = (
        base64.urlsafe_b64encode(
            vapid.public_key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
        .rstrip(b"=")
        .decode()
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret")
    os.environ["DORF_VAPID_PRIVATE_KEY"] = private
    os.environ["DORF_PUSH_ALLOW_PRIVATE_ENDPOINTS"] = "1"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", queue)
    return private, public


def start_workers(celery_app: Any, concurrency: int) -> subprocess.Popen[bytes]:
    """Real Celery worker processes on the configured broker, started once they answer."""
    celery_app.control.purge()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            f"--concurrency={concurrency}", "--loglevel=WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT,
        env={**os.environ},
    )  # fmt: skip
    # Under a load average of 15 a worker's start (Django, every app) can take a minute.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if celery_app.control.ping(timeout=1.0):
            return process
    process.terminate()
    sys.exit("the Celery worker did not start")


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


def worker_pids(process: subprocess.Popen[bytes]) -> list[int]:
    """The Celery main process and its pool processes."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    try:
        return [process.pid, *(int(pid) for pid in children.read_text().split())]
    except OSError:
        return [process.pid]
