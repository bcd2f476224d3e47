"""`make run` without Redis still runs the periodic schedule: a Celery worker with beat
exchanges its messages through files (kombu's filesystem transport), no server needed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from celery import Celery
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_with_beat_on_the_embedded_broker_runs_what_is_sent_to_it(tmp_path: Path) -> None:
    # given a worker with beat started as scripts/run.sh starts it without Redis
    broker = tmp_path / "celery"
    for folder in ("queue", "control"):
        (broker / folder).mkdir(parents=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_DEBUG="1",
        DORF_CELERY_BROKER_FOLDER=str(broker),
        DORF_SQLITE_PATH=str(tmp_path / "demo.sqlite3"),
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--pool=solo",
             "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        # when a task is published on the same file broker (as beat publishes its entries)
        sender = Celery(
            broker="filesystem://",
            broker_transport_options={
                "data_folder_in": str(broker / "queue"),
                "data_folder_out": str(broker / "queue"),
                "control_folder": str(broker / "control"),
            },
        )
        result = sender.send_task("celery.backend_cleanup")
        # then the worker receives and runs it, and beat is running beside it
        deadline = time.monotonic() + 60
        text = ""
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace")
            if f"{result.id}] succeeded" in text:
                break
            assert worker.poll() is None, text
            time.sleep(0.2)
        assert f"{result.id}] succeeded" in text, text
        assert "beat: Starting" in text
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_the_demo_settings_choose_the_file_broker_without_redis() -> None:
    # The test settings may run on Redis; the rule itself lives in config/settings.py.
    assert settings.CELERY_BROKER_URL in {"filesystem://", settings.REDIS_URL}
