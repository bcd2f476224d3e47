"""The plan made by a real Celery worker process on Redis, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from dorf.deliveries.models import JobStatus, PlanningJob, Route, RouteStatus
from dorf.ledger.models import Transfer
from dorf.villages.models import Village
from tests.deliveries.factories import tomorrow
from tests.deliveries.helpers import accept_pickup_deliver, make_people, register_day

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


@pytest.fixture
def celery_worker_process():
    """A `celery -A config worker --pool=solo` on our Redis and the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DORF_PLANNING_TIME_LIMIT_S": "10",
        "DORF_PLANNING_FIRST_SOLUTION_ONLY": "1",
    }
    celery_app.control.purge()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_makes_the_plan_that_is_then_delivered_and_paid(
    village: Village, client_for, settings, celery_worker_process
) -> None:
    # given: a day registered through the API, and background jobs NOT run inline
    settings.CELERY_TASK_ALWAYS_EAGER = False
    eager_before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        day = register_day(make_people(village), client_for)
        coordinator = client_for(day.coordinator.user)

        # when: the coordinator asks for the plan
        response = coordinator.post(day.url("plans/"), {"date": tomorrow().isoformat()})
        assert response.status_code == 202
        assert response.json()["status"] == "queued"
        job_id = response.json()["id"]

        # then: the worker process solves and stores it
        deadline = time.monotonic() + 15
        job = PlanningJob.objects.get(pk=job_id)
        while job.status in (JobStatus.QUEUED, JobStatus.SOLVING) and time.monotonic() < deadline:
            assert celery_worker_process.poll() is None, celery_worker_process.stdout.read()
            time.sleep(0.2)
            job.refresh_from_db()
        assert job.status == JobStatus.DONE, (job.status, job.error)

        # and the rest of the day works on the routes it stored
        route_id = accept_pickup_deliver(day, client_for, job_id)
        route = Route.objects.get(pk=route_id)
        assert route.status == RouteStatus.COMPLETED
        assert Transfer.objects.filter(link_type="route", link_id=route_id).count() == 1
    finally:
        celery_app.conf.task_always_eager = eager_before
