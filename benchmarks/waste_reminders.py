"""Waste reminders through the whole stack: 10,000 households, every reminder due at 19:00.

Seeds a village with N households on 100 streets, each with one verified member whose
reminder is "every type, the day before, 19:00" (every tenth also by e-mail, handed to
Django's in-memory mail backend); a year of collections (imported as CSV
through the staff's service) puts every household's bins on the same day. The reminders
are planned by the real planner. Then, with the clock set to 19:00 local time on the eve
of that day (the fake clock: the task's ``now``), the benchmark hands
``waste.send_due_reminders`` to real Celery workers on Redis, as beat does every minute,
and measures from that moment

- until every reminder is stored as a notification (``reminders_stored_s``),
- until every reminder is handed to its channels: a ``Delivery`` row per device and per
  mail, enqueued for sending (``handed_to_channel_s``),
- until the local fake push service (tests/notifications/fake_push.py) has received and
  decrypted every push (``pushed_s``), and every mail is sent (``mailed_s``),

and the CPU per reminder of the Celery worker processes and of this process (the fake
push service's threads and the polling), which moves less with the machine's load than
the seconds do.

It also times the "which reminders are due now" query (EXPLAIN ANALYZE of the exact SQL
a batch task runs, with a batch due, and at a minute with none due), once with a year of
collections and once after adding ``--extra-collections`` more rows, to show it does not
grow with the calendar.

Usage (from the repository root; PostgreSQL and Redis, the database migrated)::

    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        nice .venv/bin/python -m benchmarks.waste_reminders --households 10000 --concurrency 2

Prints one JSON line; ``--clean`` deletes the seeded village and its users.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.push_stack import (  # noqa: E402
    configure_push_environment,
    process_cpu_s,
    start_workers,
    worker_pids,
)

VAPID_PRIVATE, VAPID_PUBLIC = configure_push_environment(queue="dorf-waste-benchmark")
# The workers hand mails to Django's in-memory backend: the benchmark measures our side of
# the e-mail channel, not an SMTP server.
os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

if not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")):
    sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the benchmark measures the real stack.")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from dorf.notifications.models import (  # noqa: E402
    Category,
    Delivery,
    DeliveryChannel,
    DeliveryState,
    Notification,
    NotificationPreference,
    PushSubscription,
    QuietHours,
)
from dorf.users.models import User  # noqa: E402
from dorf.villages.models import Household, Membership, MembershipState, Village  # noqa: E402
from dorf.waste import services  # noqa: E402
from dorf.waste.models import Collection, ReminderSetting, Tour  # noqa: E402
from tests.notifications.fake_push import FakePushService  # noqa: E402

SLUG = "waste-benchmark"
EMAIL = "waste-bench-{}@example.invalid"
STREETS = 100
TZ = ZoneInfo("Europe/Berlin")
TYPES = [
    ("rest", "Restmüll", 14),
    ("bio", "Biotonne", 14),
    ("papier", "Papier", 28),
    ("gelb", "Gelber Sack", 14),
]
TOURS_PER_TYPE = 4
# Every tenth household also wants its reminder by e-mail.
EMAIL_EVERY = 10


def seed(households: int, collection_day: date) -> Village:
    village, created = Village.objects.get_or_create(
        slug=SLUG, defaults={"name": "Tonnenhausen", "centre_lat": 50.79, "centre_lon": 7.87}
    )
    streets = [f"Benchstraße {n}" for n in range(STREETS)]
    if created:
        for code, label, _every in TYPES:
            waste_type = services.waste_type_create(
                village=village, code=code, label=label, colour="#607d8b"
            )
            for part in range(TOURS_PER_TYPE):
                services.tour_create(
                    village=village,
                    name=f"{label} {part + 1}",
                    waste_type=waste_type,
                    streets=[(s, None, None, "all") for s in streets[part::TOURS_PER_TYPE]],
                )
    existing = Membership.objects.filter(village=village).count()
    if existing < households:
        password = make_password(None)
        now = timezone.now()
        users = User.objects.bulk_create(
            (
                User(
                    email=EMAIL.format(i),
                    first_name="Bench",
                    last_name=str(i),
                    password=password,
                    email_confirmed_at=now,
                )
                for i in range(existing, households)
            ),
            batch_size=2000,
        )
        homes = Household.objects.bulk_create(
            (
                Household(
                    village=village,
                    street=streets[i % STREETS],
                    house_number=str(i // STREETS + 1),
                    latitude=50.79,
                    longitude=7.87,
                )
                for i in range(existing, households)
            ),
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            (
                Membership(user=u, village=village, state=MembershipState.VERIFIED, household=h)
                for u, h in zip(users, homes, strict=True)
            ),
            batch_size=2000,
        )
        QuietHours.objects.bulk_create(
            (QuietHours(user=u, enabled=False, starts=dtime(22), ends=dtime(7)) for u in users),
            batch_size=2000,
        )
    # A year of collections from the collection day on, every tour on that day first.
    rows = ["tour;type;date"]
    for tour in Tour.objects.filter(village=village).select_related("waste_type"):
        every = next(e for c, _l, e in TYPES if c == tour.waste_type.code)
        rows.extend(
            f"{tour.name};{tour.waste_type.code};{collection_day + timedelta(days=n)}"
            for n in range(0, 365, every)
        )
    services.collections_import_into(village=village, fmt="csv", content="\n".join(rows).encode())
    return village


def reset_reminders(village: Village, fire_local: datetime) -> None:
    memberships = Membership.objects.filter(village=village)
    ReminderSetting.objects.filter(membership__in=memberships).delete()
    Notification.objects.filter(village=village).delete()
    ReminderSetting.objects.bulk_create(
        (ReminderSetting(membership=m) for m in memberships), batch_size=2000
    )
    # The real planner, as the daily re-plan runs it, an hour before 19:00.
    services.reminders_plan_village(
        village_id=village.pk, now=(fire_local - timedelta(hours=1)).astimezone(UTC)
    )


def subscribe_all(village: Village, service: FakePushService) -> None:
    users = list(User.objects.filter(memberships__village=village))
    PushSubscription.objects.filter(user__in=users).delete()
    now = timezone.now()
    rows = []
    for user in users:
        device = service.device()
        rows.append(
            PushSubscription(
                user=user,
                endpoint=device.endpoint,
                p256dh=device.p256dh,
                auth=device.auth,
                refreshed_at=now,
            )
        )
    PushSubscription.objects.bulk_create(rows, batch_size=2000)
    NotificationPreference.objects.filter(user__in=users, category=Category.WASTE).delete()
    NotificationPreference.objects.bulk_create(
        (
            NotificationPreference(user=user, category=Category.WASTE, email=True)
            for user in users[::EMAIL_EVERY]
        ),
        batch_size=2000,
    )


def due_query(now: datetime) -> dict[str, Any]:
    """EXPLAIN ANALYZE of the claim the task runs (rolled back: nothing stays locked)."""
    queryset = (
        ReminderSetting.objects.select_for_update(skip_locked=True)
        .filter(next_fire_at__lte=now)
        .order_by("next_fire_at", "pk")
        .values_list("pk", flat=True)[: services.SEND_BATCH]
    )
    timings = []
    with transaction.atomic():
        sql, params = queryset.query.sql_with_params()  # FOR UPDATE compiles in a transaction
        with connection.cursor() as cursor:
            for _ in range(5):
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
                plan = cursor.fetchone()[0][0]
                timings.append(plan["Execution Time"] + plan["Planning Time"])
        transaction.set_rollback(True)
    node = plan["Plan"]
    names = []
    while node:
        names.append(
            node["Node Type"] + (f" ({node['Index Name']})" if "Index Name" in node else "")
        )
        node = node.get("Plans", [None])[0]
    return {
        "ms_best": round(min(timings), 2),
        "ms_median": round(sorted(timings)[2], 2),
        "plan": names,
    }


def add_collections(village: Village, count: int) -> None:
    """Many more collections (tours without streets, dates years ahead): the calendar of
    a big district, none of them due."""
    if (
        Collection.objects.filter(tour__village=village, source_key__startswith="bench|").count()
        >= count
    ):
        return  # added by an earlier run
    waste_type = Tour.objects.filter(village=village).first().waste_type  # type: ignore[union-attr]
    tours = [
        Tour.objects.get_or_create(village=village, name=f"Kreis {n}", waste_type=waste_type)[0]
        for n in range(50)
    ]
    start = date(2030, 1, 1)
    Collection.objects.bulk_create(
        (
            Collection(
                tour=tours[i % 50],
                date=start + timedelta(days=i // 50),
                source_key=f"bench|{i}",
            )
            for i in range(count)
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE waste_collection; ANALYZE waste_remindersetting")


def run(
    village: Village,
    fire_local: datetime,
    expected: int,
    service: FakePushService,
    timeout_s: float,
) -> dict[str, Any]:
    notifications = Notification.objects.filter(village=village, category="waste")
    handed = Delivery.objects.filter(notification__village=village, enqueued_at__isnull=False)
    mails = Delivery.objects.filter(notification__village=village, channel=DeliveryChannel.EMAIL)
    mails_expected = len(range(0, expected, EMAIL_EVERY))
    marks: dict[str, float] = {}
    service.received.clear()
    started = time.monotonic()
    celery_app.send_task("waste.send_due_reminders", kwargs={"now": fire_local.isoformat()})
    deadline = started + timeout_s
    while time.monotonic() < deadline:
        elapsed = time.monotonic() - started
        if "reminders_stored_s" not in marks and notifications.count() >= expected:
            marks["reminders_stored_s"] = round(elapsed, 2)
        if "handed_to_channel_s" not in marks and handed.count() >= expected + mails_expected:
            marks["handed_to_channel_s"] = round(elapsed, 2)
        if "pushed_s" not in marks and len({r.device_id for r in service.received}) >= expected:
            marks["pushed_s"] = round(elapsed, 2)
        if (
            "mailed_s" not in marks
            and mails.filter(state=DeliveryState.SENT).count() >= mails_expected
        ):
            marks["mailed_s"] = round(elapsed, 2)
        if len(marks) == 4:
            break
        time.sleep(0.25)
    return {
        **marks,
        "notifications": notifications.count(),
        "handed": handed.count(),
        "mails_sent": mails.filter(state=DeliveryState.SENT).count(),
        "pushed_devices": len({r.device_id for r in service.received}),
        "duplicates": len(service.received) - len({r.device_id for r in service.received}),
    }


def clean() -> None:
    Village.objects.filter(slug=SLUG).delete()
    User.objects.filter(email__startswith="waste-bench-").delete()


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--extra-collections", type=int, default=200_000)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--clean", action="store_true")
    args = parser.parse_args()
    if args.clean:
        clean()
        return
    # The fake clock: 19:00 local on the eve of a collection day a week from now (a future
    # date, so the pushes are not already expired).
    collection_day = timezone.localdate() + timedelta(days=7)
    fire_local = datetime.combine(collection_day - timedelta(days=1), dtime(19), tzinfo=TZ)
    village = seed(args.households, collection_day)
    reset_reminders(village, fire_local)
    due = ReminderSetting.objects.filter(next_fire_at__lte=fire_local).count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE waste_collection; ANALYZE waste_remindersetting")
    collections_before = Collection.objects.filter(tour__village=village).count()
    query_small = {
        "collections": collections_before,
        "due_now": due_query(fire_local),
        "none_due": due_query(fire_local - timedelta(minutes=1)),
    }
    add_collections(village, args.extra_collections)
    query_large = {
        "collections": Collection.objects.filter(tour__village=village).count(),
        "due_now": due_query(fire_local),
        "none_due": due_query(fire_local - timedelta(minutes=1)),
    }
    service = FakePushService(server_public_key=VAPID_PUBLIC).start()
    subscribe_all(village, service)
    workers = start_workers(celery_app, args.concurrency)
    load_before = load_average()
    pids = worker_pids(workers)
    cpu_before = process_cpu_s(pids)
    own_cpu_before = time.process_time()
    try:
        result = run(village, fire_local, due, service, args.timeout)
        # CPU per reminder: unlike the seconds, it hardly moves with the machine's load.
        cpu_after = process_cpu_s(pids)
        worker_cpu = sum(cpu_after[pid] - cpu_before.get(pid, 0.0) for pid in cpu_after)
        own_cpu = time.process_time() - own_cpu_before
        result["cpu_ms_per_reminder"] = {
            "celery_workers": round(worker_cpu * 1000 / max(due, 1), 2),
            "fake_push_service_and_polling": round(own_cpu * 1000 / max(due, 1), 2),
        }
    finally:
        workers.terminate()
        workers.wait(timeout=30)
        service.stop()
    print(
        json.dumps(
            {
                "households": args.households,
                "reminders_due_at_19": due,
                "worker_concurrency": args.concurrency,
                "fake_clock": fire_local.isoformat(),
                "load_average_before": load_before,
                "load_average_after": load_average(),
                **result,
                "due_query_year": query_small,
                "due_query_large_calendar": query_large,
            }
        )
    )


if __name__ == "__main__":
    main()
