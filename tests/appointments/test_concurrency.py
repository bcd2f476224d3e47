"""50 residents hold the same one-seat slot at the same moment, on PostgreSQL.

Exactly one may win; the others get a clear 409. The same race with the unique
constraint dropped must end with more than one winner: the test proves it can catch a
missing constraint (the service reads free seats without a lock on purpose); as threads
only race when they overlap, that variant gets a few attempts.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db import connection

from dorf.appointments import services
from dorf.appointments.models import Appointment
from dorf.core.exceptions import DomainError
from dorf.villages.models import Membership
from tests.factories import HouseholdFactory, MembershipFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("postgres-thread-races"),
]

RESIDENTS = 50
START = datetime(2026, 4, 2, 6, 0, tzinfo=UTC)
CONSTRAINT = "appointment_one_per_seat"
RETRIES_WITHOUT_CONSTRAINT = 4


def _race(service_id: int, members: list[Membership]) -> Counter[str]:
    outcome: Counter[str] = Counter()
    mutex = threading.Lock()
    barrier = threading.Barrier(len(members))

    def run(member: Membership) -> None:
        try:
            barrier.wait()
            services.appointment_hold(membership=member, service_id=service_id, starts_at=START)
            result = "held"
        except DomainError as exc:
            result = f"{exc.status_code} {exc.code}"
        except Exception as exc:  # counted, never hidden
            result = type(exc).__name__
        finally:
            connection.close()
        with mutex:
            outcome[result] += 1

    threads = [threading.Thread(target=run, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


@pytest.mark.parametrize("constraint", ["present", "dropped"])
def test_concurrent_holds_on_a_one_seat_slot_give_exactly_one_seat(
    clock, service, village, constraint
) -> None:
    # given
    members: list[Membership] = [
        MembershipFactory(village=village, household=HouseholdFactory(village=village))
        for _ in range(RESIDENTS)
    ]
    if constraint == "dropped":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX {CONSTRAINT}")
    try:
        # when
        outcome = _race(service.pk, members)
        # Without the constraint the race is lost only when threads overlap; on a loaded
        # machine they can run one after the other, so it gets a few chances to show.
        for _ in range(RETRIES_WITHOUT_CONSTRAINT if constraint == "dropped" else 0):
            if outcome["held"] > 1:
                break
            Appointment.objects.all().delete()
            outcome = _race(service.pk, members)
    finally:
        if constraint == "dropped":
            Appointment.objects.all().delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE UNIQUE INDEX {CONSTRAINT} ON appointments_appointment"
                    " (service_id, slot_start, seat)"
                    " WHERE status IN ('held', 'confirmed', 'done', 'no_show')"
                )
    # then
    if constraint == "present":
        assert outcome == Counter({"held": 1, "409 slot_full": RESIDENTS - 1}), outcome
        assert Appointment.objects.filter(service=service).count() == 1
    else:
        assert outcome["held"] > 1, ("the race went undetected without the constraint", outcome)
