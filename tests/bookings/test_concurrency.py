"""100 residents book the same room at overlapping times at the same moment, on
PostgreSQL: the exclusion constraint lets exactly one through, the rest get 409. The same
race with the constraint dropped must let more than one through (the service does not
lock on PostgreSQL on purpose, so only the constraint can stop it)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from dorf.bookings import services
from dorf.bookings.models import Booking
from dorf.core.exceptions import DomainError
from dorf.villages.models import Membership
from tests.bookings.conftest import berlin
from tests.factories import MembershipFactory

# One database connection per thread: with PostgreSQL's default max_connections of 100 and
# a second test worker, 100 (and 50 + 60 beside the other test worker) ran out of connections in CI. The thread races of
# appointments and bookings share an xdist group so they never run at the same time.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("postgres-thread-races"),
]

RESIDENTS = 100
CONSTRAINT = "booking_no_overlap"


def _race(resource_id: int, members: list[Membership]) -> Counter[str]:
    outcome: Counter[str] = Counter()
    mutex = threading.Lock()
    barrier = threading.Barrier(len(members))

    def run(index: int, member: Membership) -> None:
        # Every request overlaps every other: 18:00 + 0..99 minutes, two hours long.
        start = berlin(2026, 3, 10, 18, 0) + timedelta(minutes=index % 60)
        try:
            barrier.wait()
            services.booking_create(
                membership=member,
                resource_id=resource_id,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
            )
            result = "booked"
        except DomainError as exc:
            result = f"{exc.status_code} {exc.code}"
        except Exception as exc:  # counted, never hidden
            result = type(exc).__name__
        finally:
            connection.close()
        with mutex:
            outcome[result] += 1

    threads = [threading.Thread(target=run, args=(i, m)) for i, m in enumerate(members)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


@pytest.mark.parametrize("constraint", ["present", "dropped"])
def test_concurrent_overlapping_bookings_accept_exactly_one(
    clock, room, village, constraint
) -> None:
    # given
    members: list[Membership] = [MembershipFactory(village=village) for _ in range(RESIDENTS)]
    if constraint == "dropped":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE bookings_booking DROP CONSTRAINT {CONSTRAINT}")
    try:
        # when
        outcome = _race(room.pk, members)
    finally:
        if constraint == "dropped":
            Booking.objects.all().delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ALTER TABLE bookings_booking ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist"
                    " (resource_id WITH =, TSTZRANGE(starts_at, blocked_until) WITH &&)"
                    " WHERE (status IN ('requested', 'approved'))"
                )
    # then
    if constraint == "present":
        assert outcome == Counter({"booked": 1, "409 overlap": RESIDENTS - 1}), outcome
        assert Booking.objects.filter(resource=room).count() == 1
    else:
        assert outcome["booked"] > 1, ("the race went undetected without the constraint", outcome)
