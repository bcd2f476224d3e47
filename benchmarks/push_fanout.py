"""Web Push fan-out through the whole stack: one notification to N subscribed residents.

Seeds N residents with one push subscription each (keys of fake devices), starts the
local fake push service (tests/notifications/fake_push.py: it checks every VAPID JWT and
decrypts every aes128gcm payload, as a browser would) and real Celery workers on Redis,
then sends ONE severe warning to all of them with ``notify_many`` and measures until the
fake has received the last push: all delivered, none twice, time to the last delivery.
The baseline, in the same run: the same number of bare ``pywebpush.webpush()`` calls
(encryption + VAPID + POST, one keep-alive session) in one process to the same fake.

Usage (from the repository root; PostgreSQL and Redis, the database migrated)::

    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        nice .venv/bin/python -m benchmarks.push_fanout --residents 5000 --concurrency 2

Prints one JSON line; the seeded residents stay for the next run (their subscriptions
are renewed each run), ``--clean`` deletes them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The server side of the run: a fresh VAPID key, the fake on 127.0.0.1 allowed.
from benchmarks.push_stack import configure_push_environment, start_workers  # noqa: E402

VAPID_PRIVATE, VAPID_PUBLIC = configure_push_environment(queue="dorf-push-benchmark")

if not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")):
    sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the benchmark measures the real stack.")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from pywebpush import webpush  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from dorf.notifications.models import (  # noqa: E402
    Category,
    Delivery,
    DeliveryState,
    PushSubscription,
    Urgency,
)
from dorf.notifications.services import notify_many  # noqa: E402
from dorf.users.models import User  # noqa: E402
from dorf.villages.models import Membership, MembershipState, Village  # noqa: E402
from tests.notifications.fake_push import Device, FakePushService  # noqa: E402

SLUG = "push-benchmark"
EMAIL = "push-bench-{}@example.invalid"


def seed(residents: int) -> tuple[Village, list[User]]:
    village, _created = Village.objects.get_or_create(
        slug=SLUG,
        defaults={"name": "Pushdorf", "centre_lat": 50.79, "centre_lon": 7.87},
    )
    existing = User.objects.filter(email__startswith="push-bench-").count()
    if existing < residents:
        password = make_password(None)
        users = User.objects.bulk_create(
            User(
                email=EMAIL.format(index),
                first_name="Bench",
                last_name=str(index),
                password=password,
                email_confirmed_at=timezone.now(),
            )
            for index in range(existing, residents)
        )
        Membership.objects.bulk_create(
            Membership(user=user, village=village, state=MembershipState.VERIFIED) for user in users
        )
    users = list(User.objects.filter(email__startswith="push-bench-").order_by("id")[:residents])
    return village, users


def subscribe_all(users: list[User], service: FakePushService) -> dict[str, Device]:
    PushSubscription.objects.filter(user__in=users).delete()
    now = timezone.now()
    devices = {}
    rows = []
    for user in users:
        device = service.device()
        devices[device.device_id] = device
        rows.append(
            PushSubscription(
                user=user,
                endpoint=device.endpoint,
                p256dh=device.p256dh,
                auth=device.auth,
                refreshed_at=now,
            )
        )
    PushSubscription.objects.bulk_create(rows, batch_size=1000)
    return devices


def wait_for(service: FakePushService, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while len(service.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def stack_run(
    village: Village, users: list[User], service: FakePushService, timeout_s: float
) -> dict[str, Any]:
    service.received.clear()
    started = time.monotonic()
    with transaction.atomic():
        notifications = notify_many(
            recipients=users,
            category=Category.VILLAGE,
            title="Unwetterwarnung: Sturmböen bis 100 km/h",
            body="Bitte lose Gegenstände sichern und Aufenthalte im Freien meiden.",
            village=village,
            urgency=Urgency.HIGH,
            topic="warning-storm",
        )
    committed = time.monotonic()
    wait_for(service, len(users), timeout_s)
    time.sleep(2)  # room for a late duplicate
    per_device = Counter(r.device_id for r in service.received)
    last = max((r.at for r in service.received), default=time.monotonic())
    states = Counter(
        Delivery.objects.filter(notification__in=notifications).values_list("state", flat=True)
    )
    return {
        "delivered": len(per_device),
        "duplicates": sum(n - 1 for n in per_device.values() if n > 1),
        "rejected": len(service.rejected),
        "notify_commit_s": round(committed - started, 3),
        "time_to_last_s": round(last - started, 2),
        "rate_per_s": round(len(service.received) / (last - started), 1),
        "sent_rows": states.get(DeliveryState.SENT, 0),
    }


def bare_run(devices: dict[str, Device], service: FakePushService) -> dict[str, Any]:
    """The same pushes as bare pywebpush calls, one after the other, in this process."""
    service.received.clear()
    session = requests.Session()
    payload = json.dumps(
        {
            "title": "Unwetterwarnung: Sturmböen bis 100 km/h",
            "body": "Bitte lose Gegenstände sichern.",
        }
    )
    started = time.monotonic()
    for device in devices.values():
        webpush(
            device.subscription_json(),
            data=payload,
            vapid_private_key=VAPID_PRIVATE,
            vapid_claims={"sub": "mailto:admin@localhost"},
            ttl=3600,
            requests_session=session,
        )
    elapsed = time.monotonic() - started
    return {
        "delivered": len({r.device_id for r in service.received}),
        "time_s": round(elapsed, 2),
        "rate_per_s": round(len(devices) / elapsed, 1),
    }


def clean() -> None:
    PushSubscription.objects.filter(user__email__startswith="push-bench-").delete()
    User.objects.filter(email__startswith="push-bench-").delete()
    Village.objects.filter(slug=SLUG).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--clean", action="store_true")
    args = parser.parse_args()
    if args.clean:
        clean()
        return
    village, users = seed(args.residents)
    service = FakePushService(server_public_key=VAPID_PUBLIC).start()
    devices = subscribe_all(users, service)
    workers = start_workers(celery_app, args.concurrency)
    try:
        stack = stack_run(village, users, service, args.timeout)
    finally:
        workers.terminate()
        workers.wait(timeout=30)
    bare = bare_run(devices, service)
    service.stop()
    print(
        json.dumps(
            {
                "residents": args.residents,
                "worker_concurrency": args.concurrency,
                "stack": stack,
                "bare_pywebpush": bare,
                "stack_vs_bare": round(stack["rate_per_s"] / bare["rate_per_s"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
