"""Delivery planning through the whole stack: request → job done → routes stored.

Seeds a village scenario into the database (300 parcels, 25 volunteers with shifts,
3 pickup points, households spread over ~1.5 km), then, as the coordinator, POSTs
``/deliveries/plans/`` through Django's test client and polls the job until it is done.
Prints one JSON line per run and deletes the seeded village afterwards.

Usage (from the repository root; DATABASE_URL must point at a migrated database)::

    nice python -m benchmarks.delivery_planning --runs 3 --time-limit 5
    nice python -m benchmarks.delivery_planning --worker   # a real Celery worker on REDIS_URL

Without ``--worker`` the job runs inline on commit (CELERY_TASK_ALWAYS_EAGER), which
is the request's own process; with it, a ``celery -A config worker --pool=solo`` child
process takes the job from Redis.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from dorf.deliveries import clock, demo  # noqa: E402
from dorf.deliveries.models import JobStatus, Parcel, PlanningJob, Route, Stop  # noqa: E402
from dorf.users.models import User  # noqa: E402
from dorf.users.services import token_issue  # noqa: E402
from dorf.villages.models import (  # noqa: E402
    Household,
    Membership,
    MembershipState,
    Role,
    Village,
)

ROOT = Path(__file__).resolve().parents[1]
CENTRE = (50.790, 7.872)


def _offset(north_m: float, east_m: float) -> tuple[float, float]:
    lat = CENTRE[0] + north_m / 111_320
    lon = CENTRE[1] + east_m / (111_320 * math.cos(math.radians(CENTRE[0])))
    return round(lat, 6), round(lon, 6)


def seed(*, parcels: int, volunteers: int, households: int, rng: random.Random) -> dict[str, Any]:
    slug = f"bench-{int(time.time() * 1000)}"
    village = Village.objects.create(
        name="Benchdorf", slug=slug, centre_lat=CENTRE[0], centre_lon=CENTRE[1], radius_m=4000
    )
    homes = Household.objects.bulk_create(
        Household(
            village=village,
            street=f"Straße {i // 40}",
            house_number=str(i % 40 + 1),
            latitude=(point := _offset(rng.uniform(-1500, 1500), rng.uniform(-1500, 1500)))[0],
            longitude=point[1],
        )
        for i in range(households)
    )
    users = User.objects.bulk_create(
        User(email=f"{slug}-{i}@example.org", first_name="Bench", last_name=str(i))
        for i in range(volunteers + 2)
    )
    roles = [Role.STAFF, Role.MODERATOR] + [Role.RESIDENT] * volunteers
    members = Membership.objects.bulk_create(
        Membership(
            user=user,
            village=village,
            role=role,
            state=MembershipState.VERIFIED,
            household=homes[i % len(homes)],
        )
        for i, (user, role) in enumerate(zip(users, roles, strict=True))
    )
    for member in members:
        member.village = village
    staff, coordinator, team = members[0], members[1], members[2:]
    points = demo.seed_points(staff=staff)
    day = clock.local_today(village) + dt.timedelta(days=1)
    demo.seed_parcels(staff=staff, points=points, households=homes, day=day, count=parcels, rng=rng)
    demo.seed_shifts(volunteers=team, day=day, rng=rng)
    return {"village": village, "coordinator": coordinator, "day": day}


def start_worker(time_limit: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DORF_PLANNING_TIME_LIMIT_S": str(time_limit)}
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
    )
    time.sleep(6)  # let it import Django and OR-Tools before the clock starts
    return process


def run_once(scenario: dict[str, Any]) -> dict[str, Any]:
    village: Village = scenario["village"]
    client = APIClient()
    _token, raw = token_issue(user=scenario["coordinator"].user, name="bench")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/villages/{village.slug}/deliveries/plans/"
    started = time.perf_counter()
    body = {"date": scenario["day"].isoformat(), "policy": scenario["policy"]}
    response = client.post(url, body, format="json")
    answered = time.perf_counter()
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    job = PlanningJob.objects.get(pk=job_id)
    while job.status in (JobStatus.QUEUED, JobStatus.SOLVING):
        time.sleep(0.05)
        job.refresh_from_db()
    done = time.perf_counter()
    stored = list(Route.objects.filter(job=job))
    routes = len(stored)
    durations = [(r.end_at - r.start_at).total_seconds() for r in stored]
    mean_s = sum(durations) / len(durations) if durations else 0.0
    return {
        "job": job.pk,
        "status": job.status,
        "request_to_response_s": round(answered - started, 3),
        "request_to_routes_stored_s": round(done - started, 3),
        "solve_s": round((job.solve_ms or 0) / 1000, 3),
        "overhead_s": round(done - started - (job.solve_ms or 0) / 1000, 3),
        "policy": job.policy,
        "routes": routes,
        "longest_route_s": round(max(durations, default=0)),
        "longest_over_mean": round(max(durations) / mean_s, 3) if durations else None,
        "stops": Stop.objects.filter(route__job=job).count(),
        "unassigned": len(job.unassigned),
        "travel_s": job.travel_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=300)
    parser.add_argument("--volunteers", type=int, default=25)
    parser.add_argument("--households", type=int, default=250)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--policy",
        choices=["spread", "fewest_volunteers"],
        default="spread",
        help="planning policy",
    )
    parser.add_argument("--worker", action="store_true", help="a real Celery worker on Redis")
    parser.add_argument("--keep", action="store_true", help="keep the seeded village")
    args = parser.parse_args()

    settings.DORF_PLANNING_TIME_LIMIT_S = args.time_limit
    worker = None
    if args.worker:
        if not settings.REDIS_URL:
            parser.error("--worker needs REDIS_URL")
        settings.CELERY_TASK_ALWAYS_EAGER = False
        celery_app.conf.task_always_eager = False
        worker = start_worker(args.time_limit)
    else:
        settings.CELERY_TASK_ALWAYS_EAGER = True
        celery_app.conf.task_always_eager = True

    rng = random.Random(args.seed)
    seeding = time.perf_counter()
    scenario = seed(
        parcels=args.parcels, volunteers=args.volunteers, households=args.households, rng=rng
    )
    scenario["policy"] = args.policy
    print(
        json.dumps(
            {
                "seeded_s": round(time.perf_counter() - seeding, 2),
                "parcels": args.parcels,
                "volunteers": args.volunteers,
                "pickup_points": 3,
                "database": connection.vendor,
                "mode": "celery worker" if worker else "inline (eager)",
                "time_limit_s": args.time_limit,
            }
        )
    )
    try:
        for _ in range(args.runs):
            print(json.dumps(run_once(scenario)), flush=True)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)
        if not args.keep:
            village = scenario["village"]
            PlanningJob.objects.filter(village=village).delete()
            Parcel.objects.filter(village=village).delete()
            village.delete()
            User.objects.filter(email__startswith=f"{village.slug}-").delete()


if __name__ == "__main__":
    main()
