"""Push through a real Celery worker process on Redis: a retry never delivers twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from kombu import Queue

from config.celery import app as celery_app
from dorf.notifications import tasks
from dorf.notifications.models import Category, Delivery, DeliveryState
from dorf.notifications.services import notify
from tests.factories import UserFactory
from tests.notifications.fake_push import FakePushService

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


@pytest.fixture
def push_worker(push_service: FakePushService) -> Iterator[subprocess.Popen[bytes]]:
    """`celery -A config worker --pool=solo` on our Redis, the test database and the fake.

    On a queue of its own: another test's worker on the same Redis (parallel test
    processes) must neither take these tasks nor lose its own to this test's purge.
    """
    queue = f"dorf-test-push-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    queue_before = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    env = {
        **os.environ,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DORF_VAPID_PRIVATE_KEY": settings.DORF_VAPID_PRIVATE_KEY,
        "DORF_PUSH_ALLOW_PRIVATE_ENDPOINTS": "1",
    }
    with celery_app.connection_for_write() as connection:
        Queue(queue, channel=connection.default_channel).purge()
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
        celery_app.conf.task_default_queue = queue_before
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_after_a_5xx_and_a_429_and_delivers_each_push_once(
    push_service: FakePushService, subscribe, push_worker, settings
) -> None:
    # given: two devices; the push service first answers 500 to one and 429 to the other
    settings.CELERY_TASK_ALWAYS_EAGER = False
    eager_before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        user = UserFactory()
        phone, laptop = subscribe(user), subscribe(user)
        push_service.script(phone, (500, {"Retry-After": "1"}))
        push_service.script(laptop, (429, {"Retry-After": "1"}))
        # when: the notifying action commits (the push leaves through the broker)
        notification = notify(user=user, category=Category.MENTION, title="Moin")
        # and: the broker also hands out duplicates of each delivery task
        deadline = time.monotonic() + 90  # a loaded machine starts a worker slowly
        while Delivery.objects.count() < 2 and time.monotonic() < deadline:
            assert push_worker.poll() is None, push_worker.stdout and push_worker.stdout.read()
            time.sleep(0.1)
        for row in Delivery.objects.all():
            tasks.deliver_push.delay(row.pk)
            tasks.deliver_push.delay(row.pk)
        # then: the worker retries after Retry-After and both arrive
        while (
            Delivery.objects.filter(state=DeliveryState.SENT).count() < 2
            and time.monotonic() < deadline
        ):
            assert push_worker.poll() is None, push_worker.stdout and push_worker.stdout.read()
            time.sleep(0.2)
        time.sleep(1.5)  # room for a late duplicate to show up
        assert push_service.rejected == []
        assert [p["id"] for p in push_service.payloads(phone)] == [notification.pk]
        assert [p["id"] for p in push_service.payloads(laptop)] == [notification.pk]
        assert push_service.answered[phone.device_id] == [500, 201]
        assert push_service.answered[laptop.device_id] == [429, 201]
        assert set(Delivery.objects.values_list("state", "tries")) == {(DeliveryState.SENT, 2)}
    finally:
        celery_app.conf.task_always_eager = eager_before
